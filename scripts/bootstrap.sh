#!/usr/bin/env bash
# Create the virtual environment .venv with CPython 3.11, 3.12 or 3.13 and
# install the pins.
#   scripts/bootstrap.sh requirements.txt        (what `make demo` needs)
#   scripts/bootstrap.sh requirements-dev.txt    (what `make test` needs)
# Checks the system needs first: a supported CPython with its headers, and a
# C++ compiler (Theano compiles its ops); OpenBLAS is optional but much faster.
# Missing Debian packages are installed when running as root with apt-get.
# The CPython is taken from, in order: $PYTHON (3.11, 3.12 or 3.13); python3.11
# on PATH, pyenv's versions, /usr/local/bin and /usr/bin, then python3.12 and
# python3.13 there (3.11 first: the version the stack has run on longest);
# Debian's python3.11 package; and last a CPython 3.11 managed by uv
# (https://docs.astral.sh/uv/), which is installed first if need be, with pip
# --user or else into .cache/uv. So `PYTHON=python3.13 make test` tests 3.13
# (in a .venv made with it: remove an older .venv first, or set VENV), and
# PYTHON_VERSION=3.12 takes only a CPython 3.12, from any of those places.
# On CPython >= 3.12 Theano's sdist is built with scripts/theano-build on
# PYTHONPATH (its versioneer needs configparser names 3.12 removed).
#   FKP_BOOTSTRAP_PATH_ONLY=1  looks for interpreters on PATH only, so that a
#                              run with a controlled PATH sees no others.
# Tool output is kept in a temporary log and shown only when the tool fails.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=${1:-requirements.txt}
venv=${VENV:-.venv}

say() { echo "bootstrap: $*" >&2; }
die() { say "$*"; exit 1; }

log=$(mktemp -t fkp-bootstrap.XXXXXX)
trap 'rm -f "$log"' EXIT
run_logged() { "$@" >"$log" 2>&1; }
quietly() {
    local status=0
    run_logged "$@" || status=$?
    if [ "$status" != 0 ]; then
        say "failed (exit status $status): $*"
        cat "$log" >&2
    fi
    return "$status"
}

can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }
apt_updated=
apt_update() {
    can_apt || return 1
    case $apt_updated in
        yes) return 0 ;;
        failed) return 1 ;;
    esac
    # One failed update (no network, say) is reported once, not per package.
    if quietly apt-get update -qq; then apt_updated=yes; else apt_updated=failed; return 1; fi
}
apt_has() { apt_update && apt-cache show "$1" >/dev/null 2>&1; }
apt_install() {
    apt_update || return 1
    DEBIAN_FRONTEND=noninteractive quietly apt-get install -y -qq "$@"
}

has_headers() {
    "$1" -c 'import os, sysconfig, sys
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null
}

# The versions facial_keypoints.SUPPORTED_PYTHON allows (a test checks that
# the two agree).
SUPPORTED='(3, 11) <= sys.version_info[:2] < (3, 14)'
versions=${PYTHON_VERSION:-3.11 3.12 3.13}
is_supported() {
    "$1" -c "import sys; sys.exit(not ($SUPPORTED and '%d.%d' % sys.version_info[:2] in '$versions'.split()))" \
        2>/dev/null
}

find_python() {
    local candidate candidates=() version
    for version in $versions; do
        candidates+=("python$version")
        # pyenv's shims can stand on PATH before the system's interpreter and
        # fail when pyenv's selected version is another one.
        if [ -z "${FKP_BOOTSTRAP_PATH_ONLY:-}" ]; then
            candidates+=("$HOME"/.pyenv/versions/$version*/bin/python$version
                         /usr/local/bin/python$version /usr/bin/python$version)
        fi
    done
    for candidate in "${PYTHON:-}" "${candidates[@]}" python3; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || [ -x "$candidate" ] || continue
        if is_supported "$candidate"; then
            command -v "$candidate" 2>/dev/null || echo "$candidate"
            return 0
        fi
    done
    return 1
}

# Prints the path of a uv binary, installing uv with the system's python3 if
# there is none.
find_uv() {
    local python3 private=.cache/uv
    if command -v uv; then return 0; fi
    if [ -x "$private/bin/uv" ]; then echo "$PWD/$private/bin/uv"; return 0; fi
    # Bare Debian and Ubuntu images have no python3 at all.
    python3=$(command -v python3) || { apt_install python3-venv && python3=$(command -v python3); } \
        || { say "no uv, and no python3 to install it with"; return 1; }
    say "installing uv with $python3 -m pip install --user uv"
    if run_logged "$python3" -m pip install -q --disable-pip-version-check --user uv \
        && "$python3" -c 'import uv; print(uv.find_uv_bin())' 2>>"$log"; then
        return 0
    fi
    if [[ $(<"$log") == *externally-managed-environment* ]]; then
        say "$python3 refuses --user installs (externally managed); installing uv into $private instead"
    else
        say "pip install --user uv did not work; installing uv into $private instead"
    fi
    rm -rf "$private"
    if ! run_logged "$python3" -m venv "$private"; then
        rm -rf "$private"
        # Debian's python3 makes venvs only with python3-venv (ensurepip).
        if can_apt; then
            apt_install python3-venv || return 1
            quietly "$python3" -m venv "$private" || return 1
        else
            cat "$log" >&2
            return 1
        fi
    fi
    quietly "$private/bin/python" -m pip install -q --disable-pip-version-check uv || return 1
    echo "$PWD/$private/bin/uv"
}

