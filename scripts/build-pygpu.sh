#!/usr/bin/env bash
# pygpu 0.7.6 for the virtual environment's CPython and NumPy, compiled from
# the C that Debian 12's python3-pygpu ships beside its own modules (which
# are built for CPython 3.11 and NumPy 1.x, and do not import on NumPy 2).
# No registry serves a pygpu: this takes the package's Python files and
# headers as they are and compiles its four Cython-generated C files
# (gpuarray, blas, _elemwise, collectives) against the venv's CPython and
# NumPy and Debian's libgpuarray:
#   -DNPY_TARGET_VERSION=NPY_2_0_API_VERSION  NumPy 2's descriptor layout
#   the CYTHON_* switches                      keep the generated code off
#                                              CPython internals that changed
# and three substitutions in the C, at build (see substitute below):
#   d->subarray -> PyDataType_SUBARRAY(d)      NumPy 2 hid the field
#   the PyPy way to set a traceback            CPython 3.12 has no
#                                              tstate->curexc_traceback
#   _PyLong_AsByteArray(..., 1)                CPython 3.13 added an argument
# Installed into the venv as site-packages/pygpu; rebuilt only when the
# venv's Python or NumPy changes. scripts/setup-opencl.sh runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv}
src=${PYGPU_SRC:-/usr/lib/python3/dist-packages/pygpu}
python=$venv/bin/python
say() { echo "build-pygpu: $*" >&2; }

[ -f "$src/gpuarray.c" ] || { say "no $src/gpuarray.c: apt-get install python3-pygpu"; exit 1; }
[ -f /usr/include/gpuarray/array.h ] || { say "no libgpuarray headers: apt-get install libgpuarray-dev"; exit 1; }

read -r tag include numpy_include suffix site < <("$python" -c '
import sys, sysconfig, numpy
print("cp%d%d-numpy%s" % (sys.version_info[0], sys.version_info[1], numpy.__version__),
      sysconfig.get_paths()["include"], numpy.get_include(),
      sysconfig.get_config_var("EXT_SUFFIX"), sysconfig.get_paths()["purelib"])')
substitute() {
    "$python" - "$1" "$2" <<'PY'
import sys
code = open(sys.argv[1]).read()
for old, new in [
        ('__pyx_v_d->subarray->shape', 'PyDataType_SUBARRAY(__pyx_v_d)->shape'),
        ('#if CYTHON_COMPILING_IN_PYPY\n        PyObject *tmp_type, *tmp_value, *tmp_tb;',
         '#if CYTHON_COMPILING_IN_PYPY || PY_VERSION_HEX >= 0x030C0000\n'
         '        PyObject *tmp_type, *tmp_value, *tmp_tb;'),
        ('is_little, !is_unsigned)',
         'is_little, !is_unsigned\n#if PY_VERSION_HEX >= 0x030D0000\n, 1\n#endif\n)')]:
    code = code.replace(old, new)  # what is left, the compiler reports
open(sys.argv[2], 'w').write(code)
PY
}

build=.cache/pygpu-build/$tag
if [ ! -e "$build/done" ]; then
    say "compiling pygpu for $tag (a minute or two)"
    rm -rf "$build"
    mkdir -p "$build/pygpu"
    cp "$src"/*.py "$src"/*.h "$build/pygpu/"
    for module in gpuarray blas _elemwise collectives; do
        substitute "$src/$module.c" "$build/$module.c"
        # NumPy's headers first: Debian's python3-numpy (which python3-pygpu
        # brings) puts NumPy 1.x's under the system Python's include path.
        gcc -shared -fPIC -O2 -g0 -w -I"$numpy_include" -I"$include" -I"$src" \
            -DNPY_TARGET_VERSION=NPY_2_0_API_VERSION \
            -DCYTHON_USE_PYLONG_INTERNALS=0 -DCYTHON_FAST_THREAD_STATE=0 \
            -DCYTHON_USE_EXC_INFO_STACK=0 -DCYTHON_FAST_PYCALL=0 \
            -DCYTHON_USE_PYLIST_INTERNALS=0 -DCYTHON_USE_UNICODE_INTERNALS=0 \
            -DCYTHON_USE_DICT_VERSIONS=0 -DCYTHON_FAST_PYCCALL=0 \
            "$build/$module.c" -lgpuarray -o "$build/pygpu/$module$suffix"
    done
    touch "$build/done"
fi
rm -rf "${site:?}/pygpu"
cp -r "$build/pygpu" "$site/pygpu"
"$python" -c 'import pygpu' || { say "the pygpu built does not import"; exit 1; }
