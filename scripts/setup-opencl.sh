#!/usr/bin/env bash
# What `make test-opencl` needs beyond `make test`'s set-up: an OpenCL
# device on the CPU (POCL) and Theano's GPU back-end for it, all from
# Debian 12's package registry:
#   pocl-opencl-icd      POCL, an OpenCL implementation that runs on the CPU
#   ocl-icd-opencl-dev   the OpenCL loader and headers
#   libclblast-dev       CLBlast, the BLAS libgpuarray opens on OpenCL by its
#                        unversioned name (Debian 12 has no clBLAS)
#   libgpuarray-dev      libgpuarray 0.7.6 and its headers, which Theano's GPU
#                        ops compile against
#   python3-pygpu        pygpu 0.7.6: its Python files and the C that Cython
#                        generated, compiled for the virtual environment's
#                        CPython and NumPy (Debian's modules are for CPython
#                        3.11 and NumPy 1.x) by scripts/build-pygpu.sh
#   clinfo               to see the device
# Missing packages are installed when running as root with apt-get; else
# one line says what to install. pygpu's one Python dependency, Mako, comes
# from requirements-gpu.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv}
name=setup-opencl
. scripts/lib.sh

packages=(pocl-opencl-icd ocl-icd-opencl-dev libclblast-dev libgpuarray-dev python3-pygpu clinfo)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' \
        || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        say "needs the Debian packages ${missing[*]}: sudo apt-get install ${missing[*]}"
        exit 1
    fi
    say "installing ${missing[*]}"
    apt_install "${missing[@]}"
fi

# WHEELS: a URL of wheels to install from instead of PyPI (docker/install.sh)
"$venv/bin/python" -m pip install -q ${WHEELS:+--no-index --find-links "$WHEELS" \
    --trusted-host "$(echo "$WHEELS" | sed -E 's#^[a-z]+://([^:/]+).*#\1#')"} \
    -r requirements-gpu.txt
VENV=$venv scripts/build-pygpu.sh
if ! "$venv/bin/python" -c 'import pygpu; pygpu.init("opencl0:0")' 2>/dev/null; then
    say "pygpu finds no OpenCL device opencl0:0; clinfo -l says:"
    clinfo -l >&2 || true
    exit 1
fi
