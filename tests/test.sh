#!/usr/bin/env bash
# The test command: installs what the tests need (QEMU, the Debian arm64 guest, NuGet packages),
# runs every test project, and ends with "N passed, N failed" counted from the TRX results.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== guest image and QEMU (qemu-scripts/setup.sh) ==" >&2
bash qemu-scripts/setup.sh >/dev/null
# The patched QEMU for guest-visible ATS (issue 8): built once from Debian's source (~5 min on 2 cores), cached after.
echo "== patched QEMU for guest-visible ATS (qemu-scripts/build-qemu.sh) ==" >&2
bash qemu-scripts/build-qemu.sh >/dev/null

results=out/test-results
rm -rf "$results"
mkdir -p "$results"
echo "== dotnet build ==" >&2
dotnet build HilBridge.sln -c Release -nologo -v q
echo "== dotnet test ==" >&2
status=0
# -m:1: one test assembly at a time, so two projects' live-guest tests never share the 2 cores.
dotnet test HilBridge.sln -c Release --no-build -m:1 --logger "trx" --logger "console;verbosity=normal" \
  --results-directory "$results" "$@" || status=$?

passed=0 failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  echo "no test results found" >&2
  status=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
