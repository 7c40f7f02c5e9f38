"""A faster CPU path: 2-D convolution and its two gradients.

Theano's CPU convolution (``CorrMM`` and its gradients ``CorrMM_gradWeights``
and ``CorrMM_gradInputs``) unfolds one image at a time into columns
("im2col") in a single thread, then multiplies them in one BLAS call per
image, many of them too small to keep the cores busy.

The ops below do the same arithmetic in a different schedule. The work is
cut into independent pieces that OpenMP threads take, each thread calling
the single-threaded BLAS on its own piece:

* forward and gradient w.r.t. the inputs: a piece is either a band of
  output rows of one image (large images, so that its columns stay in the
  core's cache) or several whole images (small ones, so that each BLAS
  call is large enough to run at full speed; for the gradient, small
  images with many column rows, as in Net6RPXL's 9x9 layer, go in groups
  whose columns are computed and folded a chunk of rows at a time);
* gradient w.r.t. the weights: a piece is a range of rows of the weight
  gradient (or, for a first layer's few rows, a range of its filters),
  summed over the images in order, as Theano does, each image's product
  in bands of output rows whose columns stay in the core's cache.

Where a convolution's output is used only by the addition of its bias
(Lasagne's ``conved + b.dimshuffle('x', 0, 'x', 'x')``), :class:`FastCorrBias`
adds the bias to each piece's outputs while they are in the core's cache:
the float32 additions of Theano's elementwise op, without a pass of their
own over all outputs.

Numerics. The pieces are cut by the operands' shapes alone, never by the
number of threads, so results are the same to the bit on any number of
threads. Each output element is the same sum of the same products as in
Theano's op, made by BLAS calls of other widths (and, for the weight
gradient, over bands of positions): whether OpenBLAS rounds those alike
depends on its kernels (alike for the forward pass and the input gradient
with its Cooperlake kernels, not with its Haswell ones), so results are
within float32 rounding of Theano's (tests/test_fast_conv.py checks 64
roundoffs of the sum of the terms' magnitudes), and training histories
differ from those of Theano's own ops in the last digits.

Only what the project's nets use is covered: float32, no padding, any
stride, no dilation, no groups, shared weights, and OpenBLAS as Theano's
BLAS (its thread count is set to 1 while the ops run). Anything else keeps
Theano's ops. A Theano optimization puts these in place of Theano's when
the device is the CPU and Theano's BLAS is OpenBLAS. Disable it, for
Theano's own numerics, with
``THEANO_FLAGS=optimizer_excluding=fkp_fast_conv`` (the bias addition
alone: ``optimizer_excluding=local_fast_conv_bias``).
"""
import theano
from theano import gof
from theano.tensor import blas_headers
from theano.tensor.blas import ldflags
from theano.tensor.nnet.corr import CorrMM, CorrMM_gradInputs, CorrMM_gradWeights
from theano.tensor.opt import register_specialize_device

TAG = 'fkp_fast_conv'

#: Aim for pieces of about this many column values (1 MiB of float32): a
#: piece's columns, written by the unfold and read by the BLAS, then stay
#: in the core's L2 cache.
_PIECE_VALUES = 1 << 18

#: ... but no BLAS call with fewer output positions than this, below which
#: its fixed costs (packing the weights) dominate.
_MIN_POSITIONS = 256

#: The gradient w.r.t. the inputs of small images with many column rows
#: groups them into products of at least this many positions (see
#: ``fkp_grad_inputs_cut``).
_GROUP_POSITIONS = 512

_SUPPORT = r"""
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

/* OpenBLAS computes products of up to this many multiply-adds (m n k) with
   separate kernels for small matrices. */
#define FKP_SMALL_PRODUCT 1e6

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

/* The BLAS runs single-threaded inside our threads; restored afterwards. */
static int fkp_blas_threads_begin(void)
{
    int saved = openblas_get_num_threads();
    openblas_set_num_threads(1);
    return saved;
}

static void fkp_blas_threads_end(int saved) { openblas_set_num_threads(saved); }

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
"""