venv_with_uv() {
    local uv
    uv=$(find_uv) || die "CPython 3.11 is needed (or 3.12, 3.13) and none was found: \
install uv (https://docs.astral.sh/uv/) or CPython 3.11 with its headers (Debian 12: apt-get install \
python3.11-dev python3.11-venv), then run this again, or set PYTHON=/path/to/python3.11."
    say "installing uv's managed CPython 3.11 with $uv"
    quietly "$uv" python install 3.11 || die "$uv python install 3.11 failed (its output is above)."
    say "creating $venv with uv's CPython 3.11"
    quietly "$uv" venv --python 3.11 "$venv" || die "$uv venv --python 3.11 $venv failed (its output is above)."
    if ! has_headers "$venv/bin/python"; then
        rm -rf "$venv"
        die "uv's CPython 3.11 has no C headers (Python.h); Theano compiles C code. \
Set PYTHON=/path/to/python3.11 to one that has them and run this again."
    fi
    # uv's venvs come without pip; ensurepip gives the pip that `python -m venv` would.
    quietly "$venv/bin/python" -m ensurepip --upgrade --default-pip \
        || { rm -rf "$venv"; die "could not install pip into $venv (the output is above)."; }
}

if [ ! -x "$venv/bin/python" ]; then
    if [ -n "${PYTHON:-}" ] && ! is_supported "$PYTHON"; then
        say "PYTHON=$PYTHON is not a CPython 3.11, 3.12 or 3.13; looking elsewhere"
    fi
    python=$(find_python) || python=
    if [ -z "$python" ] && apt_has python3.11; then
        say "no CPython 3.11 found; installing Debian's python3.11 with apt-get"
        apt_install python3.11 python3.11-venv python3.11-dev || true
        python=$(find_python) || python=
    fi
    if [ -n "$python" ]; then
        minor=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
        has_headers "$python" || apt_install "python$minor-dev" || true
        has_headers "$python" || die "$python has no C headers (Python.h); Theano compiles C code. \
Install python$minor-dev (Debian) and run this again."
        say "creating $venv with $python"
        quietly "$python" -m venv "$venv" || die "could not create $venv (the output is above)."
    else
        say "no CPython 3.11 found, and none from apt-get; using uv"
        venv_with_uv
    fi
fi

command -v g++ >/dev/null || apt_install g++ || true
command -v g++ >/dev/null || die "Theano needs a C++ compiler: apt-get install g++ (Debian), then run this again."

# Theano links with -lopenblas, which needs the unversioned libopenblas.so.
has_openblas() {
    local lib
    for lib in /usr/lib/*/libopenblas.so /usr/lib/libopenblas.so /usr/lib64/libopenblas.so \
               /usr/local/lib/libopenblas.so; do
        [ -e "$lib" ] && return 0
    done
    return 1
}
if ! has_openblas; then
    apt_install libopenblas-dev \
        || say "OpenBLAS not found: training works through NumPy's C-API, but slower. apt-get install libopenblas-dev"
fi

stamp="$venv/.installed-$(basename "$requirements" .txt)"
if [ ! -e "$stamp" ] || [ "$requirements" -nt "$stamp" ] || [ requirements.txt -nt "$stamp" ] || [ setup.py -nt "$stamp" ]; then
    say "installing $requirements into $venv (a few minutes the first time)"
    if "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
        # Theano's sdist does not build in pip's isolated build environment on
        # CPython >= 3.12: it is built in the venv, whose setuptools (pinned in
        # requirements.txt) also gives Theano the distutils it imports.
        quietly "$venv/bin/python" -m pip install -q --disable-pip-version-check \
            $(grep -E '^setuptools==' requirements.txt | cut -d';' -f1) \
            || die "pip could not install setuptools (its output is above)."
        PYTHONPATH="$PWD/scripts/theano-build" quietly "$venv/bin/python" -m pip install -q \
            --disable-pip-version-check --no-build-isolation $(grep -E '^Theano==' requirements.txt) \
            || die "pip could not build Theano (its output is above)."
    fi
    quietly "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements" \
        || die "pip could not install $requirements (its output is above)."
    quietly "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e . \
        || die "pip could not install this package (its output is above)."
    touch "$stamp"
fi
