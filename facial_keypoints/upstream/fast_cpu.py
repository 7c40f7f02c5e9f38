"""A faster CPU path: max pooling over non-overlapping windows (of a
rectified input, too), the sum over images and pixels that gives a
convolution's bias gradient, dropout's random numbers and elementwise loops.

Theano's CPU max pooling and its gradient handle any window, stride and
padding, one element at a time; on the tutorial's convnets they took 55% of
a training epoch (the gradient alone 48%). The tutorial's pools are
non-overlapping (2x2 windows, stride 2, no padding, the border ignored),
where the maximum is one pass over each window and the gradient is ``gz``
wherever ``x`` equals its window's maximum, else 0. The two ops below
compute exactly that, in parallel over images and channels; their results
are bit-identical to Theano's (its gradient also goes to every tied
maximum), so training histories do not change.

In the tutorial's convnets each pool takes a rectified convolution: Theano
computes the rectifier over the whole convolution output, pools it, and
on the way back writes the pooling's gradient at full size and then the
rectifier's gradient over it, four passes over the largest tensors of the
net (net2's first layer: 128 x 32 x 94 x 94 floats). :class:`RectifiedMaxPool`
pools the rectified values in one pass over the convolution's output, and
:class:`RectifiedMaxPoolGrad` gives each element the rectifier's gradient
of its pooling gradient in one pass more. Each element is computed by the
C code of the scalar functions Theano's elementwise fusion makes of the
rectifier and its gradient (:data:`RECTIFY`, :data:`RECTIFY_GRAD`), the
rectified values compared with the window's maximum as before, so results
are bit-identical (NaN, infinities and signed zeros included).

The gradient of a convolution's bias is the sum of the output gradient
over images and pixels (axes 0, 2 and 3 of a 4-D float32 tensor), which
Theano accumulates in float64 one element after the other, channel by
channel, in a single thread: 9% of a net2 epoch. :class:`ChannelSum` makes
for every channel the same float64 additions in the same order (images,
then rows, then columns, from 0) and casts the sum at the end as Theano
does, so its result is bit-identical; it sums eight channels side by side
(eight independent chains of additions instead of one) and shares the
channels among OpenMP threads.

Dropout draws its masks from Theano's MRG31k3p generator (``mrg_uniform``),
whose CPU code makes each number in turn, taking its stream's state out of
memory and putting it back (and ``i % n_streams`` for each). Number ``i``
comes from stream ``i % n_streams``, each stream's numbers in order of
``i``: :class:`MRGUniform` makes the same numbers with the same integer
arithmetic, a round of ``n_streams`` numbers at a time, from the states
laid out one array per component and with the conditional subtractions as
selections, which g++ vectorizes across streams, and OpenMP threads take
ranges of streams (draws of at least 65536 numbers); numbers and final
states are bit-identical, in 40% of the time in one thread (Theano's took
5.6% of a Net6RPXL epoch), about 0.6 of that in two.

Theano's elementwise loops (the biases' additions, the rectifiers and
their gradients, the updates) run in one thread unless Theano's ``openmp``
flag is set, which would also change the numerics of Theano's own
convolutions (they then sum the weight gradient per thread).
:func:`local_parallel_elemwise` gives only the elementwise ops OpenMP: each
element is computed by the same code, so results are bit-identical, and
loops of at least ``openmp_elemwise_minsize`` (200000) elements are shared
among the threads (net2's rectifier on its first layer's 36 million
outputs, for instance; see :mod:`.threads` for why OpenMP's idle threads
sleep).

Three Theano optimizations put these ops in place of ``Pool`` and
``MaxPoolGrad``, ``Sum``, and ``mrg_uniform`` when the device is the CPU,
a fourth the rectified pooling ops in place of the pooling ops and the
fused rectifier around them, and a fifth makes the elementwise loops
parallel. Disable them all with
``THEANO_FLAGS=optimizer_excluding=fkp_fast_cpu``, or one by its name:
``local_non_overlapping_max_pool``, ``local_channel_sum``,
``local_mrg_uniform``, ``local_rectified_max_pool``,
``local_parallel_elemwise``.
"""
import platform

