#!/usr/bin/env bash
# HilBridge: install QEMU and build the test guest (kernel + initramfs) from Debian's
# archive: arm64 (aarch64 virt + SMMUv3, the default) or amd64 (x86_64 q35 + VT-d).
# Idempotent; a cached run does no apt calls.
#
# stdout: exactly one line, last:  HILBRIDGE_GUEST_DIR=<abs dir>
#         (that dir holds vmlinuz, initrd.gz, versions.env)
# stderr: progress messages.
#
# Environment:
#   HILBRIDGE_CACHE     cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/hilbridge)
#   HILBRIDGE_KERNEL    } both set: use these instead of building a guest
#   HILBRIDGE_INITRD    } (versions.env goes to <cache>/guest/custom_<hash>/)
#   HILBRIDGE_REFRESH=1 ignore the cached guest and re-resolve the newest Debian
#                       kernel/busybox with apt (rebuilds only if something changed)
#   HILBRIDGE_GUEST_ARCH arm64 (default; <cache>/guest/) or amd64 (<cache>/guest-amd64/,
#                       with qemu-system-x86 and qboot): the guest's architecture
# See README.md beside this file.
set -euo pipefail

# All stdout goes to stderr except the final HILBRIDGE_GUEST_DIR line (fd 3).
exec 3>&1 1>&2

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GUEST_SRC=$SCRIPT_DIR/guest
CACHE=${HILBRIDGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hilbridge}
# Bump when the way the initramfs is assembled changes (not the guest/ files:
# those are covered by GUEST_HASH); a cached guest with another BUILD_REV is rebuilt.
BUILD_REV=1
# Modules the guest needs (plus whatever they depend on).
WANTED_MODULES=(virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk)
# The guest's architecture decides the Debian packages, the QEMU that boots it and where it is
# cached; arm64 keeps the original layout (<cache>/guest) that other checkouts share.
ARCH=${HILBRIDGE_GUEST_ARCH:-arm64}
case "$ARCH" in
arm64) QEMU_BIN=qemu-system-aarch64 QEMU_PKGS=(qemu-system-arm) GUEST_DIRNAME=guest ;;
# qboot (the x86 guest's BIOS: SeaBIOS leaves a DMAR fault behind) is in qemu-system-data.
amd64) QEMU_BIN=qemu-system-x86_64 QEMU_PKGS=(qemu-system-x86 qemu-system-data) GUEST_DIRNAME=guest-amd64 ;;
*)
    printf 'hilbridge-setup: ERROR: HILBRIDGE_GUEST_ARCH=%s: arm64 or amd64\n' "$ARCH" >&2
    exit 1
    ;;
esac
QBOOT=/usr/share/qemu/qboot.rom
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