class FastConvOp(gof.OpenMPOp):
    """Base of the three ops: float32, no padding, stride ``subsample``."""

    __props__ = ('subsample',)

    #: How many inputs: two 4-D arrays, then the two sizes the op needs
    #: (:class:`FastCorrBias`: then the bias).
    n_inputs = None
    #: The output's first two axes broadcast as these (input, axis) do.
    out_broadcastable = None
    #: C code that fills the geometry ``g`` from the two arrays' shapes
    #: ``da`` and ``db`` and the sizes ``s0`` and ``s1``; what the shapes
    #: must satisfy besides what every op checks; the output's shape; and
    #: the support code's function that computes it, ``function(&g, a, b,
    #: out)``.
    geometry = match = dims = function = None
    #: C code that takes the third input (``c_c``), and what the function
    #: gets after the output.
    third = ''
    more_args = ''

    def __init__(self, subsample=(1, 1)):
        super(FastConvOp, self).__init__(openmp=True)
        self.subsample = tuple(int(s) for s in subsample)

    def c_code_cache_version(self):
        return (10, blas_headers.blas_header_version())

    def c_support_code(self):
        return (blas_headers.blas_header_text() + blas_headers.openblas_threads_text()
                + '#define FKP_PIECE_VALUES %d\n#define FKP_MIN_POSITIONS %d\n'
                '#define FKP_GROUP_POSITIONS %d\n'
                % (_PIECE_VALUES, _MIN_POSITIONS, _GROUP_POSITIONS) + _SUPPORT)

    def c_libraries(self):
        return ldflags()

    def c_lib_dirs(self):
        return ldflags(libs=False, libs_dir=True)

    def c_header_dirs(self):
        return ldflags(libs=False, include_dir=True)

    def c_compile_args(self):
        return ldflags(libs=False, flags=True) + super(FastConvOp, self).c_compile_args()

    def make_node(self, *inputs):
        if len(inputs) != self.n_inputs:
            raise TypeError('{} takes {} inputs'.format(type(self).__name__, self.n_inputs))
        inputs = [theano.tensor.as_tensor_variable(v) for v in inputs]
        out = theano.tensor.TensorType('float32', tuple(
            inputs[i].broadcastable[axis] for i, axis in self.out_broadcastable)
            + (False, False))()
        return gof.Apply(self, inputs, [out])

    def c_code(self, node, name, inputs, outputs, sub):
        sizes = ''.join('    const npy_intp s%d = PyArray_PyIntAsIntp((PyObject*)%s);\n'
                        % (i, v) for i, v in enumerate(inputs[2:])) if not self.third else ''
        release = 'Py_XDECREF(a_c); Py_XDECREF(b_c);' + (' Py_XDECREF(c_c);' if self.third else '')
        # In its own block: Theano's `fail` is a goto past the op's code,
        # which C++ forbids across initialisations in the same scope.
        return '{\n' + _CALL % dict(
            sub, a=inputs[0], b=inputs[1], out=outputs[0],
            sizes=sizes + (self.third % dict(c=inputs[2]) if self.third else ''),
            release=release, more_args=self.more_args,
            geometry=self.geometry, match=self.match, dims=self.dims,
            function=self.function, op=type(self).__name__,
            sh=self.subsample[0], sw=self.subsample[1]) + '\n}\n'


_CALL = """
    PyArrayObject* a_c = PyArray_GETCONTIGUOUS(%(a)s);
    PyArrayObject* b_c = PyArray_GETCONTIGUOUS(%(b)s);
    const npy_intp* da = PyArray_DIMS(a_c);
    const npy_intp* db = PyArray_DIMS(b_c);
%(sizes)s    fkp_geom g;
    g.sh = %(sh)d; g.sw = %(sw)d;
    %(geometry)s
    if (!(%(match)s) || g.kh < 1 || g.kw < 1 || g.kh > g.H || g.kw > g.W
        || g.OH != (g.H - g.kh) / g.sh + 1 || g.OW != (g.W - g.kw) / g.sw + 1) {
        PyErr_SetString(PyExc_ValueError, "%(op)s: inconsistent shapes");
        %(release)s %(fail)s;
    }
    npy_intp dims[4] = {%(dims)s};
    /* Reuse the previous output when it has the shape. */
    if (%(out)s == NULL || PyArray_NDIM(%(out)s) != 4
        || PyArray_DIMS(%(out)s)[0] != dims[0] || PyArray_DIMS(%(out)s)[1] != dims[1]
        || PyArray_DIMS(%(out)s)[2] != dims[2] || PyArray_DIMS(%(out)s)[3] != dims[3]
        || !PyArray_IS_C_CONTIGUOUS(%(out)s)) {
        Py_XDECREF(%(out)s);
        %(out)s = (PyArrayObject*)PyArray_EMPTY(4, dims, NPY_FLOAT32, 0);
    }
    if (%(out)s == NULL) { %(release)s %(fail)s; }
    if (%(function)s(&g, (const float*)PyArray_DATA(a_c), (const float*)PyArray_DATA(b_c),
                     (float*)PyArray_DATA(%(out)s)%(more_args)s) != 0) {
        PyErr_NoMemory(); %(release)s %(fail)s;
    }
    %(release)s
"""


class FastCorr(FastConvOp):
    """Correlation of images with filters (Theano's ``CorrMM``, valid mode):
    inputs ``(img, kern)``."""

    n_inputs, out_broadcastable = 2, ((0, 0), (1, 0))
    function, match, dims = 'fkp_forward', 'db[1] == g.C', 'g.N, g.K, g.OH, g.OW'
    more_args = ', NULL'
    geometry = """
    g.N = da[0]; g.C = da[1]; g.H = da[2]; g.W = da[3];
    g.K = db[0]; g.kh = db[2]; g.kw = db[3];
    g.OH = (g.H - g.kh) / g.sh + 1; g.OW = (g.W - g.kw) / g.sw + 1;"""


