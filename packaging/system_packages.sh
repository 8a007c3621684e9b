#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages named on the command line that are not installed yet;
# the Makefile calls it before each target with that target's list.
#
#   bash packaging/system_packages.sh PKG...
#   APT_DRY_RUN=1 bash packaging/system_packages.sh PKG...   # print what it would run
#
# The check is one dpkg-query call (milliseconds), so on a machine that has everything it
# prints nothing and runs no apt at all. Otherwise: `apt-get update`, then install the
# missing ones, as root directly or through sudo. Not Debian/Ubuntu: say what is needed.
set -euo pipefail

[ $# -gt 0 ] || exit 0

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "system packages: not a Debian/Ubuntu system; install the equivalents of: $*" >&2
    exit 0
fi

# "install ok installed" (or "hold ok installed"); removed-but-configured and unknown
# packages do not count. dpkg-query fails on names it has never seen: that is the answer.
installed=" $({ dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null || true; } \
    | awk '$NF == "installed" { printf "%s ", $1 }')"
missing=()
for pkg in "$@"; do
    case "$installed" in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
done
[ ${#missing[@]} -gt 0 ] || exit 0

# A name may be virtual, provided by an installed package under another name (a renamed
# library often keeps its old name that way): then it is there, and apt is not asked again.
provided=" $({ dpkg-query -W -f='${db:Status-Abbrev}|${Provides}\n' 2>/dev/null || true; } \
    | awk -F'|' '$1 ~ /^ii/ && $2 != "" { n = split($2, p, ", "); for (i = 1; i <= n; i++) { split(p[i], w, " "); printf "%s ", w[1] } }')"
still=()
for pkg in "${missing[@]}"; do
    case "$provided" in *" $pkg "*) ;; *) still+=("$pkg") ;; esac
done
missing=("${still[@]+"${still[@]}"}")
[ ${#missing[@]} -gt 0 ] || exit 0

sudo=()
if [ "$(id -u)" != 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "system packages: missing ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2
        exit 1
    fi
    sudo=(sudo)
fi

run() {
    if [ "${APT_DRY_RUN:-0}" = 1 ]; then
        echo "would run: $*"
    else
        "$@"
    fi
}

echo "system packages: installing ${missing[*]}${sudo:+ (with sudo)}" >&2
run "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
run "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