import theano
from theano import gof, scalar
from theano.tensor import TensorConstant
from theano.tensor.elemwise import Elemwise, Sum
from theano.tensor.opt import register_specialize_device
from theano.sandbox.rng_mrg import mrg_uniform
from theano.tensor.signal.pool import MaxPoolGrad, Pool

TAG = 'fkp_fast_cpu'



def narrow_vectors():
    """Compile arguments that make g++ vectorize with 128-bit vectors. With
    the 512-bit vectors it takes where the CPU has AVX-512, the pooling
    gradient's loop ran 1.3 to 3.6 times slower (on the CI machine's AMD
    EPYC; AVX2 and SSE2 builds are also fastest with 128-bit vectors)."""
    return ['-mprefer-vector-width=128'] if platform.machine() in ('x86_64', 'AMD64') else []


_PREPARE = """
    PyArrayObject* x_c = PyArray_GETCONTIGUOUS(%(x)s);
    npy_intp N = PyArray_DIMS(x_c)[0], C = PyArray_DIMS(x_c)[1];
    npy_intp H = PyArray_DIMS(x_c)[2], W = PyArray_DIMS(x_c)[3];
    const npy_intp ph = %(ph)d, pw = %(pw)d;
    const npy_intp OH = H / ph, OW = W / pw;
"""


class NonOverlappingOp(gof.OpenMPOp):
    """Base of the pooling ops: a 4-D input pooled over its last two axes
    by windows of ``ws`` with stride ``ws``, no padding, border ignored.

    ``ELEMENT`` defines the two C macros the ops' loops use: ``VALUE(v, r)``,
    the value pooled for an input element ``v``, and ``GRAD(g, v, r)``, the
    input's gradient given what the pooling's gradient gives the value
    (``g``: the window's ``gz`` or 0). Here the value is the element itself.
    """

    __props__ = ('ws',)

    ELEMENT = """
    #define VALUE(v, r) (r) = (v);
    #define GRAD(g, v, r) (r) = (g);
"""

    def __init__(self, ws):
        super(NonOverlappingOp, self).__init__(openmp=True)
        self.ws = tuple(int(w) for w in ws)

    def c_code_cache_version(self):
        return (3,)

    def c_headers(self):
        return ['<math.h>'] + super(NonOverlappingOp, self).c_headers()

    def c_compile_args(self):
        return super(NonOverlappingOp, self).c_compile_args() + narrow_vectors()

    def _code(self, body, sub, **names):
        # In its own block: Theano's `fail` is a goto past the op's code,
        # which C++ forbids across initialisations in the same scope.
        return '{\n' + (_PREPARE + self.ELEMENT + body) % dict(
            sub, ph=self.ws[0], pw=self.ws[1], **names) + '\n#undef VALUE\n#undef GRAD\n}\n'


