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

from .fast_conv import available  # the same condition: OpenBLAS on the CPU

TAG = 'fkp_fast_gemm'

_SUPPORT = r"""
#ifdef _OPENMP
#include <omp.h>
#endif

/* OpenBLAS computes products of up to this many multiply-adds (m n k) with
   separate kernels for small matrices: such pieces would round differently. */
#define FKP_SMALL_PRODUCT 1e6

/* A product is cut by its shape alone, never by the number of threads, so
   that every output element is the same single-threaded BLAS sum however
   many threads take the pieces: along the output's larger dimension, into
   at most FKP_MAX_PIECES pieces of at least FKP_PIECE_MIN rows or columns,
   each starting at a multiple of FKP_PIECE_ALIGN, the BLAS's widest
   register block. */
#define FKP_PIECE_ALIGN 16
#define FKP_PIECE_MIN 64
#define FKP_MAX_PIECES 16

/* sgemm_ (column-major: c = alpha op(a) op(b) + beta c, c m x n) with the
   columns of c (or its rows, when it has more) cut into pieces that OpenMP's
   threads take, each calling the single-threaded BLAS; a product whose
   pieces would be small is one single-threaded call. */
static void fkp_sgemm(char* ta, char* tb, int* m, int* n, int* k, float* alpha,
                      float* a, int* lda, float* b, int* ldb, float* beta,
                      float* c, int* ldc)
{
    const int by_columns = *n >= *m;
    const int size = by_columns ? *n : *m;
    int piece = ((size + FKP_MAX_PIECES - 1) / FKP_MAX_PIECES + FKP_PIECE_ALIGN - 1)
                / FKP_PIECE_ALIGN * FKP_PIECE_ALIGN;
    if (piece < FKP_PIECE_MIN) piece = FKP_PIECE_MIN;
    const int pieces = (size + piece - 1) / piece;
    const int saved = openblas_get_num_threads();
    openblas_set_num_threads(1);
    if (pieces < 2 || (double)*m * *n * *k / pieces <= FKP_SMALL_PRODUCT) {
        sgemm_(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    } else {
        #pragma omp parallel for schedule(dynamic)
        for (int p = 0; p < pieces; p++) {
            const int lo = p * piece;
            int part = size - lo < piece ? size - lo : piece;
            if (by_columns) {
                float* bp = (*tb == 'N' || *tb == 'n') ? b + (long)lo * *ldb : b + lo;
                sgemm_(ta, tb, m, &part, k, alpha, a, lda, bp, ldb, beta,
                       c + (long)lo * *ldc, ldc);
            } else {
                float* ap = (*ta == 'N' || *ta == 'n') ? a + lo : a + (long)lo * *lda;
                sgemm_(ta, tb, &part, n, k, alpha, ap, lda, b, ldb, beta, c + lo, ldc);
            }
        }
    }
    openblas_set_num_threads(saved);
}
"""


class ParallelProduct(object):
    """What the three ops add to Theano's: their float32 products call
    ``fkp_sgemm`` where Theano's call ``sgemm_``, compiled with OpenMP."""

    case_float_gemm = blas.GemmRelated.case_float_gemm.replace('sgemm_(', 'fkp_sgemm(')

    def c_support_code(self):
        return (super(ParallelProduct, self).c_support_code()
                + blas_headers.openblas_threads_text() + _SUPPORT)

    def c_compile_args(self):
        return super(ParallelProduct, self).c_compile_args() + ['-fopenmp']

    def c_code_cache_version(self):
        version = super(ParallelProduct, self).c_code_cache_version()
        return (3,) + version if version else version


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
