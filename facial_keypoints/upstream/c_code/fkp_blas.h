/* fkp_blas.h: what the ops that call OpenBLAS from OpenMP's threads share
   (fast_conv.c, fast_gemm.c). */

/* OpenBLAS computes products of up to this many multiply-adds (m n k) with
   separate kernels for small matrices, which round differently. */
#define FKP_SMALL_PRODUCT 1e6

/* The BLAS runs single-threaded inside our threads; restored afterwards. */
static int fkp_blas_threads_begin(void)
{
    int saved = openblas_get_num_threads();
    openblas_set_num_threads(1);
    return saved;
}

static void fkp_blas_threads_end(int saved) { openblas_set_num_threads(saved); }
