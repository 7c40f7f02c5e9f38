#!/usr/bin/env bash
# Run a command, as root, inside a root made by scripts/sid-root.sh:
#   scripts/in-root.sh DIR COMMAND...
# e.g. scripts/in-root.sh .cache/sid-root python3.14 -m venv .venv-3.14
# The checkout and /tmp are bind-mounted at their own paths, so paths under them
# mean the same inside and out, and the command runs in the current directory
# (which must be under one of them). /proc, /sys, /dev and the host's
# resolv.conf are mounted too. All mounts are made in a private mount namespace
# (unshare), so none outlives the command. The environment is passed through
# (THEANO_FLAGS, PYTHONPATH, XDG_CACHE_HOME, FKP_*, ...) except what names host
# paths that mean nothing in the root: PATH is the root's, HOME is /root in the
# root, and VIRTUAL_ENV, PYTHONHOME, LD_LIBRARY_PATH, LD_PRELOAD are dropped.
# Exits with the command's exit status.
#   FKP_ROOT_BINDS  more host folders to bind at their own paths, ':'-separated
set -euo pipefail

name=in-root
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -ge 2 ] || die "usage: $0 DIR COMMAND..."
root=$(cd "$1" 2>/dev/null && pwd -P) || die "no root at $1 (make it with scripts/sid-root.sh $1)"
shift
[ -e "$root/.ready" ] || die "$root is not a finished root (no .ready): run scripts/sid-root.sh on it"
[ "$(id -u)" = 0 ] || die "needs root (mount namespaces and chroot)"

checkout=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# /tmp first: the checkout may be under it.
binds=(/tmp "$checkout")
if [ -n "${FKP_ROOT_BINDS:-}" ]; then
    IFS=: read -r -a extra <<<"$FKP_ROOT_BINDS"
    for path in "${extra[@]}"; do
        [ -n "$path" ] || continue
        [ -d "$path" ] || die "FKP_ROOT_BINDS: no folder $path"
        binds+=("$(cd "$path" && pwd -P)")
    done
fi

cwd=$(pwd -P)
shared=
for path in "${binds[@]}"; do
    case $cwd/ in "$path"/*) shared=yes ;; esac
done
[ -n "$shared" ] || die "the current directory $cwd is not under the checkout or /tmp, the folders shared with the root (FKP_ROOT_BINDS adds more)"

resolv=$(readlink -f /etc/resolv.conf || true)

# The mounts, chroot and cd run in a fresh private mount namespace; the
# environment travels through chroot as is.
unset VIRTUAL_ENV PYTHONHOME LD_LIBRARY_PATH LD_PRELOAD
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
export FKP_IN_ROOT_CWD=$cwd FKP_IN_ROOT_RESOLV=$resolv
exec unshare --mount --propagation private /bin/bash -c '
    set -eu
    root=$1 nbinds=$2
    shift 2
    for _ in $(seq "$nbinds"); do
        mkdir -p "$root$1"
        mount --rbind "$1" "$root$1"
        shift
    done
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    if [ -f "$FKP_IN_ROOT_RESOLV" ]; then
        [ -f "$root/etc/resolv.conf" ] && [ ! -L "$root/etc/resolv.conf" ] \
            || { rm -f "$root/etc/resolv.conf"; : >"$root/etc/resolv.conf"; }
        mount --bind "$FKP_IN_ROOT_RESOLV" "$root/etc/resolv.conf"
    fi
    cwd=$FKP_IN_ROOT_CWD
    unset FKP_IN_ROOT_CWD FKP_IN_ROOT_RESOLV
    exec chroot "$root" /bin/sh -c '\''cd "$1" && shift && exec "$@"'\'' in-root "$cwd" "$@"
' in-root "$root" "${#binds[@]}" "${binds[@]}" "$@"
