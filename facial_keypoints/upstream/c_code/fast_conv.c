/* fast_conv.c: 2-D convolution and its two gradients in pieces that
   OpenMP's threads take, each calling the single-threaded BLAS (see
   facial_keypoints/upstream/fast_conv.py). Needs fkp_blas.h, and
   FKP_PIECE_VALUES, FKP_MIN_POSITIONS and FKP_GROUP_POSITIONS defined. */
#include <string.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* The geometry of one convolution: images (N, C, H, W), weights
   (K, C, kh, kw), stride (sh, sw), outputs (N, K, OH, OW), no padding. */
typedef struct {
    npy_intp N, C, H, W, K, kh, kw, sh, sw, OH, OW;
} fkp_geom;

/* The BLAS takes its transpose flags by (non-const) pointer. */
static char fkp_n = 'N', fkp_t = 'T';

static inline npy_intp fkp_rows(const fkp_geom* g) { return g->C * g->kh * g->kw; }

/* How the output positions are cut into pieces: `per` images per piece
   (bands == 1), or `bands` bands of `band` output rows of one image. */
typedef struct {
    npy_intp per, bands, band, count;
} fkp_pieces;

static fkp_pieces fkp_cut(const fkp_geom* g)
{
    fkp_pieces p;
    npy_intp positions = g->OH * g->OW;
    npy_intp want = FKP_PIECE_VALUES / fkp_rows(g);
    if (want < FKP_MIN_POSITIONS) want = FKP_MIN_POSITIONS;
    if ((double)positions * fkp_rows(g) * g->K <= FKP_SMALL_PRODUCT) {
        /* Theano's own call for one image, which the BLAS may compute
           with its kernels for small products, rounding differently. */
        p.per = 1; p.bands = 1; p.band = g->OH; p.count = g->N;
    } else if (positions >= want) {
        p.per = 1;
        p.band = want / g->OW > 0 ? want / g->OW : 1;
        p.bands = (g->OH + p.band - 1) / p.band;
        p.band = (g->OH + p.bands - 1) / p.bands;  /* even bands */
        p.count = g->N * p.bands;
    } else {
        p.per = want / positions;
        if (p.per > g->N) p.per = g->N;
        p.bands = 1;
        p.band = g->OH;
        p.count = (g->N + p.per - 1) / p.per;
    }
    return p;
}

/* Unfold: column row r (channel c, filter row i, filter column j), for r in
   [r0, r1), gets image x's values under that filter tap for the output
   rows [o0, o1); rows of `col` are `ld` apart. */
static void fkp_im2col(const fkp_geom* g, const float* x, npy_intp r0, npy_intp r1,
                       npy_intp o0, npy_intp o1, float* col, npy_intp ld)
{
    for (npy_intp r = r0; r < r1; r++) {
        npy_intp c = r / (g->kh * g->kw), i = (r / g->kw) % g->kh, j = r % g->kw;
        const float* src = x + (c * g->H + i) * g->W + j;
        float* dst = col + (r - r0) * ld;
        for (npy_intp o = o0; o < o1; o++, dst += g->OW) {
            const float* s = src + o * g->sh * g->W;
            if (g->sw == 1) {
                memcpy(dst, s, g->OW * sizeof(float));
            } else {
                for (npy_intp q = 0; q < g->OW; q++) dst[q] = s[q * g->sw];
            }
        }
    }
}

/* Fold: add column rows [r0, r1) (`col` holds row r0 first) back onto
   image x for the output rows [o0, o1). Each
   pixel receives its terms in increasing (c, i, j), as in Theano's fold;
   bands of one image must be folded from the last to the first to keep
   that order across bands (a later band holds the smaller filter rows). */
static void fkp_col2im(const fkp_geom* g, const float* col, npy_intp ld,
                       npy_intp r0, npy_intp r1, npy_intp o0, npy_intp o1, float* x)
{
    for (npy_intp r = r0; r < r1; r++) {
        npy_intp c = r / (g->kh * g->kw), i = (r / g->kw) % g->kh, j = r % g->kw;
        float* dst = x + (c * g->H + i) * g->W + j;
        const float* src = col + (r - r0) * ld;
        for (npy_intp o = o0; o < o1; o++, src += g->OW) {
            float* d = dst + o * g->sh * g->W;
            if (g->sw == 1) {
                for (npy_intp q = 0; q < g->OW; q++) d[q] += src[q];
            } else {
                for (npy_intp q = 0; q < g->OW; q++) d[q * g->sw] += src[q];
            }
        }
    }
}

