#!/usr/bin/env bash
# Builds the patched QEMU for guest-visible ATS (qemu-scripts/patches/: the SMMUv3 series and the
# intel-iommu one) from Debian's own QEMU source package, both targets from one build tree (the
# x86_64 target adds far less than a second build: most objects are shared), and caches them
# outside the tree:
#   <cache>/qemu/<source-version>_<patch-hash>/qemu-system-{aarch64,x86_64}
#   build-qemu.sh [aarch64|x86_64]   which binary to print (default aarch64)
# stdout: exactly one line, HILBRIDGE_QEMU=<absolute path of the binary>; progress goes to stderr.
# Idempotent: a cached build is reused without any apt call (HILBRIDGE_REFRESH=1 re-resolves the
# source version). Needs root (or passwordless sudo) only for apt. See qemu-scripts/patches/README.md.
set -euo pipefail

# Bump when the way the binary is built changes (configure flags, steps): cached builds are redone.
BUILD_REV=2
# --firmwarepath is Debian's own: option ROMs (linuxboot_dma.bin for -kernel on x86) and qboot from
# qemu-system-data, the VGA BIOS from seabios.
CONFIGURE_FLAGS=(--target-list=aarch64-softmmu,x86_64-softmmu --disable-docs --disable-werror
  --without-default-features --enable-fdt=system --disable-user
  --enable-vhost-user --enable-trace-backends=log
  --firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu)
BUILD_DEPS=(build-essential ninja-build meson libglib2.0-dev libpixman-1-dev libfdt-dev zlib1g-dev
  python3-venv flex bison pkg-config dpkg-dev xz-utils qemu-efi-aarch64 qemu-system-data seabios)
BINARIES=(qemu-system-aarch64 qemu-system-x86_64)
KEEP=3

target=${1:-aarch64}
case $target in
  aarch64) firmware=/usr/share/qemu-efi-aarch64/QEMU_EFI.fd ;;
  x86_64) firmware=/usr/share/qemu/qboot.rom ;;
  *) printf 'build-qemu: error: unknown target %s (aarch64 or x86_64)\n' "$target" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
patches=$here/patches
cache=${HILBRIDGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hilbridge}
root=$cache/qemu

log() { printf 'build-qemu: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else die "need root (or passwordless sudo) for: $*"; fi
}

