#!/usr/bin/env bash
# `make gpu-bundle`: gpu-bundle/, what a machine with a GPU, no network and
# a CPython 3.12 with the base set (scripts/gpu-base.txt: NumPy, SciPy,
# scikit-learn, pandas, matplotlib) but no Theano needs for the GPU check
# (gpu-bundle/check.sh, from scripts/gpu-check.sh; docs/gpu-docker.rst):
#   debs/         Debian 12's libgpuarray3, libgpuarray-dev and python3-pygpu
#                 0.7.6 (apt-get download), unpacked there, never installed
#   wheels/       Theano, Lasagne, nolearn and this project (built by
#                 install.py --wheel-dir), which the check always installs
#   deps/         the wheels of everything those and pygpu require, with
#                 what that requires, but the base set and what it requires;
#                 CPython-3.12.txt lists them (name==version), and the check
#                 installs those the machine's python lacks
#   benchmarks/   gpu_check.py and bench_training.py, which it runs
#   build-pygpu.sh, cuda_links.py, missing_wheels.py, check.sh
# deps/ holds the wheels of one CPython, the lent machine's 3.12: those of
# the three supported together come to just under the cap, too close for
# the next release of any of them, scikit-image's being the bulk
# (GPU_BUNDLE_PYTHONS=3.11 makes a bundle for another). pip resolves
# them run by an interpreter of that CPython (scripts/bootstrap.sh finds
# one), since it evaluates environment markers (setuptools' on 3.12, say)
# for the interpreter running it, whatever --python-version says; their
# versions are requirements*.txt's where pinned. manylinux_2_28 too: NumPy
# 2.4 and pandas publish no older wheels, and the base set is resolved with
# the rest.
# Made in gpu-bundle.partial (removed if the build fails) and renamed, so a
# stopped build leaves the last bundle whole. It must stay under 60 MiB (a
# GPU machine lent for a check may take no more).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv}
out=${1:-gpu-bundle}
name=gpu-bundle
. scripts/lib.sh
MAX_MIB=60
read -r -a PYTHONS <<<"${GPU_BUNDLE_PYTHONS:-3.12}"
DEBIAN_PACKAGES=(libgpuarray3=0.7.6-13+b1 libgpuarray-dev=0.7.6-13+b1 python3-pygpu=0.7.6-13+b1)
# pygpu comes as Debian's package, without Python metadata to resolve: what
# its modules import (tests/test_gpu_bundle.py reads them).
PYGPU_NEEDS=(mako six)
PLATFORMS=(manylinux2014_x86_64 manylinux_2_17_x86_64 manylinux_2_28_x86_64)
mapfile -t BASE < <(sed -e 's/#.*//' -e 's/[=<>!~; ].*//' -e '/^$/d' scripts/gpu-base.txt)

partial=$out.partial
resolved=$(mktemp -d -t fkp-gpu-bundle.XXXXXX)
rm -rf "$partial"
mkdir -p "$partial/debs" "$partial/wheels" "$partial/deps" "$partial/benchmarks"
trap 'rm -rf "$partial" "$resolved"' EXIT

say "downloading ${DEBIAN_PACKAGES[*]}"
(cd "$partial/debs" && quietly apt-get download "${DEBIAN_PACKAGES[@]}")
say "wheels of the stack and this project"
quietly "$venv/bin/python" install.py --wheel-dir "$partial/wheels"

for version in "${PYTHONS[@]}"; do
    python=$(PYTHON_VERSION=$version FKP_BOOTSTRAP_FIND_ONLY=1 scripts/bootstrap.sh) \
        || die "no CPython $version here to resolve its wheels with (pyenv install $version)"
    target=(--only-binary=:all: --implementation cp --python-version "$version"
            "${PLATFORMS[@]/#/--platform=}")
    say "resolving what the check needs on CPython $version beyond ${BASE[*]}"
    quietly "$python" -m pip install --dry-run --ignore-installed --disable-pip-version-check \
        --target "$resolved/none" --report "$resolved/$version.json" "${target[@]}" \
        -c requirements.txt -c requirements-gpu.txt \
        "$partial"/wheels/*.whl "${PYGPU_NEEDS[@]}" "${BASE[@]}"
    list=$partial/deps/CPython-$version.txt
    "$venv/bin/python" scripts/gpu_bundle_deps.py "$resolved/$version.json" "${BASE[@]}" >"$list"
    say "downloading $(paste -sd ' ' "$list")"
    quietly "$python" -m pip download --no-deps --disable-pip-version-check \
        -d "$partial/deps" "${target[@]}" -r "$list"
done
cp benchmarks/gpu_check.py benchmarks/bench_training.py "$partial/benchmarks/"
cp scripts/build-pygpu.sh scripts/cuda_links.py scripts/missing_wheels.py scripts/lib.sh "$partial/"
cp scripts/gpu-check.sh "$partial/check.sh"

size=$(du -sm "$partial" | cut -f1)
if [ "$size" -gt "$MAX_MIB" ]; then
    say "$partial is $size MiB, over $MAX_MIB"
    exit 1
fi
rm -rf "$out"
mv "$partial" "$out"
say "made $out ($size MiB): run $out/check.sh [DEVICE] on the GPU machine"
