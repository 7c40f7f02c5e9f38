# The helpers the project's shell scripts share; POSIX sh, so that the
# images' docker/install.sh can use it too. A script sets `name` to how it
# signs its lines, then sources this file:
#
#   name=bootstrap
#   . "$(dirname "$0")/lib.sh"
#
#   say TEXT...         one line on stderr, signed with $name
#   die TEXT...         say it, then exit 1
#   quietly CMD...      run CMD with its output kept aside; when it fails,
#                       show that output and the command, and return its
#                       status (under `set -e` that stops the script)
#   can_apt             true when running as root on a system with apt-get
#   apt_update          `apt-get update`, once per run (a failure is said once)
#   apt_install PKG...  apt-get install, after apt_update

say() { echo "${name:-script}: $*" >&2; }

die() { say "$*"; exit 1; }

quietly() {
    _quietly_log=$(mktemp -t fkp-log.XXXXXX)
    _quietly_status=0
    "$@" >"$_quietly_log" 2>&1 || _quietly_status=$?
    if [ "$_quietly_status" != 0 ]; then
        cat "$_quietly_log" >&2
        say "failed (exit status $_quietly_status): $*"
    fi
    rm -f "$_quietly_log"
    return "$_quietly_status"
}

can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }

_apt_updated=
apt_update() {
    can_apt || return 1
    if [ -z "$_apt_updated" ]; then
        # One failed update (no network, say) is reported once, not per package.
        if quietly apt-get update -qq; then _apt_updated=yes; else _apt_updated=failed; fi
    fi
    [ "$_apt_updated" = yes ]
}

apt_install() {
    apt_update || return 1
    DEBIAN_FRONTEND=noninteractive quietly apt-get install -y -qq --no-install-recommends "$@"
}
