#!/usr/bin/env bash
# The GPU check, as gpu-bundle/check.sh (`make gpu-bundle` puts it there):
# run on a machine with a GPU and no network, by a python3 of a CPython the
# bundle has wheels for (3.12) with the base set (NumPy, SciPy, scikit-learn,
# pandas, matplotlib) and no Theano:
#
#   gpu-bundle/check.sh [DEVICE [OPTION...]]
#
# DEVICE: Theano's, default cuda0; OPTIONs go to benchmarks/gpu_check.py
# (--epochs N, --faces N, ...).
#
# It installs what the bundle carries into a temporary folder, removed at
# the end, and changes nothing else:
# 1. Debian 12's libgpuarray and pygpu packages, unpacked there;
# 2. Theano, Lasagne, nolearn and this project, from their wheels, and of
#    the other wheels (Mako, six, tabulate, scikit-image, setuptools, ...)
#    those the python3 lacks: the machine's own versions are kept;
# 3. pygpu compiled for this python3 and its NumPy (build-pygpu.sh);
# 4. on CUDA, links by the names libgpuarray opens (libcuda.so, libnvrtc.so,
#    libcublas.so) to the driver's and CUDA's libraries found on the machine:
#    the toolkit's, or those of PyTorch's NVIDIA wheels;
# then benchmarks/gpu_check.py: the doctor, net1/net2/net6 on DEVICE against
# the CPU, seconds per epoch beside PyTorch's, one table; exit 0 when all
# hold. PYTHON names another python3. Another CPython is refused at once,
# its wheels not being in the bundle (GPU_BUNDLE_PYTHONS=3.X make gpu-bundle
# makes one for it).
set -euo pipefail
bundle=$(cd "$(dirname "$0")" && pwd)
device=${1:-cuda0}
[ $# -gt 0 ] && shift
python=${PYTHON:-python3}
prefix=$(mktemp -d -t fkp-gpu-check.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
name=check.sh
. "$bundle/lib.sh"

# Each list of wheels was resolved for one CPython (deps/CPython-3.12.txt):
# another's wheels may not install, or not import.
implementation=$("$python" -c 'import platform, sys
print("%s-%d.%d" % ((platform.python_implementation(),) + sys.version_info[:2]))')
wheels=$bundle/deps/$implementation.txt
if [ ! -e "$wheels" ]; then
    carried=$(cd "$bundle/deps" && ls -- *.txt | sed 's/\.txt$//; s/-/ /' | paste -sd, | sed 's/,/, /g')
    die "$python is ${implementation/-/ }; the bundle has wheels for $carried only (PYTHON=python3.X picks another)"
fi
"$python" -c 'import numpy' 2>/dev/null || { say "$python has no NumPy"; exit 1; }
if "$python" -c 'import theano' 2>/dev/null; then
    say "$python already has a Theano; run the check with one that has none"
    exit 1
fi

say "unpacking Debian's libgpuarray and pygpu into $prefix"
for deb in "$bundle"/debs/*.deb; do
    if command -v dpkg-deb >/dev/null; then
        dpkg-deb -x "$deb" "$prefix/debian"
    else
        mkdir -p "$prefix/debian"
        (cd "$prefix" && ar x "$deb" && tar -xf data.tar.* -C debian && rm -f data.tar.* control.tar.* debian-binary)
    fi
done
gpuarray=$prefix/debian/usr

missing=$("$python" "$bundle/missing_wheels.py" "$wheels")
say "installing $(cd "$bundle/wheels" && echo *.whl)${missing:+ and $(echo $missing)}"
# $missing unquoted: one name==version a line, each a word.
quietly "$python" -m pip install --no-index --no-deps --disable-pip-version-check \
    --find-links "$bundle/deps" --target "$prefix/site" "$bundle"/wheels/*.whl $missing
# A folder on PYTHONPATH has its .pth files ignored, and setuptools' gives
# CPython 3.12 the distutils Theano imports: this sitecustomize reads them,
# in the check's processes (in place of the machine's own, if it has one).
mkdir "$prefix/startup"
cat >"$prefix/startup/sitecustomize.py" <<'PY'
import os
import site
site.addsitedir(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'site'))
PY
export PYTHONPATH=$prefix/site:$prefix/startup${PYTHONPATH:+:$PYTHONPATH}

say "compiling pygpu for $("$python" -c 'import sys, numpy; print("CPython %d.%d, NumPy %s" % (sys.version_info[:2] + (numpy.__version__,)))')"
PYTHON=$python PYGPU_SRC=$gpuarray/lib/python3/dist-packages/pygpu GPUARRAY_PREFIX=$gpuarray \
    PYGPU_TARGET=$prefix/site PYGPU_BUILD=$prefix/build quietly "$bundle/build-pygpu.sh"

# Theano compiles its GPU ops against libgpuarray's headers, links them with
# -lgpuarray, and they load it at run time.
export CPATH=$gpuarray/include${CPATH:+:$CPATH}
export LIBRARY_PATH=$gpuarray/lib${LIBRARY_PATH:+:$LIBRARY_PATH}
library_path=$gpuarray/lib
if [ "${device#cuda}" != "$device" ]; then
    mkdir "$prefix/cuda"
    found=$("$python" "$bundle/cuda_links.py" "$prefix/cuda")
    library_path=$prefix/cuda${found:+:$found}:$library_path
fi
export LD_LIBRARY_PATH=$library_path${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export XDG_CACHE_HOME=$prefix/cache MPLBACKEND=Agg

"$python" "$bundle/benchmarks/gpu_check.py" "$device" "$@"
