#!/usr/bin/env bash
# Builds a trimmed arm64 guest kernel from Debian's linux source (the upstream tarball,
# linux_<version>.orig.tar.xz, from Debian unstable's source index) plus a directory of your
# patches, cross-compiled with Debian's gcc-aarch64-linux-gnu, and caches it outside the tree:
#   <cache>/kernels/build/<source-version>_<key>/{Image,config,build.env}
# The key covers the source version, every patch (name and contents), the config fragment
# (kernel/guest.config), the compiler version and BUILD_REV: the same inputs are never built twice.
#
# Usage: build-kernel.sh [--version V] [--patches DIR] [--config FRAGMENT]
#   --version V    a linux source version from the index (e.g. 7.1.8); default: the newest 7.x
#                  whose upstream tarball downloads (the archive serves some of them partially)
#   --patches DIR  DIR/series (one file name a line, quilt order) if present, else DIR/*.patch and
#                  *.diff in name order; applied with patch -p1 (git format-patch files apply too)
#   --config F     the option list applied on top of allnoconfig (default kernel/guest.config)
# stdout: exactly one line, HILBRIDGE_KERNEL_BUILD=<absolute dir>; progress goes to stderr.
# Environment: HILBRIDGE_CACHE (cache root), HILBRIDGE_REFRESH=1 (re-read unstable's index and
# re-pick the newest version), HILBRIDGE_KERNEL_JOBS (make -j; default nproc). See README.md.
set -euo pipefail

# Bump when the recipe changes (steps, make targets): every cached build is redone.
BUILD_REV=1
KEEP=4
TOOLS=(gcc-aarch64-linux-gnu gcc libc6-dev make flex bison bc libssl-dev libelf-dev xz-utils curl ccache)
CROSS=aarch64-linux-gnu-

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_TAG=build-kernel
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
CACHE=${HILBRIDGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hilbridge}
mkdir -p "$CACHE/kernels/build" "$CACHE/kernels/src"
CACHE=$(cd "$CACHE" && pwd -P)
# shellcheck source=lib/sid-apt.sh
. "$here/lib/sid-apt.sh"
root=$CACHE/kernels

version=
patch_dir=
config=$here/kernel/guest.config
while [ $# -gt 0 ]; do
    case $1 in
    --version) version=${2:?--version needs a value}; shift 2 ;;
    --patches) patch_dir=${2:?--patches needs a directory}; shift 2 ;;
    --config) config=${2:?--config needs a file}; shift 2 ;;
    -h | --help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
done
[ -f "$config" ] || die "config fragment $config not found"
config=$(readlink -f -- "$config")

# ------------------------------------------------------------------ inputs
patches=()
if [ -n "$patch_dir" ]; then
    [ -d "$patch_dir" ] || die "patch directory $patch_dir does not exist"
    patch_dir=$(readlink -f -- "$patch_dir")
    if [ -f "$patch_dir/series" ]; then
        while read -r name _; do
            case $name in '' | '#'*) continue ;; esac
            [ -f "$patch_dir/$name" ] || die "$patch_dir/series names $name, which does not exist"
            patches+=("$patch_dir/$name")
        done <"$patch_dir/series"
    else
        while IFS= read -r -d '' p; do patches+=("$p"); done < <(
            find "$patch_dir" -maxdepth 1 -type f \( -name '*.patch' -o -name '*.diff' \) -print0 | sort -z)
    fi
fi

# The option names of the fragment, CONFIG_ prefix dropped.
options() { sed -e 's/#.*//' -e 's/^[[:space:]]*CONFIG_//' -e 's/^[[:space:]]*//' -e 's/[=[:space:]].*//' "$config" | grep -v '^$'; }

# "name sha256" per patch, in application order
patch_lines() {
    local p
    for p in "${patches[@]+"${patches[@]}"}"; do
        printf '%s %s\n' "${p##*/}" "$(sha256sum <"$p" | cut -d' ' -f1)"
    done
}