class NonOverlappingMaxPool(NonOverlappingOp):
    """Max over non-overlapping windows (Theano's ``Pool`` for that case)."""

    def make_node(self, x):
        x = theano.tensor.as_tensor_variable(x)
        out = theano.tensor.TensorType(x.dtype, x.broadcastable)()
        return gof.Apply(self, [x], [out])

    def c_code(self, node, name, inputs, outputs, sub):
        x, = inputs
        z, = outputs
        return self._code("""
    npy_intp dims[4] = {N, C, OH, OW};
    if (%(z)s == NULL || PyArray_NDIM(%(z)s) != 4 || PyArray_DIMS(%(z)s)[0] != N
        || PyArray_DIMS(%(z)s)[1] != C || PyArray_DIMS(%(z)s)[2] != OH
        || PyArray_DIMS(%(z)s)[3] != OW || !PyArray_IS_C_CONTIGUOUS(%(z)s)) {
        Py_XDECREF(%(z)s);
        %(z)s = (PyArrayObject*)PyArray_EMPTY(4, dims, PyArray_TYPE(x_c), 0);
    }
    if (%(z)s == NULL) { Py_XDECREF(x_c); %(fail)s; }
    const dtype_%(x)s* xp = (const dtype_%(x)s*)PyArray_DATA(x_c);
    dtype_%(z)s* zp = (dtype_%(z)s*)PyArray_DATA(%(z)s);
    #pragma omp parallel for schedule(static)
    for (npy_intp nc = 0; nc < N * C; nc++) {
        const dtype_%(x)s* xi = xp + nc * H * W;
        dtype_%(z)s* zi = zp + nc * OH * OW;
        for (npy_intp i = 0; i < OH; i++) {
            for (npy_intp j = 0; j < OW; j++) {
                const dtype_%(x)s* w = xi + i * ph * W + j * pw;
                dtype_%(z)s m, r;
                VALUE(w[0], m);
                for (npy_intp a = 0; a < ph; a++)
                    for (npy_intp b = 0; b < pw; b++) {
                        VALUE(w[a * W + b], r);
                        if (r > m) m = r;
                    }
                zi[i * OW + j] = m;
            }
        }
    }
    Py_XDECREF(x_c);
""", sub, x=x, z=z)


class NonOverlappingMaxPoolGrad(NonOverlappingOp):
    """Gradient of :class:`NonOverlappingMaxPool`: ``gz`` where ``x`` equals
    its window's maximum (every tied maximum, as Theano's), else 0."""

    def make_node(self, x, maxout, gz):
        x, maxout, gz = (theano.tensor.as_tensor_variable(v) for v in (x, maxout, gz))
        return gof.Apply(self, [x, maxout, gz], [x.type()])

    def c_code(self, node, name, inputs, outputs, sub):
        x, maxout, gz = inputs
        gx, = outputs
        return self._code("""
    PyArrayObject* z_c = PyArray_GETCONTIGUOUS(%(maxout)s);
    PyArrayObject* gz_c = PyArray_GETCONTIGUOUS(%(gz)s);
    if (%(gx)s == NULL || !PyArray_SAMESHAPE(%(gx)s, x_c)
        || !PyArray_IS_C_CONTIGUOUS(%(gx)s)) {
        Py_XDECREF(%(gx)s);
        %(gx)s = (PyArrayObject*)PyArray_EMPTY(4, PyArray_DIMS(x_c), PyArray_TYPE(x_c), 0);
    }
    if (%(gx)s == NULL) { Py_XDECREF(x_c); Py_XDECREF(z_c); Py_XDECREF(gz_c); %(fail)s; }
    const dtype_%(x)s* xp = (const dtype_%(x)s*)PyArray_DATA(x_c);
    const dtype_%(maxout)s* zp = (const dtype_%(maxout)s*)PyArray_DATA(z_c);
    const dtype_%(gz)s* gzp = (const dtype_%(gz)s*)PyArray_DATA(gz_c);
    dtype_%(gx)s* gxp = (dtype_%(gx)s*)PyArray_DATA(%(gx)s);
    const dtype_%(gz)s zero = 0;
    #pragma omp parallel for schedule(static)
    for (npy_intp nc = 0; nc < N * C; nc++) {
        const dtype_%(x)s* xi = xp + nc * H * W;
        dtype_%(gx)s* gi = gxp + nc * H * W;
        for (npy_intp i = 0; i < OH; i++) {
            for (npy_intp j = 0; j < OW; j++) {
                const dtype_%(maxout)s m = zp[nc * OH * OW + i * OW + j];
                const dtype_%(gz)s g = gzp[nc * OH * OW + i * OW + j];
                for (npy_intp a = 0; a < ph; a++) {
                    npy_intp k = (i * ph + a) * W + j * pw;
                    for (npy_intp b = 0; b < pw; b++, k++) {
                        dtype_%(x)s r;
                        VALUE(xi[k], r);
                        GRAD((r == m) ? g : zero, xi[k], gi[k]);
                    }
                }
            }
        }
        for (npy_intp i = 0; i < H; i++)  /* rows and columns no window covers */
            for (npy_intp j = (i < OH * ph) ? OW * pw : 0; j < W; j++)
                GRAD(zero, xi[i * W + j], gi[i * W + j]);
    }
    Py_XDECREF(x_c); Py_XDECREF(z_c); Py_XDECREF(gz_c);
""", sub, x=x, maxout=maxout, gz=gz, gx=gx)


