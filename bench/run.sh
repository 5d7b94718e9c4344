#!/usr/bin/env bash
# bench/run.sh: every HilBridge benchmark in one command, side by side with the C peers.
#
#   bench/run.sh [--quick] [--work DIR] [--no-publish] [--only iotlb|guest|replay] [--wait-idle SECONDS]
#                [--load-threshold L] [--ignore-load] [--pin HARNESS_CPUS:PEER_CPUS]
#
# 1. IOTLB invalidation round trip: a C and a C# vhost-user front-end harness against HilBridge,
#    DPDK's vhost library (dpdk-testpmd) and two C socket ping-pongs (the floors), in a balanced order.
# 2. Guest data path: the aarch64 guest's O_DIRECT I/O through HilBridge and qemu-storage-daemon
#    (iommu_platform off, alternating), then with iommu_platform on behind the vSMMUv3 and strict
#    invalidation through HilBridge and QEMU's own in-process virtio-blk-pci (alternating, paired),
#    with QEMU's trace of the IOMMU's work per guest I/O.
# 3. Replay throughput and peak memory: bench/replay, engine inputs/s (median) and peak RSS, a fresh
#    process per trace size (1 M and 10 M inputs).
#
# Installs what it needs from Debian (dpdk-dev, gcc, the aarch64 cross compiler, QEMU via
# qemu-scripts/setup.sh), builds the harnesses, writes WORK/results.md + .json (raw samples and logs
# stay in WORK) and publishes bench/results/latest.json (then latest.md and the README's section are
# rendered from it) only when the run is publishable: a full run (not --only, not --quick), every step
# ran, and the 1-min load average at the start was at most L (default 0.5; it waits up to
# --wait-idle seconds, default 300, for that). --ignore-load publishes above the gate, marked as such.
# --pin runs the harnesses and the IOTLB peers under taskset (e.g. 0:1). Prints the table's path,
# one line per target (MET / MISSED) and "publishable: yes|no". Exit status 0 when every step ran
# (a missed target is a result, not a failure), 1 when one failed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
WORK=${HILBRIDGE_BENCH_WORK:-${TMPDIR:-/tmp}/hilbridge-bench}
QUICK=0 PUBLISH=1 ONLY='' WAIT_IDLE=300 LOAD_THRESHOLD=0.5 IGNORE_LOAD=0 PIN=''

while [ $# -gt 0 ]; do
    case "$1" in
    --quick) QUICK=1 ;;
    --work) WORK=$2; shift ;;
    --no-publish) PUBLISH=0 ;;
    --only) ONLY=$2; shift ;;
    --wait-idle) WAIT_IDLE=$2; shift ;;
    --load-threshold) LOAD_THRESHOLD=$2; shift ;;
    --ignore-load) IGNORE_LOAD=1 ;;
    --pin) PIN=$2; shift ;;
    -h | --help) sed -n '2,/^set /p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
case "$ONLY" in '' | iotlb | guest | replay) ;; *) echo "bench/run.sh: --only iotlb|guest|replay" >&2; exit 2 ;; esac
want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }
log() { printf 'bench: %s\n' "$*" >&2; }