compiler() { "${CROSS}gcc" --version 2>/dev/null | head -n1; }

build_key() { # VERSION
    {
        echo "BUILD_REV=$BUILD_REV source=$1"
        echo "compiler=$(compiler)"
        echo "config=$(options | sha256sum | cut -d' ' -f1)"
        patch_lines
    } | hash12
}

# ------------------------------------------------------------------ source versions
# "version sha256 size file directory" for every linux upstream tarball of 7.x in unstable's
# source index, newest first.
source_candidates() {
    sid_apt_cache showsrc linux 2>/dev/null | awk '
        /^Package: / { pkg = $2 }
        /^Directory: / { dir[pkg] = $2; d = $2 }
        /^Checksums-Sha256:/ { inh = (pkg == "linux"); next }
        /^[^ ]/ { inh = 0 }
        inh && $3 ~ /^linux_7\.[0-9.]+\.orig\.tar\.xz$/ {
            v = $3; sub(/^linux_/, "", v); sub(/\.orig\.tar\.xz$/, "", v)
            print v, $1, $2, $3, d
        }' | sort -u -k1,1 | sort -r -V -k1,1
}

# fetch VERSION SHA SIZE FILE DIR: 0 with the tarball in src/, 2 if the archive does not serve it.
fetch_source() {
    local v=$1 sha=$2 file=$4 dir=$5 dest=$root/src/$4 url code
    if [ -s "$dest" ]; then
        return 0
    fi
    url=$(sid_mirror)
    url=${url%/}/$dir/$file
    log "trying $url ($(($3 / 1048576)) MiB)"
    code=$(curl -sS -L -o "$dest.part" -w '%{http_code}' "$url" || true)
    if [ "$code" != 200 ]; then
        rm -f "$dest.part"
        log "$file: not served (HTTP ${code:-error})"
        return 2
    fi
    if [ "$(sha256sum <"$dest.part" | cut -d' ' -f1)" != "$sha" ]; then
        rm -f "$dest.part"
        die "$file does not match the sha256 in unstable's source index"
    fi
    mv -f "$dest.part" "$dest"
    log "linux $v source: $dest"
}

