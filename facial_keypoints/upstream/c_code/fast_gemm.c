/* fast_gemm.c: a float32 matrix product in pieces that OpenMP's threads
   take, each calling the single-threaded BLAS (see
   facial_keypoints/upstream/fast_gemm.py). Needs fkp_blas.h. */
#ifdef _OPENMP
#include <omp.h>
#endif

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
    const int saved = fkp_blas_threads_begin();
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
    fkp_blas_threads_end(saved);
}
