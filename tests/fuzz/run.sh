#!/usr/bin/env bash
# Coverage-guided fuzzing of one byte-level surface with AFL++ through SharpFuzz.
#
#   tests/fuzz/run.sh TARGET MINUTES [--minimize]
#   tests/fuzz/run.sh list
#
# TARGET: codec atsport trace scenario memtable chains iotlb session (ByteTargets.Names).
# Installs afl++ (Debian) and the sharpfuzz tool (NuGet, dotnet-tools.json) when missing, publishes
# tests/HilBridge.Fuzz.Coverage, instruments the bridge assemblies (and YamlDotNet, the scenario
# loader's parser) and runs afl-fuzz for MINUTES, starting from the committed corpus
# (tests/HilBridge.Fuzz/coverage-corpus/TARGET) plus generated seeds. Prints the campaign's figures
# (executions, execs/s, edges, map density, queue, crashes) and copies crashing inputs beside them.
# --minimize afterwards replaces the committed corpus by the campaign's queue minimized with afl-cmin
# (what CI replays: CorpusReplayTests, no AFL needed).
# Output: $HILBRIDGE_FUZZ_OUT (default ~/.cache/hilbridge-fuzz)/TARGET. CPU-heavy: run it with nice -n 19
# on a shared machine.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
# Not under /tmp: afl-cmin refuses to work there.
out_root=${HILBRIDGE_FUZZ_OUT:-$HOME/.cache/hilbridge-fuzz}
targets="codec atsport trace scenario memtable chains iotlb session"

if [[ ${1:-} == list ]]; then
    echo "$targets"
    exit 0
fi
if [[ $# -lt 2 || ! " $targets " =~ " $1 " || ! $2 =~ ^[0-9]+$ ]]; then
    echo "usage: tests/fuzz/run.sh TARGET MINUTES [--minimize]   (targets: $targets)" >&2
    exit 2
fi
target=$1
minutes=$2
minimize=${3:-}

if ! command -v afl-fuzz >/dev/null; then
    echo "fuzz: installing afl++ (Debian package)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null
fi
(cd "$repo" && dotnet tool restore >/dev/null)
# afl-cmin wants the program by its path.
dotnet=$(readlink -f "$(command -v dotnet)")

# One instrumented build for all targets; rebuilt when a bridge or fuzz source is newer than it.
bin=$out_root/bin
stamp=$bin/.instrumented
if [[ ! -f $stamp ]] || [[ -n $(find "$repo/bridge" "$repo/tests/HilBridge.Fuzz" "$repo/tests/HilBridge.Fuzz.Coverage" -name '*.cs' -newer "$stamp" -print -quit) ]]; then
    mkdir -p "$out_root"
    (
        # The lock keeps two campaigns started together from instrumenting one folder twice.
        flock 9
        if [[ ! -f $stamp ]] || [[ -n $(find "$repo/bridge" "$repo/tests/HilBridge.Fuzz" "$repo/tests/HilBridge.Fuzz.Coverage" -name '*.cs' -newer "$stamp" -print -quit) ]]; then
            rm -rf "$bin"
            dotnet publish "$repo/tests/HilBridge.Fuzz.Coverage" -c Release -o "$bin" -nologo -v q
            for dll in HilBridge.Core HilBridge.VhostUser HilBridge.Live HilBridge.Traces HilBridge.Scenarios YamlDotNet; do
                (cd "$repo" && dotnet sharpfuzz "$bin/$dll.dll" >/dev/null)
            done
            touch "$stamp"
        fi
    ) 9>"$out_root/.build.lock"
fi

work=$out_root/$target
seeds=$work/seeds
rm -rf "$seeds"
mkdir -p "$seeds"
dotnet "$bin/HilBridge.Fuzz.Coverage.dll" seeds "$target" "$seeds" "$repo"
corpus=$repo/tests/HilBridge.Fuzz/coverage-corpus/$target
if [[ -d $corpus ]]; then
    cp "$corpus"/* "$seeds"/ 2>/dev/null || true
fi

# A session case is a whole connection to a real bridge; the others take microseconds.
timeout_ms=2000
[[ $target == session ]] && timeout_ms=20000

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 \
    AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FORKSRV_INIT_TMOUT=120000 AFL_QUIET=1
rm -rf "$work/out"
echo "fuzz: $target for $minutes min (queue and crashes in $work/out/default)"
afl-fuzz -i "$seeds" -o "$work/out" -V $((minutes * 60)) -t "$timeout_ms" -m none \
    -- "$dotnet" "$bin/HilBridge.Fuzz.Coverage.dll" "$target" >"$work/afl.log" 2>&1 || {
    echo "fuzz: afl-fuzz failed, see $work/afl.log" >&2
    tail -20 "$work/afl.log" >&2
    exit 1
}

stats=$work/out/default/fuzzer_stats
field() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
crashes=$(find "$work/out/default/crashes" -type f -name 'id:*' | wc -l)
summary="$target: $(field execs_done) execs in $(field run_time) s ($(field execs_per_sec) execs/s), edges $(field edges_found), map density $(field bitmap_cvg), queue $(field corpus_count), stability $(field stability), crashes $crashes"
echo "$summary" | tee "$work/summary.txt"
if ((crashes > 0)); then
    echo "fuzz: crashing inputs in $work/out/default/crashes; triage with:"
    echo "  dotnet $bin/HilBridge.Fuzz.Coverage.dll $target $work/out/default/crashes/id:*"
fi

if [[ $minimize == --minimize ]]; then
    rm -rf "$work/min"
    if afl-cmin -i "$work/out/default/queue" -o "$work/min" -t "$timeout_ms" -m none \
        -- "$dotnet" "$bin/HilBridge.Fuzz.Coverage.dll" "$target" >"$work/cmin.log" 2>&1; then
        rm -rf "$corpus"
        mkdir -p "$corpus"
        # Short stable names: the hash of the content.
        for f in "$work/min"/*; do
            cp "$f" "$corpus/$(sha256sum "$f" | cut -c1-12)"
        done
        echo "fuzz: corpus $corpus now $(ls "$corpus" | wc -l) inputs, $(du -sk "$corpus" | cut -f1) KiB"
    else
        echo "fuzz: afl-cmin failed, see $work/cmin.log" >&2
        exit 1
    fi
fi
