# Sourced: assembles a guest initramfs the way setup.sh does (busybox, the guest/ files, the
# virtio modules a kernel does not build in), for the kernels of guest-kernel.sh.
# Needs log and die (lib/common.sh).
# shellcheck shell=bash

# Modules the guest needs (plus whatever they depend on), unless built in.
INITRAMFS_WANTED_MODULES=(virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk)

# initramfs_build OUT MODDIR KREL BUSYBOX GUEST_SRC BUILTIN_CONFIG
#   OUT      initrd.gz to write
#   MODDIR   the kernel's module tree (lib/modules/KREL), or "" for a kernel without modules
#   BUSYBOX  a static arm64 busybox binary
#   BUILTIN_CONFIG  the kernel's .config, or "": a wanted module that is =y there needs no file
# Sets INITRAMFS_MODULES to the modules put in, in load order.
initramfs_build() {
    local out=$1 moddir=$2 krel=$3 busybox=$4 guest_src=$5 kconfig=$6 root f n
    root=$(mktemp -d "${out%/*}/.root.XXXXXX")
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root,mnt,lib/modules}

    declare -gA _IR_FILE=() _IR_STATE=()
    _IR_FILE=()
    _IR_STATE=()
    INITRAMFS_MODULES=()
    if [ -n "$moddir" ]; then
        while IFS= read -r -d '' f; do
            n=${f##*/}
            n=${n%%.ko*}
            _IR_FILE[${n//-/_}]=$f
        done < <(find "$moddir" \( -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' \) -print0)
    fi
    local m
    for m in "${INITRAMFS_WANTED_MODULES[@]}"; do
        _initramfs_add "$m" "$root" "$moddir" "$krel" "$kconfig"
    done
    printf '%s\n' "${INITRAMFS_MODULES[@]+"${INITRAMFS_MODULES[@]}"}" >"$root/lib/modules/load-order"

    cp "$busybox" "$root/bin/busybox"
    chmod 755 "$root/bin/busybox"
    ln -s busybox "$root/bin/sh"
    cp -R "$guest_src/." "$root/"
    chmod 755 "$root/init"
    # reproducible archive: fixed mtimes, sorted names, root-owned
    find "$root" -exec touch -h -d @0 {} +
    (cd "$root" && find . -mindepth 1 | sort | cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9n >"$out"
    rm -rf "$root"
}

_initramfs_add() { # NAME ROOT MODDIR KREL KCONFIG
    local n=${1//-/_} root=$2 moddir=$3 krel=$4 kconfig=$5 src out deps vm d
    case "${_IR_STATE[$n]:-}" in
    done) return 0 ;;
    busy) die "module dependency cycle at $n" ;;
    esac
    src=${_IR_FILE[$n]:-}
    if [ -z "$src" ]; then
        if [ -n "$moddir" ] && [ -f "$moddir/modules.builtin" ]; then
            grep -Eq "/${n//_/[-_]}\.ko$" "$moddir/modules.builtin" || die "module $n not found for kernel $krel"
            log "module $n is built in"
        elif [ -n "$moddir" ]; then
            # Debian's split packages (linux-modules-*) ship no modules.builtin: a module that is not
            # in the tree is built in (virtio_pci is, in 7.x); a missing disk shows as nodevice.
            log "module $n is not in the module tree: taken as built in"
        elif [ -n "$kconfig" ] && grep -qx "CONFIG_$(_initramfs_config_name "$n")=m" "$kconfig"; then
            die "kernel $krel builds $n as a module but comes without modules"
        fi
        _IR_STATE[$n]='done'
        return 0
    fi
    _IR_STATE[$n]=busy
    out=$root/lib/modules/$n.ko
    case "$src" in
    *.ko) cp "$src" "$out" ;;
    *.ko.xz) command -v xz >/dev/null || die "xz needed for $src"; xz -dc "$src" >"$out" ;;
    *.ko.zst) command -v zstd >/dev/null || die "zstd needed for $src"; zstd -qdc "$src" >"$out" ;;
    *.ko.gz) gzip -dc "$src" >"$out" ;;
    esac
    # .modinfo holds NUL-separated key=value strings; no modinfo/kmod needed
    deps=$(tr '\0' '\n' <"$out" | sed -n 's/^depends=//p' | head -n1)
    vm=$(tr '\0' '\n' <"$out" | sed -n 's/^vermagic=//p' | head -n1)
    case "$vm" in "$krel "*) ;; *) die "module $n has vermagic '$vm', expected $krel" ;; esac
    for d in ${deps//,/ }; do
        _initramfs_add "$d" "$root" "$moddir" "$krel" "$kconfig"
    done
    _IR_STATE[$n]='done'
    INITRAMFS_MODULES+=("$n")
    log "module $n (${src##*/}) depends=[${deps}]"
}

# The Kconfig symbol of the modules we want (the others are looked up by file only).
_initramfs_config_name() {
    case $1 in
    virtio_pci_legacy_dev) echo VIRTIO_PCI_LIB_LEGACY ;;
    virtio_pci_modern_dev) echo VIRTIO_PCI_LIB ;;
    *) tr '[:lower:]' '[:upper:]' <<<"$1" ;;
    esac
}
