#!/usr/bin/env bash
# HilBridge: a bootable guest (kernel + initramfs of guest/ + busybox) for a named kernel.
#
# Usage: guest-kernel.sh KERNEL
#   stable            Debian stable's arm64 kernel: exactly what setup.sh builds (the default)
#   unstable          Debian unstable's newest arm64 kernel binary (linux-binary-*-arm64 and
#                     linux-modules-*-arm64, or linux-image-* when it holds the kernel), fetched
#                     through a private apt configuration in the cache (never the machine's sources)
#   build[@V][:DIR]   a trimmed kernel built from source by build-kernel.sh: linux V (default the
#                     newest 7.x that downloads) with the patches in DIR (none when omitted)
#   PATH              your own arm64 kernel Image with everything the guest needs built in
# Each is cached by version (and the guest/ files): a second call does no apt call and no build.
#
# stdout: exactly one line, last: HILBRIDGE_GUEST_DIR=<abs dir> (vmlinuz, initrd.gz, versions.env,
# the same layout as setup.sh's, plus KERNEL_SOURCE and for built kernels SOURCE_VERSION/PATCHES).
# stderr: progress. Environment: HILBRIDGE_CACHE, HILBRIDGE_REFRESH=1 (re-resolve the newest).
set -euo pipefail

# Bump when the way these guests are assembled changes: cached ones are rebuilt.
BUILD_REV=1
KEEP=6

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_TAG=guest-kernel
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
# shellcheck source=lib/initramfs.sh
. "$here/lib/initramfs.sh"
CACHE=${HILBRIDGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hilbridge}
mkdir -p "$CACHE/kernels/guest" "$CACHE/debs"
CACHE=$(cd "$CACHE" && pwd -P)
# shellcheck source=lib/sid-apt.sh
. "$here/lib/sid-apt.sh"
root=$CACHE/kernels/guest
export LC_ALL=C