log() { printf 'hilbridge-setup: %s\n' "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

TMP_DIRS=()
# shellcheck disable=SC2317 # invoked by trap
cleanup() {
    local d
    for d in "${TMP_DIRS[@]+"${TMP_DIRS[@]}"}"; do
        [ -n "$d" ] && rm -rf -- "$d"
    done
}
trap cleanup EXIT
trap "exit 130" INT TERM HUP

new_tmp() { # new_tmp VAR [PARENT [PREFIX]]
    local d
    d=$(mktemp -d "${2:-${TMPDIR:-/tmp}}/${3:-hilbridge.}XXXXXX")
    TMP_DIRS+=("$d")
    printf -v "$1" '%s' "$d"
}

# value for a shell KEY=VALUE line: bare when safe, else single-quoted
shq() {
    if [[ $1 =~ ^[A-Za-z0-9_./:+@%,=-]*$ ]]; then
        printf '%s' "$1"
    else
        printf "'%s'" "${1//\'/\'\\\'\'}"
    fi
}

# ------------------------------------------------------------------ apt helpers
APT_UPDATED=0
apt_update() {
    [ "$APT_UPDATED" = 1 ] && return 0
    log "apt-get update"
    # Third-party sources may fail here; packages are checked by resolving them.
    as_root apt-get update -q || log "apt-get update reported errors (ignored; checking packages instead)"
    APT_UPDATED=1
}

candidate() { # candidate PKG -> candidate version or empty
    apt-cache policy "$1" 2>/dev/null | awk '/^ *Candidate:/ { if ($2 != "(none)") print $2; exit }'
}

apt_install() {
    local p
    for p in "$@"; do
        [ -n "$(candidate "$p")" ] || die "apt cannot resolve package $p (check /etc/apt/sources)"
    done
    log "apt-get install $*"
    if ! as_root apt-get install -y -q "$@"; then
        log "install failed; running apt-get --fix-broken install and retrying once"
        as_root apt-get -y -q --fix-broken install || true
        as_root apt-get install -y -q "$@" || die "apt-get install $* failed"
    fi
}

tools_present() {
    command -v "$QEMU_BIN" >/dev/null 2>&1 &&
        command -v qemu-img >/dev/null 2>&1 &&
        command -v cpio >/dev/null 2>&1 &&
        { [ "$ARCH" != amd64 ] || [ -s "$QBOOT" ]; }
}

ensure_tools() {
    tools_present && return 0
    log "$QEMU_BIN, qemu-img or cpio missing; installing"
    apt_update
    apt_install "${QEMU_PKGS[@]}" qemu-utils cpio
    tools_present || die "$QEMU_BIN/qemu-img/cpio still missing after install"
}

qemu_version() { "$QEMU_BIN" --version | awk 'NR == 1 { print $4; exit }'; }
qemu_version_full() { "$QEMU_BIN" --version | sed -n '1s/^QEMU emulator version //p'; }

# ------------------------------------------------------------------ guest hash
# sha256 over `sha256sum` lines (sorted relative path + content hash) of every
# file in qemu-scripts/guest/, first 12 hex digits.
guest_hash() {
    [ -f "$GUEST_SRC/init" ] || die "$GUEST_SRC/init missing"
    (cd "$GUEST_SRC" && find . -type f -print0 | sort -z | xargs -0 sha256sum) |
        sha256sum | cut -c1-12
}

write_env_kv() { # KEY VALUE...
    local k
    while [ $# -ge 2 ]; do
        k=$1
        printf '%s=%s\n' "$k" "$(shq "$2")"
        shift 2
    done
}

update_current_link() {
    local dir=$1
    ln -sfn "$(basename "$dir")" "$CACHE/$GUEST_DIRNAME/.current.tmp"
    mv -Tf "$CACHE/$GUEST_DIRNAME/.current.tmp" "$CACHE/$GUEST_DIRNAME/current"
}

emit() {
    log "guest ready: $1"
    printf 'HILBRIDGE_GUEST_DIR=%s\n' "$1" >&3
    exit 0
}

# A cached guest dir is usable when its files exist and it was built by this BUILD_REV.
guest_valid() {
    local d=$1
    [ -s "$d/vmlinuz" ] && [ -s "$d/initrd.gz" ] && [ -f "$d/versions.env" ] &&
        grep -qx "BUILD_REV=$BUILD_REV" "$d/versions.env"
}

# Keep QEMU_VERSION in a cached versions.env in step with the installed QEMU.
refresh_qemu_version() {
    local d=$1 qv qf
    qv=$(qemu_version)
    grep -qx "QEMU_VERSION=$(shq "$qv")" "$d/versions.env" && return 0
    qf=$(qemu_version_full)
    log "QEMU version changed; updating $d/versions.env"
    sed -e '/^QEMU_VERSION=/d' -e '/^QEMU_VERSION_FULL=/d' "$d/versions.env" >"$d/.versions.env.tmp"
    write_env_kv QEMU_VERSION "$qv" QEMU_VERSION_FULL "$qf" >>"$d/.versions.env.tmp"
    mv -f "$d/.versions.env.tmp" "$d/versions.env"
}

# ------------------------------------------------------------------ main
mkdir -p "$CACHE/$GUEST_DIRNAME" "$CACHE/debs"
CACHE=$(cd "$CACHE" && pwd -P)

exec 9>"$CACHE/.lock"
if ! flock -n 9; then
    log "another setup.sh holds $CACHE/.lock; waiting"
    flock -w 1800 9 || die "timed out waiting for $CACHE/.lock"
fi
# We hold the lock, so any build dir left over is from an interrupted run.
rm -rf "$CACHE"/$GUEST_DIRNAME/.build.* "$CACHE"/debs/.dl.part "$CACHE/$GUEST_DIRNAME/.current.tmp"

GUEST_HASH=$(guest_hash)

# ---- user override: prebuilt kernel + initrd
if [ -n "${HILBRIDGE_KERNEL:-}" ] || [ -n "${HILBRIDGE_INITRD:-}" ]; then
    if [ -z "${HILBRIDGE_KERNEL:-}" ] || [ -z "${HILBRIDGE_INITRD:-}" ]; then
        die "set both HILBRIDGE_KERNEL and HILBRIDGE_INITRD (or neither)"
    fi
    ensure_tools
    K=$(readlink -f -- "$HILBRIDGE_KERNEL" || true)
    I=$(readlink -f -- "$HILBRIDGE_INITRD" || true)
    [ -f "${K:-/nonexistent}" ] || die "HILBRIDGE_KERNEL=$HILBRIDGE_KERNEL: no such file"
    [ -f "${I:-/nonexistent}" ] || die "HILBRIDGE_INITRD=$HILBRIDGE_INITRD: no such file"
    CH=$(printf '%s\n%s\n' "$K" "$I" | sha256sum | cut -c1-12)
    D=$CACHE/$GUEST_DIRNAME/custom_$CH
    mkdir -p "$D"
    {
        write_env_kv KERNEL_PACKAGE custom KERNEL_PACKAGE_VERSION custom KERNEL_VERSION custom \
            BUSYBOX_VERSION custom QEMU_VERSION "$(qemu_version)" QEMU_VERSION_FULL "$(qemu_version_full)" \
            GUEST_HASH "$CH" BUILD_REV custom KERNEL "$K" INITRD "$I"
    } >"$D/.versions.env.tmp"
    mv -f "$D/.versions.env.tmp" "$D/versions.env"
    log "using user-supplied kernel $K and initrd $I (current link left alone)"
    emit "$D"
fi

# ---- fast path: a cached guest built from the same guest/ files
if [ -z "${HILBRIDGE_REFRESH:-}" ] && tools_present; then
    CAND=
    if [ -L "$CACHE/$GUEST_DIRNAME/current" ]; then
        C=$(readlink -f "$CACHE/$GUEST_DIRNAME/current" || true)
        case "${C##*/}" in *_"$GUEST_HASH") guest_valid "$C" && CAND=$C ;; esac
    fi
    if [ -z "$CAND" ]; then
        # newest valid dir for this hash
        while IFS= read -r C; do
            guest_valid "$C" && { CAND=$C; break; }
        done < <(ls -1dt "$CACHE"/$GUEST_DIRNAME/*_*_"$GUEST_HASH" 2>/dev/null || true)
    fi
    if [ -n "$CAND" ]; then
        log "cached guest found (guest hash $GUEST_HASH)"
        refresh_qemu_version "$CAND"
        update_current_link "$CAND"
        emit "$CAND"
    fi
fi

# ---- slow path
ensure_tools
command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb missing (this script needs Debian/Ubuntu)"

if [ "$(dpkg --print-architecture)" != "$ARCH" ] && ! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
    log "enabling multiarch $ARCH (dpkg --add-architecture $ARCH)"
    as_root dpkg --add-architecture "$ARCH"
    APT_UPDATED=0 # an update done before (for QEMU) did not fetch the $ARCH lists
    apt_update
fi

resolve_kernel_pkg() {
    apt-cache depends linux-image-$ARCH:$ARCH 2>/dev/null |
        awk -v arch="$ARCH" '$1 ~ /Depends:$/ && $2 ~ ("^linux-image-[0-9].*-" arch "(:" arch ")?$") { sub(":" arch "$", "", $2); print $2; exit }'
}

KPKG=$(resolve_kernel_pkg || true)
BBVER=$(candidate busybox-static:$ARCH)
if [ -z "$KPKG" ] || [ -z "$BBVER" ] || [ -n "${HILBRIDGE_REFRESH:-}" ]; then
    apt_update
    KPKG=$(resolve_kernel_pkg || true)
    BBVER=$(candidate busybox-static:$ARCH)
fi
[ -n "$KPKG" ] || die "cannot resolve the kernel package behind linux-image-$ARCH:$ARCH"
[ -n "$BBVER" ] || die "cannot resolve busybox-static:$ARCH"
KVER=$(candidate "$KPKG:$ARCH")
[ -n "$KVER" ] || die "cannot resolve $KPKG:$ARCH"
log "kernel package $KPKG $KVER, busybox-static $BBVER"

# fetch_deb PKG VERSION -> prints path of the cached .deb
fetch_deb() {
    local pkg=$1 ver=$2 name f dl
    name="${pkg}_${ver/:/%3a}_${ARCH}.deb"
    f=$CACHE/debs/$name
    if [ -s "$f" ] && [ "$(dpkg-deb -f "$f" Version 2>/dev/null)" = "$ver" ]; then
        log "cached: debs/$name"
    else
        new_tmp dl
        # apt's _apt user downloads into it (the cache may be under a 0700 $HOME)
        chmod 755 "$dl"
        if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$dl"; fi
        log "apt-get download $pkg:$ARCH=$ver"
        if ! (cd "$dl" && apt-get download -q "$pkg:$ARCH=$ver" >&2); then
            log "download failed; apt-get update and retry"
            APT_UPDATED=0
            apt_update
            (cd "$dl" && apt-get download -q "$pkg:$ARCH=$ver" >&2) || die "apt-get download $pkg:$ARCH=$ver failed"
        fi
        local got
        got=$(find "$dl" -maxdepth 1 -name "${pkg}_*.deb" | head -n1)
        [ -n "$got" ] || die "apt-get download produced no .deb for $pkg"
        [ "$(dpkg-deb -f "$got" Version)" = "$ver" ] || die "$got is not version $ver"
        mv -f "$got" "$CACHE/debs/.dl.part" # may cross filesystems: finish with a same-fs rename
        mv -f "$CACHE/debs/.dl.part" "$f"
        rm -rf "$dl" # (runs in a $(...) subshell: the EXIT trap would not)
        # drop other versions of this package
        find "$CACHE/debs" -maxdepth 1 -name "${pkg}_*_${ARCH}.deb" ! -name "$name" -delete
    fi
    printf '%s\n' "$f"
}

KDEB=$(fetch_deb "$KPKG" "$KVER")
BDEB=$(fetch_deb busybox-static "$BBVER")
BBVER_DIR=${BBVER#*:}

# Reuse a guest for these exact versions if it exists (e.g. after HILBRIDGE_REFRESH).
KREL_GUESS=${KPKG#linux-image-}
DEST=$CACHE/$GUEST_DIRNAME/${KREL_GUESS}_${BBVER_DIR}_${GUEST_HASH}
if guest_valid "$DEST" && grep -qx "KERNEL_PACKAGE_VERSION=$(shq "$KVER")" "$DEST/versions.env" &&
    grep -qx "BUSYBOX_VERSION=$(shq "$BBVER")" "$DEST/versions.env"; then
    log "guest for these versions already built"
    refresh_qemu_version "$DEST"
    update_current_link "$DEST"
    emit "$DEST"
fi

# ---- build (everything under <cache>/guest/.build.*: an interrupted run's leftovers
# are removed by the next run, and the finished dir is published with one rename)
new_tmp B "$CACHE/$GUEST_DIRNAME" .build.
chmod 755 "$B"
X=$B/unpacked
mkdir -p "$X/kernel" "$X/busybox"
log "unpacking $(basename "$KDEB")"
dpkg-deb -x "$KDEB" "$X/kernel"
log "unpacking $(basename "$BDEB")"
dpkg-deb -x "$BDEB" "$X/busybox"

mapfile -t KRELS < <(find "$X/kernel/lib/modules" -mindepth 1 -maxdepth 1 -type d -printf '%f\n')
[ "${#KRELS[@]}" -eq 1 ] || die "expected one module tree in $KPKG, found: ${KRELS[*]:-none}"
KREL=${KRELS[0]}
VMLINUZ=$X/kernel/boot/vmlinuz-$KREL
[ -s "$VMLINUZ" ] || die "$KPKG has no boot/vmlinuz-$KREL"
BUSYBOX=$X/busybox/bin/busybox
[ -x "$BUSYBOX" ] || die "busybox-static has no /bin/busybox"
DEST=$CACHE/$GUEST_DIRNAME/${KREL}_${BBVER_DIR}_${GUEST_HASH}

R=$B/root
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root,mnt,lib/modules}

# modules: index every module file by name (dashes and underscores are equivalent)
declare -A MODFILE=()
while IFS= read -r -d '' f; do
    n=${f##*/}
    n=${n%%.ko*}
    MODFILE[${n//-/_}]=$f
done < <(find "$X/kernel/lib/modules/$KREL" \( -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' \) -print0)

declare -A MODSTATE=()
MODORDER=()
BUILTIN=$X/kernel/lib/modules/$KREL/modules.builtin

# add_module NAME: copy (decompressed) into the initramfs, after its depends=
add_module() {
    local n=${1//-/_} src out deps d
    case "${MODSTATE[$n]:-}" in
    done) return 0 ;;
    busy) die "module dependency cycle at $n" ;;
    esac
    src=${MODFILE[$n]:-}
    if [ -z "$src" ]; then
        if [ -f "$BUILTIN" ] && grep -Eq "/${n//_/[-_]}\.ko$" "$BUILTIN"; then
            log "module $n is built in"
            MODSTATE[$n]='done'
            return 0
        fi
        die "module $n not found in $KPKG"
    fi
    MODSTATE[$n]=busy
    out=$R/lib/modules/$n.ko
    case "$src" in
    *.ko) cp "$src" "$out" ;;
    *.ko.xz) command -v xz >/dev/null || die "xz needed for $src"; xz -dc "$src" >"$out" ;;
    *.ko.zst) command -v zstd >/dev/null || die "zstd needed for $src"; zstd -qdc "$src" >"$out" ;;
    *.ko.gz) gzip -dc "$src" >"$out" ;;
    esac
    # .modinfo holds NUL-separated key=value strings; no modinfo/kmod needed
    deps=$(tr '\0' '\n' <"$out" | sed -n 's/^depends=//p' | head -n1)
    local vm
    vm=$(tr '\0' '\n' <"$out" | sed -n 's/^vermagic=//p' | head -n1)
    case "$vm" in "$KREL "*) ;; *) die "module $n has vermagic '$vm', expected $KREL" ;; esac
    for d in ${deps//,/ }; do
        add_module "$d"
    done
    MODSTATE[$n]='done'
    MODORDER+=("$n")
    log "module $n (${src##*/}) depends=[${deps}]"
}
for m in "${WANTED_MODULES[@]}"; do
    add_module "$m"
