"""Matrix products on OpenMP's threads.

On the CPU, Theano's matrix products (``Dot22``, ``Dot22Scalar``, ``Gemm``)
call OpenBLAS, which runs them on its own pool of threads, while the ops
of :mod:`.fast_conv` and :mod:`.fast_cpu` run on OpenMP's. Each product
wakes OpenBLAS's sleeping thread (see :mod:`.threads`), and on a machine
with as many cores as threads the scheduler at times keeps the woken
thread on the core of the one that woke it, so that the products run as
if single-threaded for seconds at a time.

The ops below are Theano's, with one difference: each float32 product is
cut into pieces along the output's larger dimension, and OpenMP's threads
call the single-threaded BLAS on the pieces, so that all parallel work of
a step runs on one pool of threads. The pieces are cut by the product's
shape alone, never by the number of threads, and a product too small to
cut is one single-threaded call: results are the same to the bit on any
number of threads. Each output element is the sum Theano's call makes, in
a call of another width, which OpenBLAS rounds alike or not depending on
its kernels: results are within float32 rounding of Theano's.

Like :mod:`.fast_conv`, this needs OpenBLAS as Theano's BLAS (its thread
count is set to 1 while the pieces run). Disable it with
``THEANO_FLAGS=optimizer_excluding=fkp_fast_gemm``.
"""
import theano
from theano import gof
from theano.tensor import blas, blas_headers

from . import c_sources
from .fast_conv import available  # the same condition: OpenBLAS on the CPU

TAG = 'fkp_fast_gemm'

#: The ops' C code, in c_code/.
C_FILES = ('fkp_blas.h', 'fast_gemm.c')

class ParallelProduct:
    """What the three ops add to Theano's: their float32 products call
    ``fkp_sgemm`` where Theano's call ``sgemm_``, compiled with OpenMP."""

    case_float_gemm = blas.GemmRelated.case_float_gemm.replace('sgemm_(', 'fkp_sgemm(')

    def c_support_code(self):
        return (super().c_support_code()
                + blas_headers.openblas_threads_text() + c_sources.read(*C_FILES))

    def c_compile_args(self):
        return super().c_compile_args() + ['-fopenmp']

    def c_code_cache_version(self):
        version = super().c_code_cache_version()
        return (c_sources.version(*C_FILES),) + version if version else version


class ParallelDot22(ParallelProduct, blas.Dot22):
    """Theano's ``Dot22`` (``x . y``), its pieces on OpenMP's threads."""


class ParallelDot22Scalar(ParallelProduct, blas.Dot22Scalar):
    """Theano's ``Dot22Scalar`` (``a x . y``), its pieces on OpenMP's threads."""


class ParallelGemm(ParallelProduct, blas.Gemm):
    """Theano's ``Gemm`` (``b z + a x . y``), its pieces on OpenMP's threads."""


def _parallel(op):
    if type(op) is blas.Dot22:
        return ParallelDot22()
    if type(op) is blas.Dot22Scalar:
        return ParallelDot22Scalar()
    if type(op) is blas.Gemm:
        return ParallelGemm(inplace=op.inplace)
    return None


@gof.local_optimizer([blas.Dot22, blas.Dot22Scalar, blas.Gemm])
def local_parallel_gemm(node):
    """Theano's float32 matrix products -> the same on OpenMP's threads."""
    op = _parallel(node.op)
    if op is None or node.outputs[0].dtype != 'float32':
        return None
    return op(*node.inputs, return_list=True)


#: After Theano's BLAS optimizations, which make the products (1.7) and
#: their in-place forms (70).
POSITION = 99


def enable():
    """Register the optimization (on the CPU with OpenBLAS only)."""
    if available() and not getattr(enable, 'done', False):
        theano.compile.optdb.register(
            'local_parallel_gemm', gof.opt.in2out(local_parallel_gemm, name='local_parallel_gemm'),
            POSITION, 'fast_run', TAG)
        enable.done = True
