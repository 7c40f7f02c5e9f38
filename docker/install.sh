#!/bin/sh
# The install steps every image shares, run while it is built from the
# repository's root (docker/Dockerfile.*):
#
#   PYTHON=python3.11 docker/install.sh
#
# 1. Debian's or Ubuntu's packages: a C++ compiler (Theano compiles its ops),
#    OpenBLAS, and tini, the init process the images run the training under
#    so that `docker stop`'s SIGTERM reaches it; CPython 3.11 and its headers
#    too where $PYTHON is not there (the local Debian 12 base).
# 2. A virtual environment, /opt/fkp (on PATH in the images), with the pins
#    of requirements.txt and this project, by install.py --pinned: from
#    PyPI, or only from the wheels in $WHEELS, a folder or URL, where the
#    build gives one (`make docker-test` serves the host's on 127.0.0.1).
# 3. `kfkd doctor` on the CPU, so that a broken stack fails the build.
set -eu
name=docker/install.sh
. scripts/lib.sh
PYTHON=${PYTHON:-python3.11}
VENV=/opt/fkp

packages="g++ libopenblas-dev tini ca-certificates"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    packages="$packages python3.11 python3.11-dev python3.11-venv"
    PYTHON=python3.11
fi
# shellcheck disable=SC2086
apt_install $packages || die "apt-get could not install $packages"
rm -rf /var/lib/apt/lists/*

"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" install.py --pinned ${WHEELS:+--wheels "$WHEELS"}

THEANO_FLAGS=device=cpu,base_compiledir=/tmp/theano "$VENV/bin/python" -m facial_keypoints.kfkd doctor
rm -rf /tmp/theano
