#!/usr/bin/env bash
# `make gpu-bundle`: gpu-bundle/, what a machine with a GPU and a python3
# with NumPy but no Theano and no network needs for the GPU check
# (gpu-bundle/check.sh, from scripts/gpu-check.sh; docs/gpu-docker.rst):
#   debs/         Debian 12's libgpuarray3, libgpuarray-dev and python3-pygpu
#                 0.7.6 (apt-get download), unpacked there, never installed
#   wheels/       Theano, Lasagne and nolearn, and this project (built by
#                 install.py --wheel-dir), and Mako as requirements-gpu.txt
#                 pins it (pure Python)
#   benchmarks/   gpu_check.py and bench_training.py, which it runs
#   build-pygpu.sh, cuda_links.py, check.sh
# Made in gpu-bundle.partial (removed if the build fails) and renamed, so a
# stopped build leaves the last bundle whole. It must stay under 60 MiB (a GPU machine lent for a check
# may take no more).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv}
out=${1:-gpu-bundle}
name=gpu-bundle
. scripts/lib.sh
MAX_MIB=60
DEBIAN_PACKAGES=(libgpuarray3=0.7.6-13+b1 libgpuarray-dev=0.7.6-13+b1 python3-pygpu=0.7.6-13+b1)

partial=$out.partial
rm -rf "$partial"
mkdir -p "$partial/debs" "$partial/wheels" "$partial/benchmarks"
trap 'rm -rf "$partial"' EXIT

say "downloading ${DEBIAN_PACKAGES[*]}"
(cd "$partial/debs" && quietly apt-get download "${DEBIAN_PACKAGES[@]}")
say "wheels of the stack, this project and Mako"
quietly "$venv/bin/python" install.py --wheel-dir "$partial/wheels"
quietly "$venv/bin/python" -m pip wheel -q --no-deps -w "$partial/wheels" \
    "$(grep -E '^mako==' requirements-gpu.txt)"
cp benchmarks/gpu_check.py benchmarks/bench_training.py "$partial/benchmarks/"
cp scripts/build-pygpu.sh scripts/cuda_links.py scripts/lib.sh "$partial/"
cp scripts/gpu-check.sh "$partial/check.sh"

size=$(du -sm "$partial" | cut -f1)
if [ "$size" -gt "$MAX_MIB" ]; then
    say "$partial is $size MiB, over $MAX_MIB"
    exit 1
fi
rm -rf "$out"
mv "$partial" "$out"
say "made $out ($size MiB): run $out/check.sh [DEVICE] on the GPU machine"
