#!/usr/bin/env bash
# `make gpu-bundle`: gpu-bundle/, what a machine with a GPU and a python3
# with NumPy but no Theano and no network needs for the GPU check
# (gpu-bundle/check.sh, from scripts/gpu-check.sh; docs/gpu-docker.rst):
#   debs/         Debian 12's libgpuarray3, libgpuarray-dev and python3-pygpu
#                 0.7.6 (apt-get download), unpacked there, never installed
#   wheels/       Theano, Lasagne and nolearn as requirements.txt pins them,
#                 Mako as requirements-gpu.txt does (pure Python, built here),
#                 and this project
#   benchmarks/   gpu_check.py and bench_training.py, which it runs
#   build-pygpu.sh, cuda_links.py, check.sh
# Made in gpu-bundle.partial (removed if the build fails) and renamed, so a
# stopped build leaves the last bundle whole. It must stay under 60 MiB (a GPU machine lent for a check
# may take no more).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv}
out=${1:-gpu-bundle}
say() { echo "gpu-bundle: $*" >&2; }
MAX_MIB=60
DEBIAN_PACKAGES=(libgpuarray3=0.7.6-13+b1 libgpuarray-dev=0.7.6-13+b1 python3-pygpu=0.7.6-13+b1)

pins=()
for name in Theano Lasagne nolearn; do
    pins+=("$(grep -E "^$name==" requirements.txt)")
done
pins+=("$(grep -E '^mako==' requirements-gpu.txt)")

partial=$out.partial
rm -rf "$partial"
mkdir -p "$partial/debs" "$partial/wheels" "$partial/benchmarks"
log=$(mktemp -t fkp-bundle.XXXXXX)
trap 'rm -rf "$log" "$partial"' EXIT
quietly() { "$@" >"$log" 2>&1 || { cat "$log" >&2; say "failed: $*"; exit 1; }; }

say "downloading ${DEBIAN_PACKAGES[*]}"
(cd "$partial/debs" && quietly apt-get download "${DEBIAN_PACKAGES[@]}")
say "wheels of ${pins[*]} and this project"
# Theano's setup.py needs distutils, which CPython 3.12 removed: the shim
# of scripts/theano-build, as scripts/bootstrap.sh builds it.
PYTHONPATH=scripts/theano-build quietly "$venv/bin/python" -m pip wheel --no-deps \
    --no-build-isolation -w "$partial/wheels" "${pins[@]}"
quietly "$venv/bin/python" -m pip wheel --no-deps -w "$partial/wheels" .
cp benchmarks/gpu_check.py benchmarks/bench_training.py "$partial/benchmarks/"
cp scripts/build-pygpu.sh scripts/cuda_links.py "$partial/"
cp scripts/gpu-check.sh "$partial/check.sh"

size=$(du -sm "$partial" | cut -f1)
if [ "$size" -gt "$MAX_MIB" ]; then
    say "$partial is $size MiB, over $MAX_MIB"
    exit 1
fi
rm -rf "$out"
mv "$partial" "$out"
say "made $out ($size MiB): run $out/check.sh [DEVICE] on the GPU machine"
