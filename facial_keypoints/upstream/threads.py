"""How the CPU's two thread pools take turns on the cores.

On the CPU, OpenBLAS runs the matrix products Theano calls it for on its
own threads, and the ops of :mod:`.fast_conv`, :mod:`.fast_cpu` and
:mod:`.fast_gemm` (Theano's elementwise loops and matrix products among
them) run on OpenMP's. Both keep their
threads spinning after each call, waiting for the next one: OpenBLAS for
about 2**28 cycles, OpenMP's runtime (GCC's libgomp) for a few hundred
thousand spins. A training step alternates between the two many times, so
on a machine with as many cores as threads the pool that has just finished
spins on the cores the other one needs (docs/performance.rst has the
epochs it cost).

:data:`IDLE_THREADS` makes idle threads of both pools sleep instead:
OpenMP's at once, OpenBLAS's after 2**20 cycles (a few hundred
microseconds, enough to stay awake between the products of one layer).
Each library reads its variable once, when it is loaded, so
:func:`rest_idle_threads` runs when this package is imported, before
Theano loads either library. A value the user has set is kept. Results do
not change: only when idle threads sleep does.
"""
import os

#: Environment variables read by libgomp and OpenBLAS when they load.
IDLE_THREADS = {
    'OMP_WAIT_POLICY': 'PASSIVE',
    # log2 of the cycles an idle OpenBLAS thread spins before sleeping.
    'OPENBLAS_THREAD_TIMEOUT': '20',
}


def rest_idle_threads(environ=os.environ):
    """Set the variables of :data:`IDLE_THREADS` the user has not set;
    return the names set now."""
    unset = [name for name in IDLE_THREADS if name not in environ]
    for name in unset:
        environ[name] = IDLE_THREADS[name]
    return unset
