#!/usr/bin/env bash
# Create the virtual environment .venv with a supported CPython (3.11 to 3.15,
# as facial_keypoints/about.py says) and install the pins into it with
# install.py, the one installer.
#   scripts/bootstrap.sh requirements.txt        (what `make demo` needs)
#   scripts/bootstrap.sh requirements-dev.txt    (what `make test` needs)
# Checks the system needs first: a supported CPython with its headers, and a
# C++ compiler (Theano compiles its ops); OpenBLAS is optional but much faster.
# Missing Debian packages are installed when running as root with apt-get.
# The CPython is taken from, in order: $PYTHON (a supported one); python3.11
# on PATH, pyenv's versions, /usr/local/bin and /usr/bin, then python3.12 to
# python3.15 there (3.11 first: the version the stack has run on longest);
# Debian's python3.11 package; and last a CPython 3.11 managed by uv
# (https://docs.astral.sh/uv/), which is installed first if need be, with pip
# --user or else into .cache/uv. So `PYTHON=python3.13 make test` tests 3.13
# (in a .venv made with it: remove an older .venv first, or set VENV), and
# PYTHON_VERSION=3.12 takes only a CPython 3.12, from any of those places.
#   FKP_BOOTSTRAP_PATH_ONLY=1  looks for interpreters on PATH only, so that a
#                              run with a controlled PATH sees no others.
#   FKP_BOOTSTRAP_FIND_ONLY=1  only prints the path of the one it finds
#                              (exit status 1 when there is none).
# Tool output is kept aside and shown only when the tool fails (scripts/lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=${1:-requirements.txt}
venv=${VENV:-.venv}

name=bootstrap
. scripts/lib.sh

apt_has() { apt_update && apt-cache show "$1" >/dev/null 2>&1; }

has_headers() {
    "$1" -c 'import os, sysconfig, sys
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null
}

# The versions facial_keypoints/about.py supports, first to last ("3.11 ...
# 3.15"): 3.11 is looked for first, the version the stack has run on longest.
supported=$(sed -n 's/^SUPPORTED_PYTHON = ((3, \([0-9]*\)), (3, \([0-9]*\)))$/\1 \2/p' \
    facial_keypoints/about.py)
[ -n "$supported" ] || die "facial_keypoints/about.py has no SUPPORTED_PYTHON line"
SUPPORTED="(3, ${supported% *}) <= sys.version_info[:2] < (3, ${supported#* })"
all_versions=
for ((minor = ${supported% *}; minor < ${supported#* }; minor++)); do all_versions+="3.$minor "; done
versions=${PYTHON_VERSION:-$all_versions}
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

# FKP_BOOTSTRAP_FIND_ONLY=1: only print the supported CPython of
# $PYTHON_VERSION this machine has, or exit 1 (scripts/other-venv.sh asks
# whether there is one, scripts/gpu-bundle.sh which it is).
if [ -n "${FKP_BOOTSTRAP_FIND_ONLY:-}" ]; then
    find_python
    exit
fi

# Prints the path of a uv binary, installing uv with the system's python3 if
# there is none.
run_logged() { "$@" >"$log" 2>&1; }
find_uv() {
    local python3 private=.cache/uv log
    if command -v uv; then return 0; fi
    if [ -x "$private/bin/uv" ]; then echo "$PWD/$private/bin/uv"; return 0; fi
    # Bare Debian and Ubuntu images have no python3 at all.
    python3=$(command -v python3) || { apt_install python3-venv && python3=$(command -v python3); } \
        || { say "no uv, and no python3 to install it with"; return 1; }
    say "installing uv with $python3 -m pip install --user uv"
    log=$(mktemp -t fkp-uv.XXXXXX)
    if run_logged "$python3" -m pip install -q --disable-pip-version-check --user uv \
        && "$python3" -c 'import uv; print(uv.find_uv_bin())' 2>>"$log"; then
        rm -f "$log"
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
        if ! can_apt; then
            cat "$log" >&2
            rm -f "$log"
            return 1
        fi
        apt_install python3-venv && quietly "$python3" -m venv "$private" || { rm -f "$log"; return 1; }
    fi
    rm -f "$log"
    quietly "$private/bin/python" -m pip install -q --disable-pip-version-check uv || return 1
    echo "$PWD/$private/bin/uv"
}

venv_with_uv() {
    local uv
    uv=$(find_uv) || die "CPython 3.11 is needed (or 3.12 to 3.15) and none was found: \
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
        say "PYTHON=$PYTHON is not a supported CPython (${all_versions% }); looking elsewhere"
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
if [ ! -e "$stamp" ] || [ "$requirements" -nt "$stamp" ] || [ requirements.txt -nt "$stamp" ] \
        || [ setup.py -nt "$stamp" ] || [ facial_keypoints/about.py -nt "$stamp" ]; then
    say "installing $requirements into $venv with install.py (a few minutes the first time)"
    option=--pinned
    [ "$requirements" = requirements-dev.txt ] && option=--dev
    "$venv/bin/python" install.py "$option" --editable || die "install.py failed (above); run this again once that is fixed."
    touch "$stamp"
fi
