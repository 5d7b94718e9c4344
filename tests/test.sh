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
# The other guest kernels of the kernel tests (issue 13): Debian unstable's (~20 s, cached) and the
# trimmed kernel built from source (cold: minutes on 2 cores, see qemu-scripts/README.md; cached after).
echo "== guest kernels: unstable, built from source (qemu-scripts/guest-kernel.sh) ==" >&2
bash qemu-scripts/guest-kernel.sh unstable >/dev/null
bash qemu-scripts/guest-kernel.sh build >/dev/null

results=out/test-results
rm -rf "$results"
mkdir -p "$results"
echo "== dotnet build ==" >&2
dotnet build HilBridge.sln -c Release -nologo -v q
echo "== dotnet test ==" >&2
# One project at a time, each with its own TRX file: two live-guest projects never share the 2 cores,
# and no two result files can collide on a timestamped default name.
status=0
passed=0 failed=0
broken=()
for project in $(dotnet sln HilBridge.sln list | grep 'Tests\.csproj$'); do
  name=$(basename "$project" .csproj)
  trx="$results/$name.trx"
  ok=1
  dotnet test "$project" -c Release --no-build --logger "trx;LogFileName=$name.trx" \
    --logger "console;verbosity=normal" --results-directory "$results" "$@" || { ok=0; status=1; broken+=("$name"); }
  p=0 f=0
  if [ -f "$trx" ]; then
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
    p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
    f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  fi
  # A test host that died leaves no result (or no failed one) behind: count the project as one failure.
  if [ "$ok" -eq 0 ] && [ "${f:-0}" -eq 0 ]; then
    echo "$name: dotnet test failed without a failed test result (the test host aborted?)" >&2
    f=1
  fi
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
[ ${#broken[@]} -eq 0 ] || echo "test projects that failed: ${broken[*]}" >&2
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  echo "no test results found" >&2
  status=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