class FastCorrBias(FastCorr):
    """:class:`FastCorr` plus a bias per filter (Lasagne's ``conved +
    b.dimshuffle('x', 0, 'x', 'x')``), added to each piece's outputs while
    they are in the core's cache instead of in a pass of their own over all
    of them: inputs ``(img, kern, bias)``."""

    n_inputs = 3
    match = 'db[1] == g.C && PyArray_DIMS(c_c)[0] == g.K'
    third = '    PyArrayObject* c_c = PyArray_GETCONTIGUOUS(%(c)s);\n'
    more_args = ', (const float*)PyArray_DATA(c_c)'


class FastCorrGradWeights(FastConvOp):
    """Gradient of :class:`FastCorr` w.r.t. the filters (Theano's
    ``CorrMM_gradWeights``): inputs ``(img, topgrad, kh, kw)``."""

    n_inputs, out_broadcastable = 4, ((1, 1), (0, 1))
    function, match, dims = 'fkp_grad_weights', 'db[0] == g.N', 'g.K, g.C, g.kh, g.kw'
    geometry = """
    g.N = da[0]; g.C = da[1]; g.H = da[2]; g.W = da[3];
    g.K = db[1]; g.OH = db[2]; g.OW = db[3]; g.kh = s0; g.kw = s1;"""


class FastCorrGradInputs(FastConvOp):
    """Gradient of :class:`FastCorr` w.r.t. the images (Theano's
    ``CorrMM_gradInputs``): inputs ``(kern, topgrad, h, w)``."""

    n_inputs, out_broadcastable = 4, ((1, 0), (0, 1))
    function, match, dims = 'fkp_grad_inputs', 'db[1] == g.K', 'g.N, g.C, g.H, g.W'
    geometry = """
    g.K = da[0]; g.C = da[1]; g.kh = da[2]; g.kw = da[3];
    g.N = db[0]; g.OH = db[2]; g.OW = db[3]; g.H = s0; g.W = s1;"""


def _covered(node):
    """True when a CorrMM node is a case the ops above compute exactly."""
    op = node.op
    return (op.pad == ((0, 0), (0, 0)) and tuple(op.filter_dilation) == (1, 1)
            and op.num_groups == 1 and not op.unshared
            and all(v.dtype == 'float32' for v in node.inputs[:2])
            and all(v.ndim == 4 for v in node.inputs[:2]))


def _same_type(new, old):
    return theano.tensor.patternbroadcast(new, old.broadcastable)


@gof.local_optimizer([CorrMM, CorrMM_gradWeights, CorrMM_gradInputs])
def local_fast_conv(node):
    """Theano's CorrMM ops -> the ops above, where they apply."""
    if type(node.op) not in (CorrMM, CorrMM_gradWeights, CorrMM_gradInputs) \
            or not _covered(node):
        return None
    stride = node.op.subsample
    out = node.outputs[0]
    if type(node.op) is CorrMM:
        return [_same_type(FastCorr(stride)(*node.inputs), out)]
    first, topgrad = node.inputs[:2]
    if len(node.inputs) == 4:
        size = node.inputs[2:]
    elif stride == (1, 1):
        # Without a shape, Theano's ops infer it for stride 1 only.
        if type(node.op) is CorrMM_gradWeights:
            size = [first.shape[i] - topgrad.shape[i] + 1 for i in (2, 3)]
        else:
            size = [topgrad.shape[i] + first.shape[i] - 1 for i in (2, 3)]
    else:
        return None
    op = FastCorrGradWeights if type(node.op) is CorrMM_gradWeights else FastCorrGradInputs
    return [_same_type(op(stride)(first, topgrad, *size), out)]


@gof.local_optimizer([theano.tensor.Elemwise])
def local_fast_conv_bias(node):
    """FastCorr's output plus a float32 bias per filter -> FastCorrBias,
    where the sum is the only use of the convolution's output."""
    op = node.op
    if (type(op) is not theano.tensor.Elemwise or op.inplace_pattern
            or not isinstance(op.scalar_op, theano.scalar.Add) or len(node.inputs) != 2):
        return None
    conv, bias = node.inputs
    if not (conv.owner and type(conv.owner.op) is FastCorr and len(conv.clients) == 1):
        return None
    if not (bias.owner and isinstance(bias.owner.op, theano.tensor.DimShuffle)
            and tuple(bias.owner.op.new_order) == ('x', 0, 'x', 'x')):
        return None
    b = bias.owner.inputs[0]
    if b.dtype != 'float32' or node.outputs[0].dtype != 'float32':
        return None
    out = FastCorrBias(conv.owner.op.subsample)(*(conv.owner.inputs + [b]))
    return [_same_type(out, node.outputs[0])]


def available():
    """True when Theano's BLAS is OpenBLAS, whose thread count the ops set."""
    return theano.config.device == 'cpu' and 'openblas' in theano.config.blas.ldflags


def enable():
    """Register the optimization (on the CPU with OpenBLAS only: on a GPU,
    Theano moves convolutions to the GPU later in the pipeline)."""
    if available() and not getattr(enable, 'done', False):
        register_specialize_device(local_fast_conv, TAG, 'fast_run')
        register_specialize_device(local_fast_conv_bias, TAG, 'fast_run')
        enable.done = True