def _rectifier(half, x):
    """Lasagne 0.1's ``rectify``, ``0.5 * (x + abs(x))``, as the scalar
    function Theano's elementwise fusion makes of it."""
    return half * (x + abs(x))


def _rectifier_grad(half, g, x):
    """The rectifier's gradient as Theano fuses it: ``0.5 * g + 0.5 * g *
    sgn(x)``."""
    return half * g + scalar.mul(half, g, scalar.sgn(x))


def _float32_composite(function, nin):
    inputs = [scalar.float32() for _ in range(nin)]
    return scalar.Composite(inputs, [function(*inputs)])


#: The two scalar functions, float32, equal (same C code) to those in the
#: fused ops of a Lasagne convolution's rectifier and its gradient.
RECTIFY = _float32_composite(_rectifier, 2)
RECTIFY_GRAD = _float32_composite(_rectifier_grad, 3)


def _scalar_macro(signature, composite, inputs, output, name):
    """A C macro of the statements Theano's elementwise loop runs for one
    element of ``composite``."""
    code = composite.c_code(None, name, inputs, [output], {'id': name, 'fail': ''})
    return '    #define {} {}\n'.format(signature, code.replace('\n', ' '))


def float32_input(x):
    """``x`` as a tensor, which the rectifier's float32 code requires."""
    x = theano.tensor.as_tensor_variable(x)
    if x.dtype != 'float32':
        raise TypeError('the rectified pooling ops take float32, not ' + x.dtype)
    return x


class RectifiedMaxPool(NonOverlappingMaxPool):
    """:class:`NonOverlappingMaxPool` of a rectified float32 input, in one
    pass: each window's maximum of ``0.5 * (x + abs(x))``, computed element
    by element as Theano's fused rectifier does."""

    ELEMENT = ('    const npy_float32 half = 0.5f;\n'
               + _scalar_macro('VALUE(v, r)', RECTIFY, ['half', '(v)'], '(r)', 'r')
               + _scalar_macro('GRAD(g, v, r)', RECTIFY_GRAD, ['half', '(g)', '(v)'], '(r)',
                               'rg'))

    def make_node(self, x):
        return super(RectifiedMaxPool, self).make_node(float32_input(x))


class RectifiedMaxPoolGrad(NonOverlappingMaxPoolGrad):
    """The gradient with respect to ``x`` of :class:`RectifiedMaxPool`, in
    one pass: for each element, the rectifier's fused gradient (as Theano
    computes it) of what :class:`NonOverlappingMaxPoolGrad` gives the
    rectified ``x`` (``gz`` where it equals its window's maximum, else 0;
    0 also in the rows and columns no window covers)."""

    ELEMENT = RectifiedMaxPool.ELEMENT

    def make_node(self, x, maxout, gz):
        return super(RectifiedMaxPoolGrad, self).make_node(float32_input(x), maxout, gz)