[ $# -eq 1 ] || die "usage: guest-kernel.sh stable|unstable|build[@VERSION][:PATCH_DIR]|PATH"
spec=$1

emit() {
    log "guest ready: $1"
    printf 'HILBRIDGE_GUEST_DIR=%s\n' "$1"
    exit 0
}

# The stable guest from setup.sh: its directory (QEMU is ensured on the way).
stable_guest() {
    local line
    line=$("$here/setup.sh" | tail -n1)
    [[ $line == HILBRIDGE_GUEST_DIR=* ]] || die "setup.sh printed no guest directory"
    printf '%s\n' "${line#HILBRIDGE_GUEST_DIR=}"
}

if [ "$spec" = stable ]; then
    emit "$(stable_guest)"
fi

guest_hash() { (cd "$here/guest" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | hash12; }

guest_valid() { [ -s "$1/vmlinuz" ] && [ -s "$1/initrd.gz" ] && [ -f "$1/versions.env" ] && grep -qx "BUILD_REV=$BUILD_REV" "$1/versions.env"; }

env_value() { sed -n "s/^$2=//p" "$1" | sed "s/^'\(.*\)'\$/\1/"; }

# busybox-static from the stable guest's cached .deb (the same userland for every kernel)
busybox_from_stable() { # OUTFILE -> sets BBVER
    local stable deb
    stable=$(stable_guest)
    BBVER=$(env_value "$stable/versions.env" BUSYBOX_VERSION)
    deb=$CACHE/debs/busybox-static_${BBVER/:/%3a}_arm64.deb
    [ -s "$deb" ] || die "$deb missing: run qemu-scripts/setup.sh with HILBRIDGE_REFRESH=1"
    dpkg-deb --fsys-tarfile "$deb" | tar -xO ./bin/busybox >"$1"
    [ -s "$1" ] || die "no bin/busybox in $deb"
}

qemu_version() { qemu-system-aarch64 --version | awk 'NR == 1 { print $4; exit }'; }

publish() { # BUILD_DIR DEST
    chmod 755 "$1"
    rm -rf "$2"
    mv -T "$1" "$2"
    # shellcheck disable=SC2012 # names are ours
    ls -1dt "$root"/*_*/ 2>/dev/null | tail -n +$((KEEP + 1)) | while read -r old; do
        log "pruning old guest ${old%/}"
        rm -rf "${old%/}"
    done
}

exec 9>"$CACHE/kernels/.guest.lock"
if ! flock -n 9; then
    log "another guest-kernel.sh holds $CACHE/kernels/.guest.lock; waiting"
    flock -w 3600 9 || die "timed out waiting for $CACHE/kernels/.guest.lock"
fi
rm -rf "$root"/.build.* 2>/dev/null || true
GH=$(guest_hash)

# ------------------------------------------------------------------ unstable
# Which packages hold unstable's newest arm64 kernel: "IMAGE VERSION BINARY MODULES".
resolve_unstable() {
    local image binary modules ver deps
    image=$(sid_apt_cache depends linux-image-arm64:arm64 2>/dev/null |
        awk '$1 ~ /Depends:$/ && $2 ~ /^linux-image-[0-9].*-arm64(:arm64)?$/ { sub(/:arm64$/, "", $2); print $2; exit }')
    [ -n "$image" ] || die "Debian unstable: linux-image-arm64 depends on no versioned kernel package"
    ver=$(sid_apt_cache policy "$image:arm64" | awk '/^ *Candidate:/ { print $2; exit }')
    deps=$(sid_apt_cache depends "$image:arm64" 2>/dev/null)
    binary=$(awk '$1 ~ /Depends:$/ && $2 ~ /^linux-binary-/ { sub(/:arm64$/, "", $2); print $2; exit }' <<<"$deps")
    modules=$(awk '$1 ~ /Depends:$/ && $2 ~ /^linux-modules-/ { sub(/:arm64$/, "", $2); print $2; exit }' <<<"$deps")
    # Before the split into binary/modules packages the image package held both.
    printf '%s %s %s %s\n' "$image" "$ver" "${binary:-$image}" "${modules:-$image}"
}

fetch_sid_deb() { # PKG VERSION -> path of the cached .deb
    local pkg=$1 ver=$2 f dl
    f=$CACHE/debs/${pkg}_${ver/:/%3a}_arm64.deb
    if [ -s "$f" ] && [ "$(dpkg-deb -f "$f" Version 2>/dev/null)" = "$ver" ]; then
        printf '%s\n' "$f"
        return 0
    fi
    dl=$(mktemp -d "$CACHE/debs/.dl.XXXXXX")
    log "apt-get download $pkg:arm64=$ver (Debian unstable)"
    (cd "$dl" && sid_apt_get download "$pkg:arm64=$ver" >&2) || { rm -rf "$dl"; die "apt-get download $pkg:arm64=$ver failed"; }
    mv -f "$dl"/"${pkg}"_*.deb "$f" || { rm -rf "$dl"; die "apt-get download produced no .deb for $pkg"; }
    rm -rf "$dl"
    # Older unstable kernels (their package names carry the version; setup.sh's are linux-image-*).
    case $pkg in
    linux-binary-* | linux-modules-*)
        find "$CACHE/debs" -maxdepth 1 -name "${pkg%%-[0-9]*}-*_arm64.deb" ! -name "${f##*/}" -delete
        ;;
    esac
    printf '%s\n' "$f"
}

unstable_guest() {
    local memo=$CACHE/kernels/unstable.env image ver binary modules d
    if [ "${HILBRIDGE_REFRESH:-0}" != 1 ] && [ -f "$memo" ]; then
        read -r image ver binary modules <"$memo"
        for d in "$root"/unstable_*_"$GH"; do
            if guest_valid "$d" && [ "$(env_value "$d/versions.env" KERNEL_PACKAGE_VERSION)" = "$ver" ] &&
                [ "$(env_value "$d/versions.env" KERNEL_PACKAGE)" = "$image" ]; then
                log "cached: $image $ver"
                emit "$d"
            fi
        done
    else
        sid_update
        read -r image ver binary modules < <(resolve_unstable)
    fi
    [ -n "$ver" ] || die "Debian unstable: no candidate for $image"
    log "Debian unstable kernel: $image $ver (kernel in $binary, modules in $modules)"
    local kdeb mdeb B X krel vmlinuz moddir
    kdeb=$(fetch_sid_deb "$binary" "$ver")
    mdeb=$kdeb
    [ "$modules" = "$binary" ] || mdeb=$(fetch_sid_deb "$modules" "$ver")
    B=$(mktemp -d "$root/.build.XXXXXX")
    X=$B/unpacked
    mkdir -p "$X"
    log "unpacking ${kdeb##*/}"
    dpkg-deb -x "$kdeb" "$X"
    if [ "$mdeb" != "$kdeb" ]; then
        log "unpacking ${mdeb##*/}"
        dpkg-deb -x "$mdeb" "$X"
    fi
    moddir=$( (find "$X/lib/modules" "$X/usr/lib/modules" -mindepth 1 -maxdepth 1 -type d 2>/dev/null || true) | head -n1)
    [ -n "$moddir" ] || die "no module tree in $binary/$modules"
    krel=${moddir##*/}
    vmlinuz=
    for f in "$moddir/vmlinuz" "$X/boot/vmlinuz-$krel"; do [ -s "$f" ] && vmlinuz=$f && break; done
    [ -n "$vmlinuz" ] || die "$binary holds no kernel (usr/lib/modules/$krel/vmlinuz or boot/vmlinuz-$krel)"
    finish_guest "$B" "$vmlinuz" "$moddir" "$krel" "" "$root/unstable_${krel}_$GH" \
        KERNEL_SOURCE unstable KERNEL_PACKAGE "$image" KERNEL_PACKAGE_VERSION "$ver" KERNEL_BINARY_PACKAGE "$binary"
    printf '%s %s %s %s\n' "$image" "$ver" "$binary" "$modules" >"$memo"
    emit "$root/unstable_${krel}_$GH"
}

# finish_guest BUILD_DIR KERNEL MODDIR KREL KCONFIG DEST KEY VALUE...: initramfs, versions.env, publish
finish_guest() {
    local B=$1 kernel=$2 moddir=$3 krel=$4 kconfig=$5 dest=$6
    shift 6
    busybox_from_stable "$B/busybox"
    log "building the initramfs for $krel"
    initramfs_build "$B/initrd.gz" "$moddir" "$krel" "$B/busybox" "$here/guest" "$kconfig"
    cp "$kernel" "$B/vmlinuz"
    rm -rf "$B/unpacked" "$B/busybox"
    {
        write_env_kv "$@"
        write_env_kv KERNEL_VERSION "$krel" BUSYBOX_VERSION "$BBVER" QEMU_VERSION "$(qemu_version)" \
            GUEST_HASH "$GH" BUILD_REV "$BUILD_REV" MODULES "${INITRAMFS_MODULES[*]}" \
            KERNEL "$dest/vmlinuz" INITRD "$dest/initrd.gz"
    } >"$B/versions.env"
    publish "$B" "$dest"
    log "built $dest ($(du -h "$dest/initrd.gz" | cut -f1) initrd)"
}

# ------------------------------------------------------------------ built from source
built_guest() { # [@VERSION][:DIR]
    local rest=$1 args=() line kb krel key dest
    if [[ $rest == @* ]]; then
        local v=${rest#@}
        v=${v%%:*}
        args+=(--version "$v")
        rest=${rest#@"$v"}
    fi
    if [[ $rest == :* ]] && [ -n "${rest#:}" ]; then
        args+=(--patches "${rest#:}")
    elif [ -n "$rest" ] && [ "$rest" != : ]; then
        die "cannot read '$spec': use build, build:PATCH_DIR or build@VERSION:PATCH_DIR"
    fi
    line=$("$here/build-kernel.sh" "${args[@]+"${args[@]}"}" | tail -n1)
    [[ $line == HILBRIDGE_KERNEL_BUILD=* ]] || die "build-kernel.sh printed no build directory"
    kb=${line#HILBRIDGE_KERNEL_BUILD=}
    krel=$(env_value "$kb/build.env" KERNEL_RELEASE)
    key=$(env_value "$kb/build.env" BUILD_KEY)
    dest=$root/build_${krel}_${key}_$GH
    if guest_valid "$dest"; then
        emit "$dest"
    fi
    local B
    B=$(mktemp -d "$root/.build.XXXXXX")
    finish_guest "$B" "$kb/Image" "" "$krel" "$kb/config" "$dest" \
        KERNEL_SOURCE build KERNEL_PACKAGE "linux-$(env_value "$kb/build.env" SOURCE_VERSION) (source)" \
        KERNEL_PACKAGE_VERSION "$(env_value "$kb/build.env" SOURCE_VERSION)" \
        SOURCE_VERSION "$(env_value "$kb/build.env" SOURCE_VERSION)" BUILD_KEY "$key" \
        PATCH_DIR "$(env_value "$kb/build.env" PATCH_DIR)" PATCHES "$(env_value "$kb/build.env" PATCHES)" \
        KERNEL_BUILD_DIR "$kb"
    emit "$dest"
}

# ------------------------------------------------------------------ a kernel file
file_guest() { # PATH
    local k krel id dest B
    k=$(readlink -f -- "$1" || true)
    [ -f "${k:-/nonexistent}" ] || die "guest kernel '$1': not stable, unstable or build[...], and no such file"
    # arm64 Image header: "ARMd" magic at offset 56; the release string is in the image itself
    krel=$(strings -n 8 "$k" 2>/dev/null | sed -n 's/^Linux version \([^ ]*\) .*/\1/p' | head -n1)
    id=$( { printf '%s\n' "$k"; stat -c '%s %Y' "$k"; } | hash12)
    dest=$root/file_${id}_$GH
    if guest_valid "$dest"; then
        emit "$dest"
    fi
    B=$(mktemp -d "$root/.build.XXXXXX")
    finish_guest "$B" "$k" "" "${krel:-unknown}" "" "$dest" KERNEL_SOURCE file KERNEL_PACKAGE "$k" KERNEL_PACKAGE_VERSION custom
    emit "$dest"
}

case $spec in
unstable) unstable_guest ;;
build | build@* | build:*) built_guest "${spec#build}" ;;
*) file_guest "$spec" ;;
esac