# ------------------------------------------------------------------ tools
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
APT_UPDATED=0
apt_install() {
    [ "$APT_UPDATED" = 1 ] || { as_root apt-get update -qq >&2 || true; APT_UPDATED=1; }
    log "installing $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}
need=()
command -v gcc >/dev/null || need+=(gcc libc6-dev)
command -v cpio >/dev/null || need+=(cpio)
[ -z "$PIN" ] || command -v taskset >/dev/null || need+=(util-linux)
if want guest || want iotlb; then
    command -v dpdk-testpmd >/dev/null || need+=(dpdk-dev)
fi
if want guest; then
    command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
    command -v qemu-storage-daemon >/dev/null || need+=(qemu-system-common)
fi
[ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"
command -v dotnet >/dev/null || { echo "bench/run.sh: dotnet (the .NET 10 SDK) is required" >&2; exit 1; }

# ------------------------------------------------------------------ build
mkdir -p "$WORK/bin"
log "building the C harnesses"
gcc -O2 -Wall -Wextra -pthread -o "$WORK/bin/vhost_frontend" "$HERE/iotlb/vhost_frontend.c"
gcc -O2 -Wall -Wextra -o "$WORK/bin/pingpong" "$HERE/iotlb/pingpong.c"
log "building hilbridge-bench (Release)"
dotnet build "$HERE/HilBridge.Bench/HilBridge.Bench.csproj" -c Release -nologo -v q -o "$WORK/bin/dotnet" >&2
BENCH=(dotnet "$WORK/bin/dotnet/hilbridge-bench.dll")

if want guest; then
    log "preparing the guest (qemu-scripts/setup.sh) and the bench initramfs"
    GUEST_DIR=$("$ROOT/qemu-scripts/setup.sh" | tail -n1 | sed -n 's/^HILBRIDGE_GUEST_DIR=//p')
    [ -n "$GUEST_DIR" ] || { echo "bench/run.sh: qemu-scripts/setup.sh gave no guest" >&2; exit 1; }
    aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -s -o "$WORK/bin/hbbench" "$HERE/guest/hbbench.c"
    # The cached guest's initramfs plus a second cpio archive with /bin/hbbench: the kernel
    # unpacks both, so the default image (setup.sh's) stays as it is.
    overlay=$(mktemp -d)
    mkdir -p "$overlay/bin" && cp "$WORK/bin/hbbench" "$overlay/bin/hbbench"
    (cd "$overlay" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -9n) >"$WORK/bin/hbbench.cpio.gz"
    rm -rf "$overlay"
    cat "$GUEST_DIR/initrd.gz" "$WORK/bin/hbbench.cpio.gz" >"$WORK/bin/bench-initrd.gz"
    KERNEL=$GUEST_DIR/vmlinuz
fi

# ------------------------------------------------------------------ run
if [ "$WAIT_IDLE" -gt 0 ]; then
    end=$(($(date +%s) + WAIT_IDLE))
    while :; do
        read -r load _ </proc/loadavg
        awk -v l="$load" -v t="$LOAD_THRESHOLD" 'BEGIN { exit !(l <= t) }' && break
        [ "$(date +%s)" -ge "$end" ] && { log "load average still $load after ${WAIT_IDLE}s (gate $LOAD_THRESHOLD); measuring anyway, the report will say so"; break; }
        sleep 10
    done
fi

OUT="$WORK/run"
rm -rf "$OUT" && mkdir -p "$OUT"
"${BENCH[@]}" machine --out "$OUT/machine-start.json"
log "machine: load average $(cut -d' ' -f1-3 /proc/loadavg) at start"

if [ "$QUICK" = 1 ]; then
    IOTLB_ARGS=(--rounds 8 --iters 2000 --bursts 200)
    GUEST_ARGS=(--repetitions 1 --iommu-pairs 1 --seconds 3)
    REPLAY_ARGS=(--sizes 100000,1000000 --rounds 1)
else
    IOTLB_ARGS=(--rounds 8 --iters 10000 --bursts 1000)
    GUEST_ARGS=(--repetitions 3 --iommu-pairs 5 --seconds 5)
    REPLAY_ARGS=(--sizes 1000000,10000000 --rounds 5)
fi
[ -z "$PIN" ] || IOTLB_ARGS+=(--pin "$PIN")

failed=()
if want iotlb; then
    log "1/3 IOTLB invalidation round trip"
    "${BENCH[@]}" iotlb --out "$OUT/iotlb" --c-harness "$WORK/bin/vhost_frontend" --pingpong "$WORK/bin/pingpong" "${IOTLB_ARGS[@]}" || failed+=(iotlb)
    [ -f "$OUT/iotlb/iotlb.json" ] && cp "$OUT/iotlb/iotlb.json" "$OUT/iotlb.json"
fi
if want guest; then
    log "2/3 guest data path (each boot ~10-20 s)"
    "${BENCH[@]}" guest --out "$OUT/guest" --kernel "$KERNEL" --initrd "$WORK/bin/bench-initrd.gz" "${GUEST_ARGS[@]}" || failed+=(guest)
    [ -f "$OUT/guest/guest.json" ] && cp "$OUT/guest/guest.json" "$OUT/guest.json"
fi
if want replay; then
    log "3/3 replay throughput and peak memory (bench/replay, a fresh process per trace size)"
    dotnet build "$HERE/replay/HilBridge.Bench.Replay.csproj" -c Release -nologo -v q -o "$WORK/bin/replay" >&2
    dotnet "$WORK/bin/replay/HilBridge.Bench.Replay.dll" --dir "$WORK/replay" --json "$OUT/replay.json" "${REPLAY_ARGS[@]}" >"$OUT/replay.txt" 2>"$OUT/replay.log" ||
        { log "bench/replay failed (see $OUT/replay.log)"; failed+=(replay); }
fi

"${BENCH[@]}" machine --out "$OUT/machine-end.json"
log "machine: load average $(cut -d' ' -f1-3 /proc/loadavg) at end"
report_args=(--load-threshold "$LOAD_THRESHOLD")
[ "$QUICK" = 1 ] && report_args+=(--quick)
[ "$IGNORE_LOAD" = 1 ] && report_args+=(--ignore-load)
[ ${#failed[@]} -eq 0 ] || report_args+=(--failed "$(IFS=,; echo "${failed[*]}")")
"${BENCH[@]}" report --in "$OUT" --md "$OUT/results.md" --json "$OUT/results.json" "${report_args[@]}" | tee "$OUT/targets.txt"
if [ "$PUBLISH" = 1 ] && [ -z "$ONLY" ] && grep -q '^publishable: yes' "$OUT/targets.txt"; then
    mkdir -p "$HERE/results"
    # The committed copy names this machine's folders by their variables, not their paths; the
    # Markdown table and the README's section are rendered from it, never edited by hand.
    tmp=${TMPDIR:-/tmp}
    sed -e "s|$WORK|\$HILBRIDGE_BENCH_WORK|g" -e "s|$tmp/|\$TMPDIR/|g" "$OUT/results.json" >"$HERE/results/latest.json"
    "${BENCH[@]}" render --json "$HERE/results/latest.json" --md "$HERE/results/latest.md" --readme "$ROOT/README.md"
    log "published bench/results/latest.json (and latest.md, README.md's section, rendered from it)"
elif [ "$PUBLISH" = 1 ]; then
    log "not published (see 'publishable:' above); the run's table is $OUT/results.md"
fi
echo "results: $OUT/results.md"
[ ${#failed[@]} -eq 0 ]