# Sets version (and tarball): the named one, or the newest that downloads. The choice is
# remembered in src/default.env, so a cached build needs no network until HILBRIDGE_REFRESH=1.
resolve_source() {
    local memo=$root/src/default.env line v tried=() rc
    if [ -z "$version" ] && [ "${HILBRIDGE_REFRESH:-0}" != 1 ] && [ -f "$memo" ]; then
        version=$(sed -n 's/^VERSION=//p' "$memo")
        [ -s "$root/src/linux_$version.orig.tar.xz" ] && { tarball=$root/src/linux_$version.orig.tar.xz; return 0; }
    fi
    if [ -n "$version" ] && [ -s "$root/src/linux_$version.orig.tar.xz" ]; then
        tarball=$root/src/linux_$version.orig.tar.xz
        return 0
    fi
    sid_update
    local candidates
    candidates=$(source_candidates)
    [ -n "$candidates" ] || die "Debian unstable's source index lists no linux 7.x (apt-cache showsrc linux, private configuration in $SID_DIR)"
    if [ -n "$version" ]; then
        line=$(awk -v v="$version" '$1 == v' <<<"$candidates")
        [ -n "$line" ] || die "linux $version is not in unstable's source index; it lists: $(cut -d' ' -f1 <<<"$candidates" | tr '\n' ' ')"
        # shellcheck disable=SC2086 # the fields of one line
        fetch_source $line || die "linux_$version.orig.tar.xz does not download from $(sid_mirror)"
        tarball=$root/src/linux_$version.orig.tar.xz
        return 0
    fi
    while IFS= read -r line; do
        v=${line%% *}
        rc=0
        # shellcheck disable=SC2086
        fetch_source $line || rc=$?
        if [ $rc -eq 0 ]; then
            version=$v
            tarball=$root/src/linux_$v.orig.tar.xz
            [ ${#tried[@]} -eq 0 ] || log "linux $v: the newest 7.x whose tarball downloads (not served: ${tried[*]})"
            printf 'VERSION=%s\n' "$v" >"$memo"
            return 0
        fi
        tried+=("$v")
    done <<<"$candidates"
    die "no linux 7.x upstream tarball downloads from $(sid_mirror); tried, newest first: ${tried[*]}"
}

# ------------------------------------------------------------------ build
apply_patches() { # SRC LOGDIR
    local p out
    for p in "${patches[@]+"${patches[@]}"}"; do
        log "applying ${p##*/}"
        if ! out=$(patch -d "$1" -p1 --batch --forward -i "$p" 2>&1); then
            log "patch ${p##*/} does not apply to linux $version:"
            printf '%s\n' "$out" | sed 's/^/    /' >&2
            find "$1" -name '*.rej' -print0 | sort -z | while IFS= read -r -d '' r; do
                log "reject ${r#"$1"/}:"
                head -n 60 "$r" | sed 's/^/    /' >&2
            done
            return 1
        fi
    done
}

configure() { # SRC
    local src=$1 o missing=()
    make -C "$src" -s ARCH=arm64 CROSS_COMPILE=$CROSS allnoconfig >&2
    # shellcheck disable=SC2046 # one -e per option
    "$src/scripts/config" --file "$src/.config" $(options | sed 's/^/-e /')
    make -C "$src" -s ARCH=arm64 CROSS_COMPILE=$CROSS olddefconfig >&2
    while IFS= read -r o; do
        grep -qx "CONFIG_$o=y" "$src/.config" || missing+=("$o")
    done < <(options)
    [ ${#missing[@]} -eq 0 ] || die "linux $version: these options of ${config##*/} did not come out =y (a dependency is off or the option was renamed): ${missing[*]}"
}

# make Image with a progress line every 20 s (objects compiled so far) and the log's tail on failure.
make_image() { # SRC JOBS
    local src=$1 jobs=$2 mlog=$1/../make.log pid start=$SECONDS next=$((SECONDS + 20))
    # ccache: a second kernel of the same source (the quarantine series after the plain build) compiles only
    # what its patches change. Paths are made relative to the tree, which lives in a new directory each build.
    CCACHE_DIR=$CACHE/ccache CCACHE_BASEDIR=$src CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=3G \
        nice make -C "$src" ARCH=arm64 CROSS_COMPILE=$CROSS CC="ccache ${CROSS}gcc" -j"$jobs" Image >"$mlog" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        sleep 2
        if ((SECONDS >= next)); then
            next=$((SECONDS + 20))
            log "building Image: $(grep -c '^  CC ' "$mlog" || true) files compiled, $((SECONDS - start)) s"
        fi
    done
    if ! wait "$pid"; then
        log "make Image failed; the end of its log:"
        grep -B2 -A12 -m3 -E 'error:|Error [0-9]' "$mlog" | head -n 60 >&2 || tail -n 40 "$mlog" >&2
        return 1
    fi
}

# Deletes a build tree in the background: the 1.4 GB tree takes minutes to delete on a busy disk.
# Detached from our stdout (the caller reads it to the end) and from the lock (the next build may start).
discard() {
    local trash=$root/build/.trash.${1##*.build.}
    mv -T "$1" "$trash"
    (rm -rf "$trash" </dev/null >/dev/null 2>&1 9>&- &)
}

build() { # FINAL KEY
    local final=$1 key=$2 work t0 t_extract t_build jobs
    jobs=${HILBRIDGE_KERNEL_JOBS:-$(nproc)}
    work=$(mktemp -d "$root/build/.build.XXXXXX")
    log "building linux $version with ${#patches[@]} patches, config ${config##*/}, -j$jobs (cold: about 5 min on 2 cores)"
    t0=$SECONDS
    mkdir "$work/src"
    tar -C "$work/src" --strip-components=1 -xJf "$tarball" || { discard "$work"; die "cannot extract $tarball"; }
    t_extract=$((SECONDS - t0))
    log "extracted in $t_extract s"
    apply_patches "$work/src" || { discard "$work"; die "patch series does not apply (see above)"; }
    (configure "$work/src") || { discard "$work"; exit 1; }
    t0=$SECONDS
    make_image "$work/src" "$jobs" || { discard "$work"; die "kernel build failed (linux $version)"; }
    t_build=$((SECONDS - t0))
    local release
    release=$(make -C "$work/src" -s ARCH=arm64 CROSS_COMPILE=$CROSS kernelrelease)
    mkdir "$work/out"
    cp "$work/src/arch/arm64/boot/Image" "$work/out/Image"
    cp "$work/src/.config" "$work/out/config"
    if [ ${#patches[@]} -gt 0 ]; then
        mkdir "$work/out/patches" && cp "${patches[@]}" "$work/out/patches/"
    fi
    {
        write_env_kv SOURCE_VERSION "$version" KERNEL_RELEASE "$release" BUILD_KEY "$key" BUILD_REV "$BUILD_REV" \
            PATCH_DIR "${patch_dir:-}" PATCHES "$(patch_lines | awk '{ printf "%s%s", (NR > 1 ? " " : ""), $1 }')" \
            CONFIG_FRAGMENT "$config" COMPILER "$(compiler)" JOBS "$jobs" \
            EXTRACT_SECONDS "$t_extract" BUILD_SECONDS "$t_build" BUILT "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    } >"$work/out/build.env"
    chmod 755 "$work/out"
    rm -rf "$final"
    mv -T "$work/out" "$final"
    log "built $release in $t_build s (extract $t_extract s): $final"
    discard "$work"
}

prune() {
    # shellcheck disable=SC2012 # names are ours: <version>_<key>
    ls -1dt "$root"/build/*_*/ 2>/dev/null | tail -n +$((KEEP + 1)) | while read -r old; do
        log "removing old build ${old%/}"
        rm -rf "${old%/}"
    done
}

is_built() { [ -s "$1/Image" ] && [ -f "$1/build.env" ]; }

main() {
    local tarball key final
    # Fast path, before the lock: a build is published by one rename, so it is complete or absent,
    # and a cached kernel never waits behind somebody else's cold build of other inputs.
    if [ "${HILBRIDGE_REFRESH:-0}" != 1 ] && command -v "${CROSS}gcc" >/dev/null 2>&1; then
        local known=$version
        [ -n "$known" ] || known=$(sed -n 's/^VERSION=//p' "$root/src/default.env" 2>/dev/null || true)
        if [ -n "$known" ]; then
            final=$root/build/${known}_$(build_key "$known")
            if is_built "$final"; then
                log "cached: linux $known, ${#patches[@]} patches, key ${final##*_}"
                printf 'HILBRIDGE_KERNEL_BUILD=%s\n' "$final"
                return 0
            fi
        fi
    fi
    exec 9>"$root/.lock"
    if ! flock -n 9; then
        log "another kernel build holds $root/.lock; waiting"
        flock -w 3600 9 || die "timed out waiting for $root/.lock"
    fi
    rm -rf "$root"/build/.build.* "$root"/src/*.part 2>/dev/null || true
    # (.trash.* are being deleted by an earlier build's background rm, or were left by a crash)
    find "$root/build" -maxdepth 1 -name '.trash.*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true
    command -v "${CROSS}gcc" >/dev/null 2>&1 && command -v curl >/dev/null 2>&1 && command -v ccache >/dev/null 2>&1 || ensure_packages "${TOOLS[@]}"
    resolve_source
    key=$(build_key "$version")
    final=$root/build/${version}_$key
    if is_built "$final"; then
        log "cached: linux $version, ${#patches[@]} patches, key $key"
    else
        ensure_packages "${TOOLS[@]}"
        build "$final" "$key"
        prune
    fi
    printf 'HILBRIDGE_KERNEL_BUILD=%s\n' "$final"
}

main