class ChannelSum(gof.OpenMPOp):
    """Sum of a 4-D float32 tensor over axes 0, 2 and 3, accumulated in
    float64 in Theano's order and cast to ``dtype`` (Theano's ``Sum`` with
    ``acc_dtype='float64'`` for that case)."""

    __props__ = ('dtype',)

    #: Channels summed side by side, each in its own accumulator.
    GROUP = 8

    def __init__(self, dtype):
        super(ChannelSum, self).__init__(openmp=True)
        self.dtype = str(dtype)

    def c_code_cache_version(self):
        return (1,)

    def make_node(self, x):
        x = theano.tensor.as_tensor_variable(x)
        out = theano.tensor.TensorType(self.dtype, (x.broadcastable[1],))()
        return gof.Apply(self, [x], [out])

    def c_code(self, node, name, inputs, outputs, sub):
        x, = inputs
        z, = outputs
        # In its own block (see NonOverlappingOp._code).
        return """{
    PyArrayObject* x_c = PyArray_GETCONTIGUOUS(%(x)s);
    const npy_intp N = PyArray_DIMS(x_c)[0], C = PyArray_DIMS(x_c)[1];
    const npy_intp P = PyArray_DIMS(x_c)[2] * PyArray_DIMS(x_c)[3];
    if (%(z)s == NULL || PyArray_DIMS(%(z)s)[0] != C || !PyArray_IS_C_CONTIGUOUS(%(z)s)) {
        Py_XDECREF(%(z)s);
        %(z)s = (PyArrayObject*)PyArray_EMPTY(1, &C, %(type)s, 0);
    }
    if (%(z)s == NULL) { Py_XDECREF(x_c); %(fail)s; }
    const npy_float32* xp = (const npy_float32*)PyArray_DATA(x_c);
    dtype_%(z)s* zp = (dtype_%(z)s*)PyArray_DATA(%(z)s);
    const npy_intp G = %(group)d, groups = (C + G - 1) / G;
    #pragma omp parallel for schedule(static)
    for (npy_intp g = 0; g < groups; g++) {
        const npy_intp c0 = g * G, m = C - c0 < G ? C - c0 : G;
        npy_float64 acc[%(group)d] = {0};
        if (m == G) {
            for (npy_intp n = 0; n < N; n++) {
                const npy_float32* b = xp + (n * C + c0) * P;
                for (npy_intp i = 0; i < P; i++)
                    for (npy_intp k = 0; k < G; k++)
                        acc[k] = acc[k] + b[k * P + i];
            }
        } else {
            for (npy_intp k = 0; k < m; k++)
                for (npy_intp n = 0; n < N; n++) {
                    const npy_float32* b = xp + (n * C + c0 + k) * P;
                    for (npy_intp i = 0; i < P; i++)
                        acc[k] = acc[k] + b[i];
                }
        }
        for (npy_intp k = 0; k < m; k++)
            zp[c0 + k] = (dtype_%(z)s)acc[k];
    }
    Py_XDECREF(x_c);
}
""" % dict(sub, x=x, z=z, group=self.GROUP,
           type=theano.tensor.TensorType(self.dtype, (False,)).dtype_specs()[2])


