# Sourced by the kernel scripts (build-kernel.sh, guest-kernel.sh): logging, root, apt installs.
# The sourcing script sets LOG_TAG first; everything here writes to stderr only, so a script's
# stdout stays its one result line.
# shellcheck shell=bash

log() { printf '%s: %s\n' "${LOG_TAG:-hilbridge}" "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        die "need root (or passwordless sudo) to run: $*"
    fi
}

# Installs the Debian packages that are not installed yet (the machine's own apt sources).
ensure_packages() {
    local p missing=()
    for p in "$@"; do
        [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]} (apt-get)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q >&2 ||
        log "apt-get update reported errors (continuing)"
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >&2; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get -y -q --fix-broken install >&2 || true
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
            die "apt-get install ${missing[*]} failed"
    fi
}

# First 12 hex digits of the sha256 of stdin.
hash12() { sha256sum | cut -c1-12; }

# value for a shell KEY=VALUE line: bare when safe, else single-quoted (same rule as setup.sh)
shq() {
    if [[ $1 =~ ^[A-Za-z0-9_./:+@%,=-]*$ ]]; then
        printf '%s' "$1"
    else
        printf "'%s'" "${1//\'/\'\\\'\'}"
    fi
}

write_env_kv() { # KEY VALUE...
    while [ $# -ge 2 ]; do
        printf '%s=%s\n' "$1" "$(shq "$2")"
        shift 2
    done
}