static float* fkp_alloc(npy_intp n)
{
    return (float*)malloc((n > 0 ? n : 1) * sizeof(float));
}

/* Add bias[k] to the `count` outputs of filter k at y + k * ld, for each k:
   the float32 addition of Theano's elementwise op, done on a piece's
   outputs while they are in the core's cache. */
static void fkp_add_bias(const fkp_geom* g, const float* bias, float* y, npy_intp ld,
                         npy_intp count)
{
    for (npy_intp k = 0; k < g->K; k++)
        for (npy_intp i = 0; i < count; i++) y[k * ld + i] += bias[k];
}

/* Forward: y[n, k] = sum over (c, i, j) of w[k, c, i, j] x[n, c, o*sh+i, q*sw+j],
   per piece one unfold and one product (columns x weights, as Theano's),
   then, unless `bias` is NULL, y[n, k] + bias[k]. */
static int fkp_forward(const fkp_geom* g, const float* x, const float* w, float* y,
                       const float* bias)
{
    const npy_intp rows = fkp_rows(g), positions = g->OH * g->OW;
    const fkp_pieces p = fkp_cut(g);
    const npy_intp cols = p.per * p.band * g->OW;
    int failed = 0;
    int saved = fkp_blas_threads_begin();
    #pragma omp parallel
    {
        float* col = fkp_alloc(rows * cols);
        float* tmp = p.per > 1 ? fkp_alloc(g->K * cols) : NULL;
        if (col == NULL || (p.per > 1 && tmp == NULL)) {
            #pragma omp atomic write
            failed = 1;
        } else {
            #pragma omp for schedule(dynamic)
            for (npy_intp t = 0; t < p.count; t++) {
                const float one = 1.0f, zero = 0.0f;
                const int k_ = (int)rows, n_ = (int)g->K;
                if (p.per == 1) {
                    const npy_intp n = t / p.bands, o0 = (t % p.bands) * p.band;
                    const npy_intp o1 = o0 + p.band < g->OH ? o0 + p.band : g->OH;
                    const int m_ = (int)((o1 - o0) * g->OW), ldc = (int)positions;
                    fkp_im2col(g, x + n * g->C * g->H * g->W, 0, rows, o0, o1, col, m_);
                    sgemm_(&fkp_n, &fkp_n, &m_, &n_, &k_, &one, col, &m_, w, &k_, &zero,
                           y + n * g->K * positions + o0 * g->OW, &ldc);
                    if (bias != NULL)
                        fkp_add_bias(g, bias, y + n * g->K * positions + o0 * g->OW,
                                     positions, m_);
                } else {
                    const npy_intp n0 = t * p.per;
                    const npy_intp m = (n0 + p.per < g->N ? p.per : g->N - n0);
                    const int m_ = (int)(m * positions);
                    for (npy_intp b = 0; b < m; b++)
                        fkp_im2col(g, x + (n0 + b) * g->C * g->H * g->W, 0, rows, 0, g->OH,
                                   col + b * positions, m_);
                    sgemm_(&fkp_n, &fkp_n, &m_, &n_, &k_, &one, col, &m_, w, &k_, &zero, tmp, &m_);
                    if (bias != NULL)
                        fkp_add_bias(g, bias, tmp, m_, m_);
                    for (npy_intp b = 0; b < m; b++)
                        for (npy_intp k = 0; k < g->K; k++)
                            memcpy(y + ((n0 + b) * g->K + k) * positions,
                                   tmp + k * m_ + b * positions, positions * sizeof(float));
                }
            }
        }
        free(col);
        free(tmp);
    }
    fkp_blas_threads_end(saved);
    return failed ? -1 : 0;
}

/* The gradient w.r.t. the inputs of images with few output positions and
   many column rows (Net6RPXL's 9x9 layer: 144 positions, 5184 rows): one
   image's product is too short for the BLAS to amortise packing the 5184
   weight rows, and its columns overflow the cache. Such images go in groups
   of at least FKP_GROUP_POSITIONS positions, their columns in chunks of
   rows. Sets *per and *chunk; *chunk == rows means no chunks. */
