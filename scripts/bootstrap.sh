#!/usr/bin/env bash
# Create the virtual environment .venv with CPython 3.11 and install the pins.
#   scripts/bootstrap.sh requirements.txt        (what `make demo` needs)
#   scripts/bootstrap.sh requirements-dev.txt    (what `make test` needs)
# Checks the system needs first: CPython 3.11 with its headers, and a C++
# compiler (Theano compiles its ops); OpenBLAS is optional but much faster.
# Missing Debian packages are installed when running as root with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=${1:-requirements.txt}
venv=${VENV:-.venv}

say() { echo "bootstrap: $*" >&2; }
die() { say "$*"; exit 1; }

can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }
apt_updated=
apt_install() {
    can_apt || return 1
    if [ -z "$apt_updated" ]; then apt-get update -qq >&2 && apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

has_headers() {
    "$1" -c 'import os, sysconfig, sys
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null
}

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 "$HOME"/.pyenv/versions/3.11*/bin/python3.11 \
                     /usr/local/bin/python3.11 /usr/bin/python3.11 python3; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || [ -x "$candidate" ] || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            command -v "$candidate" 2>/dev/null || echo "$candidate"
            return 0
        fi
    done
    return 1
}

if [ ! -x "$venv/bin/python" ]; then
    python=$(find_python) || {
        say "no CPython 3.11 found; trying Debian's python3.11"
        apt_install python3.11 python3.11-venv python3.11-dev || true
        python=$(find_python) || die "CPython 3.11 is needed (Theano 1.0.5 needs NumPy < 1.24). \
Install it (Debian 12: apt-get install python3.11 python3.11-venv python3.11-dev; \
or pyenv install 3.11) and run this again, or set PYTHON=/path/to/python3.11."
    }
    has_headers "$python" || apt_install python3.11-dev || true
    has_headers "$python" || die "$python has no C headers (Python.h); Theano compiles C code. \
Install python3.11-dev (Debian) and run this again."
    say "creating $venv with $python"
    "$python" -m venv "$venv"
fi

command -v g++ >/dev/null || apt_install g++ || true
command -v g++ >/dev/null || die "Theano needs a C++ compiler: apt-get install g++ (Debian), then run this again."

if ! ls /usr/lib/*/libopenblas.so /usr/lib/libopenblas.so /usr/local/lib/libopenblas.so >/dev/null 2>&1; then
    apt_install libopenblas-dev \
        || say "OpenBLAS not found: training works through NumPy's C-API, but slower. apt-get install libopenblas-dev"
fi

stamp="$venv/.installed-$(basename "$requirements" .txt)"
if [ ! -e "$stamp" ] || [ "$requirements" -nt "$stamp" ] || [ requirements.txt -nt "$stamp" ] || [ setup.py -nt "$stamp" ]; then
    say "installing $requirements into $venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e .
    touch "$stamp"
fi