#: Theano's mrg_uniform calls ``cpu_rng_mrg_uniform_<dtype>(sample, rstate,
#: n_elements, n_streams)`` of its support code; these are the same
#: functions, made faster (see the module's docstring).
_MRG = r"""
#ifdef _OPENMP
#include <omp.h>
#endif

#define FKP_MRG_CONSTANTS \
    const npy_int32 i7 = 7, i9 = 9, i15 = 15, i16 = 16, i22 = 22, i24 = 24; \
    const npy_int32 M1 = 2147483647, M2 = 2147462579; \
    const npy_int32 MASK12 = 511, MASK13 = 16777215, MASK2 = 65535, MULT2 = 21069;

/* One MRG31k3p step of the state (x11 .. x23), Theano's arithmetic with
   its tests "if (y < 0 || y >= M) y -= M" as selections; the number,
   before scaling, into `u`. */
#define FKP_MRG_STEP(u) { \
    npy_int32 y1, y2; \
    y1 = ((x12 & MASK12) << i22) + (x12 >> i9) + ((x13 & MASK13) << i7) + (x13 >> i24); \
    y1 -= ((y1 < 0) | (y1 >= M1)) ? M1 : 0; \
    y1 += x13; \
    y1 -= ((y1 < 0) | (y1 >= M1)) ? M1 : 0; \
    x13 = x12; x12 = x11; x11 = y1; \
    y1 = ((x21 & MASK2) << i15) + (MULT2 * (x21 >> i16)); \
    y1 -= ((y1 < 0) | (y1 >= M2)) ? M2 : 0; \
    y2 = ((x23 & MASK2) << i15) + (MULT2 * (x23 >> i16)); \
    y2 -= ((y2 < 0) | (y2 >= M2)) ? M2 : 0; \
    y2 += x23; \
    y2 -= ((y2 < 0) | (y2 >= M2)) ? M2 : 0; \
    y2 += y1; \
    y2 -= ((y2 < 0) | (y2 >= M2)) ? M2 : 0; \
    x23 = x22; x22 = x21; x21 = y2; \
    u = x11 - x21 + ((x11 <= x21) ? M1 : 0); }
"""

_MRG_DTYPE = r"""
void cpu_rng_mrg_uniform_%(dtype)s(PyArrayObject* o_sample, PyArrayObject* o_rstate,
                                   npy_int64 n_elements, int n_streams)
{
    FKP_MRG_CONSTANTS
    %(dtype)s* sample = (%(dtype)s*)PyArray_DATA(o_sample);
    npy_int32* state = (npy_int32*)PyArray_DATA(o_rstate);
    const npy_int64 used = n_elements < n_streams ? n_elements : n_streams;
    npy_int32* v = (npy_int32*)malloc((used > 0 ? used : 1) * 6 * sizeof(npy_int32));
    if (v == NULL) {  /* Theano's order, without the state arrays */
        for (npy_int64 i = 0; i < n_elements; i++) {
            npy_int32* st = state + (i %% n_streams) * 6;
            npy_int32 x11 = st[0], x12 = st[1], x13 = st[2], x21 = st[3], x22 = st[4], x23 = st[5];
            npy_int32 u;
            FKP_MRG_STEP(u)
            sample[i] = u * %(norm)s;
            st[0] = x11; st[1] = x12; st[2] = x13; st[3] = x21; st[4] = x22; st[5] = x23;
        }
        return;
    }
    npy_int32 *v11 = v, *v12 = v + used, *v13 = v + 2 * used;
    npy_int32 *v21 = v + 3 * used, *v22 = v + 4 * used, *v23 = v + 5 * used;
    for (npy_int64 k = 0; k < used; k++) {
        v11[k] = state[6 * k]; v12[k] = state[6 * k + 1]; v13[k] = state[6 * k + 2];
        v21[k] = state[6 * k + 3]; v22[k] = state[6 * k + 4]; v23[k] = state[6 * k + 5];
    }
    /* Streams are independent: threads take ranges of them, in multiples
       of 16 (whole cache lines of the states and of each round's numbers). */
    #pragma omp parallel if (n_elements >= FKP_MRG_PARALLEL_MIN)
    {
        npy_int64 k0 = 0, k1 = used;
#ifdef _OPENMP
        const int parts = omp_get_num_threads(), part = omp_get_thread_num();
        const npy_int64 step = ((used + parts - 1) / parts + 15) / 16 * 16;
        k0 = part * step < used ? part * step : used;
        k1 = k0 + step < used ? k0 + step : used;
#endif
        for (npy_int64 base = 0; base < n_elements; base += n_streams) {
            const npy_int64 m = n_elements - base < used ? n_elements - base : used;
            const npy_int64 end = m < k1 ? m : k1;
            %(dtype)s* out = sample + base;
            for (npy_int64 k = k0; k < end; k++) {
                npy_int32 x11 = v11[k], x12 = v12[k], x13 = v13[k];
                npy_int32 x21 = v21[k], x22 = v22[k], x23 = v23[k];
                npy_int32 u;
                FKP_MRG_STEP(u)
                out[k] = u * %(norm)s;
                v11[k] = x11; v12[k] = x12; v13[k] = x13;
                v21[k] = x21; v22[k] = x22; v23[k] = x23;
            }
        }
    }
    for (npy_int64 k = 0; k < used; k++) {
        state[6 * k] = v11[k]; state[6 * k + 1] = v12[k]; state[6 * k + 2] = v13[k];
        state[6 * k + 3] = v21[k]; state[6 * k + 4] = v22[k]; state[6 * k + 5] = v23[k];
    }
    free(v);
}
"""