static void fkp_grad_inputs_cut(const fkp_geom* g, const fkp_pieces* p, npy_intp* per,
                                npy_intp* chunk)
{
    const npy_intp rows = fkp_rows(g), positions = g->OH * g->OW;
    *per = p->per;
    *chunk = rows;
    if (p->bands > 1 || (double)positions * rows * g->K <= FKP_SMALL_PRODUCT
        || p->per * positions * rows <= FKP_PIECE_VALUES)
        return;
    *per = (FKP_GROUP_POSITIONS + positions - 1) / positions;
    if (*per > g->N) *per = g->N;
    if (*per == 1) return;
    npy_intp c = FKP_PIECE_VALUES / (*per * positions) / 16 * 16;
    if (c < 16) c = 16;
    if (c < rows) {
        const npy_intp chunks = (rows + c - 1) / c;
        c = ((rows + chunks - 1) / chunks + 15) / 16 * 16;  /* even, in 16s */
        *chunk = c < rows ? c : rows;
    }
}

/* Gradient w.r.t. the inputs: per piece one product (output gradient x
   weights, as Theano's) into columns, folded onto zeroed images; a piece
   of grouped images takes its column rows chunk by chunk, in order (each
   chunk's product is a slice of the whole product's columns). */
static int fkp_grad_inputs(const fkp_geom* g, const float* w, const float* gy, float* gx)
{
    const npy_intp rows = fkp_rows(g), positions = g->OH * g->OW;
    const npy_intp image = g->C * g->H * g->W;
    const fkp_pieces p = fkp_cut(g);
    npy_intp per, chunk;
    fkp_grad_inputs_cut(g, &p, &per, &chunk);
    const npy_intp cols = per * p.band * g->OW;
    /* An image's bands go to one thread, last band first (see the fold). */
    const npy_intp tasks = p.bands > 1 ? g->N : (g->N + per - 1) / per;
    int failed = 0;
    int saved = fkp_blas_threads_begin();
    #pragma omp parallel
    {
        float* col = fkp_alloc(chunk * cols);
        float* tmp = per > 1 ? fkp_alloc(g->K * cols) : NULL;
        if (col == NULL || (per > 1 && tmp == NULL)) {
            #pragma omp atomic write
            failed = 1;
        } else {
            #pragma omp for schedule(dynamic)
            for (npy_intp t = 0; t < tasks; t++) {
                const float one = 1.0f, zero = 0.0f;
                const int k_ = (int)g->K, ldb = (int)rows;
                if (p.bands > 1 || per == 1) {
                    const int n_ = (int)rows;
                    memset(gx + t * image, 0, image * sizeof(float));
                    for (npy_intp band = p.bands - 1; band >= 0; band--) {
                        const npy_intp o0 = band * p.band;
                        const npy_intp o1 = o0 + p.band < g->OH ? o0 + p.band : g->OH;
                        const int m_ = (int)((o1 - o0) * g->OW), lda = (int)positions;
                        sgemm_(&fkp_n, &fkp_t, &m_, &n_, &k_, &one,
                               gy + t * g->K * positions + o0 * g->OW, &lda,
                               w, &ldb, &zero, col, &m_);
                        fkp_col2im(g, col, m_, 0, rows, o0, o1, gx + t * image);
                    }
                } else {
                    const npy_intp n0 = t * per;
                    const npy_intp m = (n0 + per < g->N ? per : g->N - n0);
                    const int m_ = (int)(m * positions);
                    for (npy_intp b = 0; b < m; b++)
                        for (npy_intp k = 0; k < g->K; k++)
                            memcpy(tmp + k * m_ + b * positions,
                                   gy + ((n0 + b) * g->K + k) * positions,
                                   positions * sizeof(float));
                    memset(gx + n0 * image, 0, m * image * sizeof(float));
                    for (npy_intp r0 = 0; r0 < rows; r0 += chunk) {
                        const npy_intp r1 = r0 + chunk < rows ? r0 + chunk : rows;
                        const int n_ = (int)(r1 - r0);
                        sgemm_(&fkp_n, &fkp_t, &m_, &n_, &k_, &one, tmp, &m_, w + r0, &ldb,
                               &zero, col, &m_);
                        for (npy_intp b = 0; b < m; b++)
                            fkp_col2im(g, col + b * positions, m_, r0, r1, 0, g->OH,
                                       gx + (n0 + b) * image);
                    }
                }
            }
        }
        free(col);
        free(tmp);
    }
    fkp_blas_threads_end(saved);
    return failed ? -1 : 0;
}

