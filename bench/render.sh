#!/usr/bin/env bash
# bench/render.sh: re-render bench/results/latest.md and README.md's benchmark section from
# bench/results/latest.json (after a change to the renderer; bench/run.sh does this when it publishes).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=${HILBRIDGE_BENCH_WORK:-${TMPDIR:-/tmp}/hilbridge-bench}/bin/dotnet
dotnet build "$HERE/HilBridge.Bench/HilBridge.Bench.csproj" -c Release -nologo -v q -o "$OUT" >&2
dotnet "$OUT/hilbridge-bench.dll" render --json "$HERE/results/latest.json" --md "$HERE/results/latest.md" --readme "$ROOT/README.md"
