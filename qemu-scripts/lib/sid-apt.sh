# Sourced: a private apt configuration for Debian unstable (sid), kept in the cache, so the
# kernel scripts can read sid's indexes and download its packages without ever touching the
# machine's apt sources or state. Needs CACHE, log and die (lib/common.sh).
#
#   <cache>/apt-sid/sources.list   deb [arch=arm64] MIRROR sid main  +  deb-src MIRROR sid main
#   <cache>/apt-sid/state/         Dir::State (lists), <cache>/apt-sid/cache/ Dir::Cache
# shellcheck shell=bash

SID_DIR=$CACHE/apt-sid

# The machine's Debian mirror (the deb822 or one-line entry ending in /debian), else deb.debian.org.
sid_mirror() {
    local m=${HILBRIDGE_SID_MIRROR:-}
    if [ -z "$m" ]; then
        m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
            awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }')
    fi
    if [ -z "$m" ]; then
        m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
            awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:.*\/debian\/?$/) { print $i; exit } }')
    fi
    printf '%s\n' "${m:-http://deb.debian.org/debian}"
}

SID_OPTS=(-o "Dir::State=$SID_DIR/state" -o "Dir::Cache=$SID_DIR/cache"
    -o "Dir::Etc::SourceList=$SID_DIR/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=/dev/null"
    -o "APT::Architectures::=arm64" -o "APT::Architectures::=amd64"
    -o "Acquire::Languages=none" -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false")
# As root, apt would hand downloads to its _apt user, who cannot enter a 0700 $HOME.
[ "$(id -u)" -eq 0 ] && SID_OPTS+=(-o "APT::Sandbox::User=root")

sid_apt_get() { apt-get -q "${SID_OPTS[@]}" "$@"; }
sid_apt_cache() { apt-cache "${SID_OPTS[@]}" "$@"; }

sid_has_lists() { compgen -G "$SID_DIR/state/lists/*_sid_main_binary-arm64_Packages*" >/dev/null; }

# Writes the sources list and runs apt-get update on it when the lists are missing or
# HILBRIDGE_REFRESH=1 (a cached kernel is used without any network access otherwise).
sid_update() {
    local force=${1:-}
    if sid_has_lists && [ -z "$force" ] && [ "${HILBRIDGE_REFRESH:-0}" != 1 ]; then
        return 0
    fi
    local mirror
    mirror=$(sid_mirror)
    mkdir -p "$SID_DIR/state/lists/partial" "$SID_DIR/cache/archives/partial"
    printf 'deb [arch=arm64] %s sid main\ndeb-src %s sid main\n' "$mirror" "$mirror" >"$SID_DIR/sources.list"
    log "apt-get update of Debian unstable from $mirror (private configuration in $SID_DIR)"
    sid_apt_get update >&2 || die "apt-get update of Debian unstable failed (private configuration in $SID_DIR)"
}