/* Gradient w.r.t. the weights: gw[k, r] = sum over images n, in order, of
   the product of gy[n, k] and row r of image n's columns, each image's
   product added onto the sum so far (as Theano's; a large image's band by
   band, see below). The work is cut by the shape alone, never by the
   number of threads, so that every sum is the same however many threads
   take the pieces: ranges of at least FKP_GW_ROWS rows (in multiples of
   16, the BLAS's register block, at most FKP_GW_PIECES ranges), each
   unfolding only its own rows; where there are fewer rows than that (a
   first layer's one channel: 9 rows for 3x3 filters), ranges of
   FKP_GW_FILTERS filters, each unfolding all rows. */
#define FKP_GW_ROWS 64
#define FKP_GW_PIECES 16
#define FKP_GW_FILTERS 16
static int fkp_grad_weights(const fkp_geom* g, const float* x, const float* gy, float* gw)
{
    const npy_intp rows = fkp_rows(g), positions = g->OH * g->OW;
    const npy_intp image = g->C * g->H * g->W;
    const int by_rows = rows >= FKP_GW_ROWS;
    npy_intp step = by_rows ? ((rows + FKP_GW_PIECES - 1) / FKP_GW_PIECES + 15) / 16 * 16
                            : FKP_GW_FILTERS;
    if (by_rows && step < FKP_GW_ROWS) step = FKP_GW_ROWS;
    const npy_intp pieces = by_rows ? (rows + step - 1) / step : (g->K + step - 1) / step;
    int failed = 0;
    int saved = fkp_blas_threads_begin();
    #pragma omp parallel for schedule(dynamic)
    for (npy_intp piece = 0; piece < pieces; piece++) {
        npy_intp r0 = 0, r1 = rows, k0 = 0, k1 = g->K;
        if (by_rows) {
            r0 = piece * step;
            r1 = r0 + step < rows ? r0 + step : rows;
        } else {
            k0 = piece * step;
            k1 = k0 + step < g->K ? k0 + step : g->K;
        }
        /* An image's output rows in bands whose columns stay in the core's
           cache, but of at least FKP_MIN_POSITIONS positions, below which
           adding each product onto the sum would cost more than it saves. */
        npy_intp band = FKP_PIECE_VALUES / ((r1 - r0) * g->OW);
        if (band * g->OW < FKP_MIN_POSITIONS) band = (FKP_MIN_POSITIONS + g->OW - 1) / g->OW;
        if (band > g->OH) band = g->OH;
        const npy_intp bands = (g->OH + band - 1) / band;
        band = (g->OH + bands - 1) / bands;  /* even bands */
        float* col = fkp_alloc((r1 - r0) * band * g->OW);
        if (col == NULL) {
            #pragma omp atomic write
            failed = 1;
        } else {
            const float one = 1.0f, zero = 0.0f;
            const int m_ = (int)(r1 - r0), n_ = (int)(k1 - k0), ldb = (int)positions;
            const int ldc = (int)rows;
            for (npy_intp n = 0; n < g->N; n++) {
                for (npy_intp o0 = 0; o0 < g->OH; o0 += band) {
                    const npy_intp o1 = o0 + band < g->OH ? o0 + band : g->OH;
                    const int k_ = (int)((o1 - o0) * g->OW);
                    fkp_im2col(g, x + n * image, r0, r1, o0, o1, col, k_);
                    sgemm_(&fkp_t, &fkp_n, &m_, &n_, &k_, &one, col, &k_,
                           gy + (n * g->K + k0) * positions + o0 * g->OW, &ldb,
                           n == 0 && o0 == 0 ? &zero : &one, gw + k0 * rows + r0, &ldc);
                }
            }
        }
        free(col);
    }
    fkp_blas_threads_end(saved);
    if (g->N == 0)
        memset(gw, 0, g->K * rows * sizeof(float));
    return failed ? -1 : 0;
}
