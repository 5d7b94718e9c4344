#!/usr/bin/env bash
# The test command: installs what the tests need (QEMU, the Debian arm64 and amd64 guests, NuGet packages),
# runs every test project, and ends with "N passed, N failed" counted from the TRX results.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== guest image and QEMU (qemu-scripts/setup.sh) ==" >&2
bash qemu-scripts/setup.sh >/dev/null
# The Intel VT-d guest (issue 15): Debian stable's amd64 kernel + busybox and qemu-system-x86 (~30 s cold, cached after).
HILBRIDGE_GUEST_ARCH=amd64 bash qemu-scripts/setup.sh >/dev/null
# The patched QEMU for guest-visible ATS (issue 8): built once from Debian's source (~5 min on 2 cores), cached after.
echo "== patched QEMU for guest-visible ATS (qemu-scripts/build-qemu.sh) ==" >&2
bash qemu-scripts/build-qemu.sh >/dev/null
# The other guest kernels of the kernel tests (issue 13): Debian unstable's (~20 s, cached) and the
# trimmed kernel built from source (cold: minutes on 2 cores, see qemu-scripts/README.md; cached after).
echo "== guest kernels: unstable, built from source (qemu-scripts/guest-kernel.sh) ==" >&2
bash qemu-scripts/guest-kernel.sh unstable >/dev/null
bash qemu-scripts/guest-kernel.sh build >/dev/null
# ...and with the reference quarantine series (issue 14): a second build, cached the same way.
bash qemu-scripts/guest-kernel.sh build:qemu-scripts/kernel-patches/quarantine >/dev/null

# The completion tests run the scripts in the real zsh and fish (Debian packages, ~6 MB; a no-op once installed).
command -v zsh >/dev/null && command -v fish >/dev/null || {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends zsh fish >/dev/null || { apt-get update >/dev/null && apt-get install -y --no-install-recommends zsh fish >/dev/null; }
}

# Headless Chromium renders report.html in the report tests (issue 17): ~16 s cold, cached after.
echo "== headless Chromium for the report tests (tests/install-chromium.sh) ==" >&2
bash tests/install-chromium.sh

results=out/test-results
rm -rf "$results"
mkdir -p "$results"
echo "== dotnet build ==" >&2
dotnet build HilBridge.sln -c Release -nologo -v q
echo "== dotnet test ==" >&2
# shellcheck source=tests/trx-count.sh
source tests/trx-count.sh
# One project at a time, each with its own TRX file: two live-guest projects never share the 2 cores,
# and no two result files can collide on a timestamped default name. A test that hangs is cut after
# 20 minutes and named; the project counts as failed. (Per test: above the longest bound a live test
# sets itself, the fence regress suite's 15 minutes, so that test's own message comes first.)
status=0
passed=0 failed=0
broken=()
for project in $(dotnet sln HilBridge.sln list | grep 'Tests\.csproj$'); do
  name=$(basename "$project" .csproj)
  trx="$results/$name.trx"
  log="$results/$name.log"
  ok=1
  dotnet test "$project" -c Release --no-build --logger "trx;LogFileName=$name.trx" \
    --logger "console;verbosity=normal" --results-directory "$results" \
    --blame-hang-timeout 20min --blame-hang-dump-type none "$@" 2>&1 | tee "$log" || ok=0
  p='' f=''
  read -r p f < <(trx_count "$name" "$trx" "$ok" "$log") || true
  p=${p:-0} f=${f:-1}
  [ "$f" -eq 0 ] || { status=1; broken+=("$name"); }
  passed=$((passed + p)); failed=$((failed + f))
done
if [ ${#broken[@]} -gt 0 ]; then
  # Again at the end, where a CI log's tail shows them: which tests, why, and their last output lines.
  for name in "${broken[@]}"; do
    [ -f "$results/$name.trx" ] && trx_failures "$results/$name.trx" >&2
  done
  echo "test projects that failed: ${broken[*]}" >&2
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
