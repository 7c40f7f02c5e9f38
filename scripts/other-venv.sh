#!/usr/bin/env bash
# The virtual environments of `make test-pythons`: .venv-VERSION, with the
# pins of requirements-dev.txt for CPython VERSION.
#
#   scripts/other-venv.sh VERSION
#
# With a CPython VERSION of this machine where there is one
# (scripts/bootstrap.sh). Else with Debian sid's (3.14, 3.15), in the root
# that scripts/sid-root.sh makes once ($SID_ROOT, as `make` sets it):
# the venv is made and install.py run in the root, and .venv-VERSION/run
# runs a Python command in it from here (scripts/in-root.sh; as root).
set -euo pipefail
cd "$(dirname "$0")/.."
name=other-venv
. scripts/lib.sh
version=${1:?usage: scripts/other-venv.sh VERSION}
venv=.venv-$version
root=${SID_ROOT:?SID_ROOT names the Debian sid root (make test-pythons sets it)}

if [ ! -e "$venv/run" ] && PYTHON_VERSION=$version FKP_BOOTSTRAP_FIND_ONLY=1 \
        scripts/bootstrap.sh >/dev/null 2>&1; then
    VENV=$venv PYTHON_VERSION=$version exec scripts/bootstrap.sh requirements-dev.txt
fi

scripts/sid-root.sh "$root"
stamp=$venv/.installed-requirements-dev
if [ ! -e "$stamp" ] || [ requirements-dev.txt -nt "$stamp" ] || [ requirements.txt -nt "$stamp" ] \
        || [ facial_keypoints/about.py -nt "$stamp" ] || [ install.py -nt "$stamp" ]; then
    if [ ! -e "$venv/pyvenv.cfg" ]; then
        say "creating $venv with Debian sid's python$version in $root"
        quietly scripts/in-root.sh "$root" "python$version" -m venv "$venv"
    fi
    say "installing requirements-dev.txt into $venv with install.py (in $root)"
    scripts/in-root.sh "$root" "$venv/bin/python" install.py --dev --editable
    touch "$stamp"
fi
# Written each time: the root may have moved.
cat >"$venv/run" <<RUN
#!/bin/sh
# Runs $venv's python, which lives in the Debian sid root $root.
exec "$PWD/scripts/in-root.sh" "$(cd "$root" && pwd)" "$PWD/$venv/bin/python" "\$@"
RUN
chmod +x "$venv/run"