#: Fewer numbers than this are drawn in one thread: waking the others
#: would cost more.
MRG_PARALLEL_MIN = 1 << 16


class MRGUniform(mrg_uniform):
    """Theano's ``mrg_uniform`` (CPU, float32 or float64) with faster
    support code; its results, numbers and states, are the same to the bit.
    A subclass, so that Theano's optimization making it in place applies."""

    def c_support_code(self):
        # Theano scales with these float literals (its NORM for each dtype).
        return ('#define FKP_MRG_PARALLEL_MIN %d\n' % MRG_PARALLEL_MIN + _MRG + ''.join(
            _MRG_DTYPE % dict(dtype=dtype, norm=norm) for dtype, norm in (
                ('npy_float32', '4.6566126e-10f'),
                ('npy_float64', '4.656612873077392578125e-10'))))

    def c_compile_args(self):
        # OpenMP where g++ has it, as Theano's OpenMPOp decides.
        if gof.OpenMPOp.gxx_support_openmp is None:
            gof.OpenMPOp.gxx_support_openmp = gof.OpenMPOp.test_gxx_support()
        return ['-fopenmp'] if gof.OpenMPOp.gxx_support_openmp else []

    def c_code_cache_version(self):
        return (2,) + super(MRGUniform, self).c_code_cache_version()


@gof.local_optimizer([mrg_uniform])
def local_mrg_uniform(node):
    """mrg_uniform -> MRGUniform, for float32 and float64 numbers."""
    op = node.op
    if type(op) is mrg_uniform and op.output_type.dtype in ('float32', 'float64'):
        return MRGUniform(op.output_type, inplace=op.inplace)(*node.inputs)
    return None


def non_overlapping_window(op, x, ws, stride, pad):
    """The window (h, w) when a pooling node is the non-overlapping case."""
    if op.ndim != 2 or not op.ignore_border or op.mode != 'max' or x.ndim != 4:
        return None
    if not all(isinstance(v, TensorConstant) for v in (ws, stride, pad)):
        return None
    window, step, padding = (tuple(int(i) for i in v.data) for v in (ws, stride, pad))
    if window != step or any(padding):
        return None
    return window


@gof.local_optimizer([Sum])
def local_channel_sum(node):
    """Sum over axes 0, 2 and 3 of a float32 4-D tensor -> ChannelSum."""
    x, = node.inputs
    if (type(node.op) is Sum and tuple(node.op.axis or ()) == (0, 2, 3)
            and node.op.acc_dtype == 'float64' and x.ndim == 4 and x.dtype == 'float32'
            and node.op.dtype in ('float32', 'float64')):
        return [ChannelSum(node.op.dtype)(x)]
    return None


def is_half(var):
    """Whether ``var`` is a constant 0.5 (broadcast), as in the rectifier."""
    return (isinstance(var, TensorConstant) and var.data.size == 1
            and bool(var.data == 0.5) and var.broadcastable == (True,) * var.ndim)


