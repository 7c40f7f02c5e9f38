#!/usr/bin/env bash
# Make a Debian sid root in DIR, once, for testing on CPython 3.14 and 3.15:
#   scripts/sid-root.sh DIR
# Neither CPython is in pyenv nor in Debian 12; sid packages both (with their
# headers and venv), so a minbase sid root made with debootstrap gives them
# without building CPython. scripts/in-root.sh DIR COMMAND... runs commands in it.
# Does nothing when DIR/.ready exists. Needs root (debootstrap, chroot); installs
# debootstrap with apt-get if it is missing. The root is built in DIR.partial and
# renamed to DIR at the end, so a stopped build leaves no half-made DIR (the next
# run starts DIR.partial afresh). Every step runs in a private mount namespace,
# so no mount made while building outlives it.
# apt in the root accepts Release files past their Valid-Until date (the mirror
# may serve a dated snapshot of sid), and the host's CA bundle replaces the
# root's own, which does not verify the chain pip is presented here.
#   SID_MIRROR  the Debian mirror (default http://deb.debian.org/debian)
# Tool output is shown only when the tool fails (scripts/lib.sh).
set -euo pipefail

name=sid-root
. "$(dirname "$0")/lib.sh"

[ $# = 1 ] || die "usage: $0 DIR"
case $1 in
    /*) dir=$1 ;;
    *) dir=$PWD/$1 ;;
esac
dir=${dir%/}
partial=$dir.partial
mirror=${SID_MIRROR:-http://deb.debian.org/debian}
packages=(python3.14 python3.14-dev python3.14-venv
          python3.15 python3.15-dev python3.15-venv
          g++ make git ca-certificates libopenblas-dev)

if [ -e "$dir/.ready" ]; then
    say "$dir is ready"
    exit 0
fi
[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot)"
[ -e "$dir" ] && die "$dir exists but is not a finished root (no .ready): remove it first"
mkdir -p "$(dirname "$dir")"

# One build at a time per DIR.
exec 9>"$dir.lock"
flock -n 9 || { say "waiting for another build of $dir"; flock 9; }
if [ -e "$dir/.ready" ]; then
    say "$dir is ready"
    exit 0
fi

if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap"
    apt_install debootstrap || die "apt-get could not install debootstrap"
fi

# Refuse to delete a folder something is still mounted under (rm -rf would
# follow into a bind-mounted /dev or /tmp).
mounted_under() { awk -v p="$1/" 'index($5, p) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; }
if [ -e "$partial" ]; then
    mounted_under "$partial" && die "something is mounted under $partial: unmount it first"
    say "removing the unfinished $partial"
    rm -rf "$partial"
fi
mkdir -p "$partial"

say "debootstrap --variant=minbase sid from $mirror into $partial"
quietly unshare --mount --propagation private \
    debootstrap --variant=minbase sid "$partial" "$mirror"

printf 'Acquire::Check-Valid-Until "false";\nAcquire::Check-Date "false";\n' \
    >"$partial/etc/apt/apt.conf.d/99snapshot"
rm -f "$partial/etc/resolv.conf"
cp -L /etc/resolv.conf "$partial/etc/resolv.conf"

# Run a command in the unfinished root, with /proc, /sys and /dev mounted.
in_partial() {
    unshare --mount --propagation private /bin/bash -c '
        set -e
        root=$1; shift
        mount -t proc proc "$root/proc"
        mount --rbind /sys "$root/sys"
        mount --rbind /dev "$root/dev"
        exec chroot "$root" /usr/bin/env -i DEBIAN_FRONTEND=noninteractive \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            HOME=/root LANG=C.UTF-8 "$@"' in-partial "$partial" "$@"
}

say "apt-get install ${packages[*]}"
quietly in_partial apt-get update -qq
quietly in_partial apt-get install -y -qq --no-install-recommends "${packages[@]}"
quietly in_partial apt-get clean

# After ca-certificates is installed: its set-up writes the bundle.
host_bundle=/etc/ssl/certs/ca-certificates.crt
if [ -s "$host_bundle" ]; then
    cp -L "$host_bundle" "$partial/etc/ssl/certs/ca-certificates.crt"
else
    say "no CA bundle at $host_bundle: pip in the root may fail to verify the registry"
fi

versions=$(in_partial /bin/sh -c 'python3.14 -V; python3.15 -V' 2>&1 | tr '\n' ' ')
{
    echo "debian sid root made by scripts/sid-root.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "mirror: $mirror"
    echo "pythons: $versions"
} >"$partial/.ready"
mv "$partial" "$dir"
rm -f "$dir.lock"
say "$dir is ready: $versions"