done
printf '%s\n' "${MODORDER[@]}" >"$R/lib/modules/load-order"

cp "$BUSYBOX" "$R/bin/busybox"
chmod 755 "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
cp -R "$GUEST_SRC/." "$R/"
chmod 755 "$R/init"

# reproducible archive: fixed mtimes, sorted names, root-owned
find "$R" -exec touch -h -d @0 {} +
(cd "$R" && find . -mindepth 1 | sort | cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9n >"$B/initrd.gz"
cp "$VMLINUZ" "$B/vmlinuz"
rm -rf "$R" "$X"

{
    write_env_kv KERNEL_PACKAGE "$KPKG" KERNEL_PACKAGE_VERSION "$KVER" KERNEL_VERSION "$KREL" \
        BUSYBOX_VERSION "$BBVER" QEMU_VERSION "$(qemu_version)" QEMU_VERSION_FULL "$(qemu_version_full)" \
        GUEST_HASH "$GUEST_HASH" BUILD_REV "$BUILD_REV" MODULES "${MODORDER[*]}" GUEST_ARCH "$ARCH" \
        KERNEL "$DEST/vmlinuz" INITRD "$DEST/initrd.gz"
} >"$B/versions.env"

# atomic publish: the final dir only ever appears complete
if [ -e "$DEST" ]; then
    OLD=$CACHE/$GUEST_DIRNAME/.build.old.$$
    mv -T "$DEST" "$OLD"
    TMP_DIRS+=("$OLD")
fi
mv -T "$B" "$DEST"
update_current_link "$DEST"
# keep the 4 most recently built guests (other checkouts may share the cache)
# shellcheck disable=SC2010 # names are ours: <krel>_<bbver>_<hash>
{ ls -1dt "$CACHE"/$GUEST_DIRNAME/*_*_* 2>/dev/null | grep -v '/custom_' || true; } | tail -n +5 |
    while IFS= read -r old; do
        log "pruning old guest $old"
        rm -rf -- "$old"
    done
log "built $DEST ($(du -h "$DEST/initrd.gz" | cut -f1) initrd)"
emit "$DEST"