apt_get() { as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@"; }

# The patch hash covers the series (names and contents) and BUILD_REV, so editing a patch or the
# build recipe gives a new cache entry.
patch_hash() {
  { echo "BUILD_REV=$BUILD_REV ${CONFIGURE_FLAGS[*]}"
    cd "$patches" && find . -maxdepth 1 -name '*.patch' -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-12
}

# A cached build is complete when build.env exists (written last, before the atomic rename) and
# both binaries run and know their patched option: the virt machine's "ats", intel-iommu's "ats-port".
is_complete() {
  [ -f "$1/build.env" ] && [ -x "$1/qemu-system-aarch64" ] && [ -x "$1/qemu-system-x86_64" ] || return 1
  local help
  help=$("$1/qemu-system-aarch64" -M virt,help 2>/dev/null) || return 1
  [[ $help == *$'\n  ats='* ]] || return 1
  help=$("$1/qemu-system-x86_64" -device intel-iommu,help 2>/dev/null) || return 1
  [[ $help == *'ats-port='* ]]
}

# (Pipelines into grep -q are avoided: with pipefail, grep exiting early makes the writer's SIGPIPE fail them.)
has_qemu_source() {
  local out
  out=$(apt-cache showsrc qemu 2>/dev/null) || return 1
  [[ $out == *$'Package: qemu\n'* ]]
}

print_result() { echo "HILBRIDGE_QEMU=$1/qemu-system-$target"; }

# Adds deb-src entries mirroring the deb ones when apt knows no source for qemu. Handles the
# deb822 .sources files (Debian 12's default) and one-line sources.list entries.
ensure_deb_src() {
  if has_qemu_source; then
    return
  fi
  log "no deb-src entry for qemu: adding /etc/apt/sources.list.d/hilbridge-src.sources"
  local out entries
  out=$(mktemp)
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # Stanzas whose Types include "deb", with Types rewritten to deb-src.
    awk 'BEGIN { RS = ""; ORS = "\n\n" }
         /(^|\n)Types:[^\n]*(^|[ \t])deb([ \t]|\n|$)/ {
           sub(/(^|\n)Types:[^\n]*/, "\nTypes: deb-src"); sub(/^\n/, ""); print }' "$f" >>"$out"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    entries=$(sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f")
    [ -z "$entries" ] || printf '%s\n' "$entries" >>"$out.list"
  done
  [ -s "$out" ] && as_root install -m 0644 "$out" /etc/apt/sources.list.d/hilbridge-src.sources
  [ -s "$out.list" ] && as_root install -m 0644 "$out.list" /etc/apt/sources.list.d/hilbridge-src.list
  rm -f "$out" "$out.list"
  apt_get update >&2 || log "apt-get update reported errors (continuing)"
  has_qemu_source || die "apt still knows no source package 'qemu'"
}

ensure_build_deps() {
  local missing=()
  for p in "${BUILD_DEPS[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  log "installing build dependencies: ${missing[*]}"
  apt_get update >&2 || log "apt-get update reported errors (continuing)"
  apt_get install -y --no-install-recommends "${missing[@]}" >&2 ||
    { apt_get -y --fix-broken install >&2; apt_get install -y --no-install-recommends "${missing[@]}" >&2; }
}

# Debian's source version of qemu (what apt-get source would fetch), without the epoch.
source_version() {
  # Lines are: 'URL' FILENAME SIZE HASH; the URL is percent-encoded, the file name is not. Run in
  # the cache root, which holds no .dsc: apt prints nothing for files already in the current directory.
  local uris
  uris=$(cd "$root" && apt-get source --print-uris qemu 2>/dev/null) || return 0
  awk '$2 ~ /^qemu_.*\.dsc$/ { v = $2; sub(/^qemu_/, "", v); sub(/\.dsc$/, "", v); print v; exit }' <<<"$uris"
}

prune() {
  # Keep the KEEP most recent complete builds (the cache may be shared by several checkouts).
  ls -1dt "$root"/*_*/ 2>/dev/null | tail -n +$((KEEP + 1)) | while read -r old; do
    log "removing old build ${old%/}"; rm -rf "${old%/}"
  done
}

build() {
  local version=$1 hash=$2 final=$3 work
  work=$(mktemp -d "$root/.build.XXXXXX")
  log "building QEMU $version with $(ls "$patches"/*.patch | wc -l) patches in $work (about 7 min on 2 cores, both targets)"
  (
    mkdir "$work/src" && cd "$work/src"
    # As root apt warns that _apt cannot access the dir; the download still works.
    apt-get source -q qemu >src.log 2>&1 || { cat src.log >&2; exit 1; }
    src=
    for d in qemu-*/; do [ -d "$d" ] && src=$d && break; done
    [ -n "$src" ] || { cat src.log >&2; exit 1; }
    cd "$src"
    for p in "$patches"/*.patch; do
      log "applying $(basename "$p")"
      patch -p1 --batch --forward --quiet <"$p" >&2
    done
    mkdir build && cd build
    ../configure "${CONFIGURE_FLAGS[@]}" >configure.log 2>&1 || { tail -n 40 configure.log >&2; exit 1; }
    # A progress line every 20 s (ninja's last [done/total]): cold, this is the longest step of the test command.
    ninja -j"$(nproc)" "${BINARIES[@]}" >ninja.log 2>&1 &
    local pid=$! start=$SECONDS next=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null; do
      sleep 2
      if ((SECONDS >= next)); then
        next=$((SECONDS + 20))
        log "compiling: $(grep -o '^\[[0-9]*/[0-9]*\]' ninja.log | tail -n 1 || true) steps, $((SECONDS - start)) s"
      fi
    done
    wait "$pid" || { grep -B2 -A20 FAILED ninja.log | head -n 80 >&2; exit 1; }
    for b in "${BINARIES[@]}"; do
      install -m 0755 "$b" "$work/$b"
      strip "$work/$b"
    done
  ) || { rm -rf "$work"; die "build failed"; }
  mkdir -p "$work/patches" && cp "$patches"/*.patch "$work/patches/"
  rm -rf "$work/src"
  {
    echo "SOURCE_VERSION=$version"
    echo "PATCH_HASH=$hash"
    echo "BUILD_REV=$BUILD_REV"
    echo "CONFIGURE_FLAGS='${CONFIGURE_FLAGS[*]}'"
    echo "QEMU_EFI=/usr/share/qemu-efi-aarch64/QEMU_EFI.fd"
  } >"$work/build.env"
  is_complete "$work" || { rm -rf "$work"; die "the built binaries do not know -M virt,ats=on / -device intel-iommu,ats-port"; }
  chmod 755 "$work"
  rm -rf "$final"
  mv "$work" "$final"
}

main() {
  [ -d "$patches" ] || die "no patch directory $patches"
  mkdir -p "$root"
  exec 9>"$root/.lock"
  flock 9
  rm -rf "$root"/.build.* 2>/dev/null || true

  local hash version final
  hash=$(patch_hash)
  if [ "${HILBRIDGE_REFRESH:-0}" != 1 ]; then
    # Fast path: the newest complete build of this patch series, whatever the source version.
    for dir in $(ls -1dt "$root"/*_"$hash" 2>/dev/null); do
      if is_complete "$dir" && [ -f "$firmware" ]; then
        print_result "$dir"
        return
      fi
    done
  fi

  ensure_build_deps
  ensure_deb_src
  if [ "${HILBRIDGE_REFRESH:-0}" = 1 ]; then
    apt_get update >&2 || log "apt-get update reported errors (continuing)"
  fi
  version=$(source_version)
  [ -n "$version" ] || die "cannot resolve Debian's qemu source version (apt-get source --print-uris qemu)"
  final=$root/${version}_$hash
  if ! is_complete "$final"; then
    build "$version" "$hash" "$final"
    prune
  fi
  print_result "$final"
}

main "$@"
