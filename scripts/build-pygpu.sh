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
# and five substitutions in the C, at build (see substitute below):
#   d->subarray -> PyDataType_SUBARRAY(d)      NumPy 2 hid the field
#   the PyPy way to set a traceback            CPython 3.12 has no
#                                              tstate->curexc_traceback
#   _PyLong_AsByteArray(..., 1)                CPython 3.13 added an argument
#   a type's size check that counts one item   CPython 3.12's bool and int
#                                              are smaller than their C
#                                              struct by one digit and its
#                                              padding (Cython 0.29.33's rule)
#   Py_SIZE(x) < 0 -> _PyLong_Sign(x) < 0      an int's sign, which CPython
#                                              3.12 keeps elsewhere
# Installed into the venv as site-packages/pygpu; rebuilt only when the
# venv's Python or NumPy changes. scripts/setup-opencl.sh and
# scripts/setup-cuda.sh run it; so does gpu-bundle/check.sh, with
#   PYTHON          the Python to build for (default: the venv's)
#   PYGPU_SRC       Debian's pygpu folder (default: where Debian installs it)
#   GPUARRAY_PREFIX where libgpuarray's include/ and lib/ are (default /usr)
#   PYGPU_TARGET    the folder to install pygpu in (default: site-packages)
#   PYGPU_BUILD     the folder of builds (default .cache/pygpu-build)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv}
src=${PYGPU_SRC:-/usr/lib/python3/dist-packages/pygpu}
python=${PYTHON:-$venv/bin/python}
gpuarray=${GPUARRAY_PREFIX:-/usr}
name=build-pygpu
. "$(dirname "$0")/lib.sh"

[ -f "$src/gpuarray.c" ] || { say "no $src/gpuarray.c: apt-get install python3-pygpu"; exit 1; }
[ -f "$gpuarray/include/gpuarray/array.h" ] || { say "no libgpuarray headers in $gpuarray/include: apt-get install libgpuarray-dev"; exit 1; }

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
         'is_little, !is_unsigned\n#if PY_VERSION_HEX >= 0x030D0000\n, 1\n#endif\n)'),
        ('    if ((size_t)basicsize < size) {',
         '    if ((size_t)basicsize + (((PyTypeObject *)result)->tp_itemsize == 0 ? 0 :\n'
         '            ((PyTypeObject *)result)->tp_itemsize > 8 ?\n'
         '            (size_t)((PyTypeObject *)result)->tp_itemsize : 8) < size) {'),
        ('if (unlikely(Py_SIZE(x) < 0)) {',
         '\n#if PY_VERSION_HEX >= 0x030C0000\nif (unlikely(_PyLong_Sign(x) < 0)) {\n'
         '#else\nif (unlikely(Py_SIZE(x) < 0)) {\n#endif\n')]:
    code = code.replace(old, new)  # what is left, the compiler reports
open(sys.argv[2], 'w').write(code)
PY
}

site=${PYGPU_TARGET:-$site}
build=${PYGPU_BUILD:-.cache/pygpu-build}/$tag
if [ ! -e "$build/done" ]; then
    say "compiling pygpu for $tag (a minute or two)"
    rm -rf "$build"
    mkdir -p "$build/pygpu"
    cp "$src"/*.py "$src"/*.h "$build/pygpu/"
    pids=()
    for module in gpuarray blas _elemwise collectives; do
        substitute "$src/$module.c" "$build/$module.c"
        # NumPy's headers first: Debian's python3-numpy (which python3-pygpu
        # brings) puts NumPy 1.x's under the system Python's include path.
        # The four modules compile side by side.
        gcc -shared -fPIC -O2 -g0 -w -DNDEBUG -I"$numpy_include" -I"$include" -I"$src" \
            -I"$gpuarray/include" -L"$gpuarray/lib" -Wl,-rpath,"$gpuarray/lib" \
            -DNPY_TARGET_VERSION=NPY_2_0_API_VERSION \
            -DCYTHON_USE_PYLONG_INTERNALS=0 -DCYTHON_FAST_THREAD_STATE=0 \
            -DCYTHON_USE_EXC_INFO_STACK=0 -DCYTHON_FAST_PYCALL=0 \
            -DCYTHON_USE_PYLIST_INTERNALS=0 -DCYTHON_USE_UNICODE_INTERNALS=0 \
            -DCYTHON_USE_DICT_VERSIONS=0 -DCYTHON_FAST_PYCCALL=0 \
            "$build/$module.c" -lgpuarray -o "$build/pygpu/$module$suffix" &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do
        wait "$pid" || { say "gcc failed (above)"; exit 1; }
    done
    touch "$build/done"
fi
rm -rf "${site:?}/pygpu"
cp -r "$build/pygpu" "$site/pygpu"
# pygpu's Python files predate CPython 3.12's warnings on their escapes:
# compiled here, once, quietly.
"$python" -W ignore -m compileall -q "$site/pygpu" >/dev/null
PYTHONPATH=$site${PYTHONPATH:+:$PYTHONPATH} "$python" -c 'import pygpu' \
    || { say "the pygpu built does not import"; exit 1; }