def rectified(var):
    """``x`` where ``var`` is Theano's fused float32 rectifier of a 4-D ``x``."""
    node = var.owner
    if (node is None or type(node.op) is not Elemwise or node.op.scalar_op != RECTIFY
            or var.ndim != 4 or not is_half(node.inputs[0])):
        return None
    x = node.inputs[1]
    return x if x.type == var.type else None


@gof.local_optimizer([NonOverlappingMaxPool, Elemwise])
def local_rectified_max_pool(node):
    """Pooling of a rectified x, and the rectifier's gradient of the
    pooling's gradient -> the rectified pooling ops, on x."""
    if type(node.op) is NonOverlappingMaxPool:
        x = rectified(node.inputs[0])
        if x is not None:
            return [RectifiedMaxPool(node.op.ws)(x)]
    elif type(node.op) is Elemwise and node.op.scalar_op == RECTIFY_GRAD:
        half, pool_grad, x = node.inputs
        grad_node = pool_grad.owner
        if (is_half(half) and grad_node is not None
                and type(grad_node.op) is NonOverlappingMaxPoolGrad
                and rectified(grad_node.inputs[0]) is x and node.outputs[0].type == x.type):
            maxout, gz = grad_node.inputs[1:]
            return [RectifiedMaxPoolGrad(grad_node.op.ws)(x, maxout, gz)]
    return None


@gof.local_optimizer([Pool, MaxPoolGrad])
def local_non_overlapping_max_pool(node):
    """Pool / MaxPoolGrad -> the non-overlapping ops, where they apply."""
    if type(node.op) is Pool:
        x, ws, stride, pad = node.inputs
        window = non_overlapping_window(node.op, x, ws, stride, pad)
        if window:
            return [NonOverlappingMaxPool(window)(x)]
    elif type(node.op) is MaxPoolGrad:
        x, maxout, gz, ws, stride, pad = node.inputs
        window = non_overlapping_window(node.op, x, ws, stride, pad)
        if window:
            return [NonOverlappingMaxPoolGrad(window)(x, maxout, gz)]
    return None


class ParallelElemwise(Elemwise):
    """Theano's elementwise op with OpenMP (a type of its own, so that
    Theano's merge optimization, which compares ops by type and
    ``__props__``, does not take it for the one it replaces)."""


@gof.local_optimizer([Elemwise])
def local_parallel_elemwise(node):
    """An elementwise op on matrices or larger -> the same with OpenMP."""
    op = node.op
    if type(op) is not Elemwise or node.outputs[0].ndim < 2:
        return None
    parallel = ParallelElemwise(op.scalar_op, op.inplace_pattern, name=op.name,
                                nfunc_spec=op.nfunc_spec, openmp=True)
    return parallel(*node.inputs, return_list=True)


#: After Theano's elementwise fusion (49) and in-place (75) optimizations,
#: which make new ops with the default ``openmp`` flag.
PARALLEL_ELEMWISE_POSITION = 99


#: After the elementwise fusion (49), which makes the rectifier and its
#: gradient the composites matched, before the in-place optimizations.
RECTIFIED_MAX_POOL_POSITION = 49.6


def enable():
    """Register the optimizations (on the CPU only: on a GPU, Theano moves
    pooling to the GPU later in the pipeline, and these ops would stop it)."""
    if theano.config.device == 'cpu' and not getattr(enable, 'done', False):
        for optimization in (local_non_overlapping_max_pool, local_channel_sum,
                             local_mrg_uniform):
            register_specialize_device(optimization, TAG, 'fast_run')
        theano.compile.optdb.register(
            'local_parallel_elemwise',
            gof.opt.in2out(local_parallel_elemwise, name='local_parallel_elemwise'),
            PARALLEL_ELEMWISE_POSITION, 'fast_run', TAG)
        theano.compile.optdb.register(
            'local_rectified_max_pool',
            gof.opt.in2out(local_rectified_max_pool, name='local_rectified_max_pool'),
            RECTIFIED_MAX_POOL_POSITION, 'fast_run', TAG)
        enable.done = True
