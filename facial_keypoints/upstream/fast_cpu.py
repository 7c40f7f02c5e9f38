"""A faster CPU path: max pooling over non-overlapping windows (of a
rectified input, too), the sum over images and pixels that gives a
convolution's bias gradient, dropout's random numbers and elementwise loops.
Each op computes every element with the arithmetic of Theano's own, in
the same order, so results are bit-identical to Theano's and the same on
any number of threads:

* :class:`NonOverlappingMaxPool` and its gradient: the tutorial's pools
  (2x2 windows, stride 2, no padding, border ignored) as one pass over each
  window, in parallel over images and channels; the gradient goes to every
  tied maximum, as Theano's.
* :class:`RectifiedMaxPool` and its gradient: a pool of a rectified
  convolution in one pass over the convolution's output, and the
  rectifier's gradient of the pooling gradient in one pass more, where
  Theano makes four; each element by the C code of the scalar functions
  Theano's fusion makes of the rectifier and its gradient
  (:data:`RECTIFY`, :data:`RECTIFY_GRAD`).
* :class:`ChannelSum`: a convolution's bias gradient, the float64
  additions of Theano's ``Sum`` in its order, eight channels side by side
  and the channels shared among threads.
* :class:`MRGUniform`: dropout's MRG31k3p numbers a round of streams at a
  time (C code in ``c_code/``), vectorized, the streams shared among
  threads; numbers and final states as Theano's.
* :func:`local_parallel_elemwise`: Theano's elementwise loops of at least
  ``openmp_elemwise_minsize`` elements on OpenMP's threads (Theano's own
  ``openmp`` flag would also change its convolutions' numerics).

Theano optimizations put these in place when the device is the CPU.
Disable them all with ``THEANO_FLAGS=optimizer_excluding=fkp_fast_cpu``, or
one by its name: ``local_non_overlapping_max_pool``, ``local_channel_sum``,
``local_mrg_uniform``, ``local_rectified_max_pool``,
``local_parallel_elemwise``. What each buys: docs/performance.rst.
"""
import platform

import theano
from theano import gof, scalar
from theano.tensor import TensorConstant
from theano.tensor.elemwise import Elemwise, Sum
from theano.tensor.opt import register_specialize_device
from theano.sandbox.rng_mrg import mrg_uniform
from theano.tensor.signal.pool import MaxPoolGrad, Pool

from . import c_sources

TAG = 'fkp_fast_cpu'



def narrow_vectors():
    """Compile arguments that make g++ vectorize with 128-bit vectors: with
    the 512-bit vectors it takes where the CPU has AVX-512, the pooling
    gradient's loop is slower (docs/performance.rst)."""
    return ['-mprefer-vector-width=128'] if platform.machine() in ('x86_64', 'AMD64') else []


class NonOverlappingOp(gof.OpenMPOp):
    """Base of the pooling ops: a 4-D input pooled over its last two axes
    by windows of ``ws`` with stride ``ws``, no padding, border ignored.

    The op's code is its four ``C_FILES`` of c_code/: the start, the
    element's two C macros the loops use (:meth:`element`), the op's loop,
    the end.
    """

    __props__ = ('ws',)

    C_FILES = None

    def __init__(self, ws):
        super().__init__(openmp=True)
        self.ws = tuple(int(w) for w in ws)

    def c_code_cache_version(self):
        return (c_sources.version(*self.C_FILES),)

    def c_headers(self):
        return ['<math.h>'] + super().c_headers()

    def c_compile_args(self):
        return super().c_compile_args() + narrow_vectors()

    def element(self):
        """``VALUE(v, r)``, the value pooled for an input element ``v``, and
        ``GRAD(g, v, r)``, the input's gradient given what the pooling's
        gradient gives the value (``g``: the window's ``gz`` or 0)."""
        return c_sources.read(self.C_FILES[1])

    def _code(self, sub, **names):
        first, _, body, last = self.C_FILES
        return (c_sources.read(first) + self.element() + c_sources.read(body, last)) % dict(
            sub, ph=self.ws[0], pw=self.ws[1], **names)


class NonOverlappingMaxPool(NonOverlappingOp):
    """Max over non-overlapping windows (Theano's ``Pool`` for that case)."""

    C_FILES = ('pool_prepare.c', 'pool_element.h', 'max_pool.c', 'pool_end.c')

    def make_node(self, x):
        x = theano.tensor.as_tensor_variable(x)
        out = theano.tensor.TensorType(x.dtype, x.broadcastable)()
        return gof.Apply(self, [x], [out])

    def c_code(self, node, name, inputs, outputs, sub):
        x, = inputs
        z, = outputs
        return self._code(sub, x=x, z=z)


class NonOverlappingMaxPoolGrad(NonOverlappingOp):
    """Gradient of :class:`NonOverlappingMaxPool`: ``gz`` where ``x`` equals
    its window's maximum (every tied maximum, as Theano's), else 0."""

    C_FILES = ('pool_prepare.c', 'pool_element.h', 'max_pool_grad.c', 'pool_end.c')

    def make_node(self, x, maxout, gz):
        x, maxout, gz = (theano.tensor.as_tensor_variable(v) for v in (x, maxout, gz))
        return gof.Apply(self, [x, maxout, gz], [x.type()])

    def c_code(self, node, name, inputs, outputs, sub):
        x, maxout, gz = inputs
        gx, = outputs
        return self._code(sub, x=x, maxout=maxout, gz=gz, gx=gx)


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
    return c_sources.define(signature, code.replace('\n', ' '))


def rectified_element(name):
    """The element's macros of the rectified ops: the constant ``half`` of
    the file ``name``, then Theano's fused rectifier and its gradient."""
    return (c_sources.read(name)
            + _scalar_macro('VALUE(v, r)', RECTIFY, ['half', '(v)'], '(r)', 'r')
            + _scalar_macro('GRAD(g, v, r)', RECTIFY_GRAD, ['half', '(g)', '(v)'], '(r)', 'rg'))


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

    C_FILES = ('pool_prepare.c', 'rectified_element.h', 'max_pool.c', 'pool_end.c')

    def element(self):
        return rectified_element(self.C_FILES[1])

    def make_node(self, x):
        return super().make_node(float32_input(x))


class RectifiedMaxPoolGrad(NonOverlappingMaxPoolGrad):
    """The gradient with respect to ``x`` of :class:`RectifiedMaxPool`, in
    one pass: for each element, the rectifier's fused gradient (as Theano
    computes it) of what :class:`NonOverlappingMaxPoolGrad` gives the
    rectified ``x`` (``gz`` where it equals its window's maximum, else 0;
    0 also in the rows and columns no window covers)."""

    C_FILES = ('pool_prepare.c', 'rectified_element.h', 'max_pool_grad.c', 'pool_end.c')

    def element(self):
        return rectified_element(self.C_FILES[1])

    def make_node(self, x, maxout, gz):
        return super().make_node(float32_input(x), maxout, gz)


class ChannelSum(gof.OpenMPOp):
    """Sum of a 4-D float32 tensor over axes 0, 2 and 3, accumulated in
    float64 in Theano's order and cast to ``dtype`` (Theano's ``Sum`` with
    ``acc_dtype='float64'`` for that case)."""

    __props__ = ('dtype',)

    #: Channels summed side by side, each in its own accumulator.
    GROUP = 8
    C_FILE = 'channel_sum.c'

    def __init__(self, dtype):
        super().__init__(openmp=True)
        self.dtype = str(dtype)

    def c_code_cache_version(self):
        return (c_sources.version(self.C_FILE),)

    def make_node(self, x):
        x = theano.tensor.as_tensor_variable(x)
        out = theano.tensor.TensorType(self.dtype, (x.broadcastable[1],))()
        return gof.Apply(self, [x], [out])

    def c_code(self, node, name, inputs, outputs, sub):
        x, = inputs
        z, = outputs
        return c_sources.read(self.C_FILE) % dict(sub, x=x, z=z, group=self.GROUP,
           type=theano.tensor.TensorType(self.dtype, (False,)).dtype_specs()[2])


#: Fewer numbers than this are drawn in one thread: waking the others
#: would cost more.
MRG_PARALLEL_MIN = 1 << 16


class MRGUniform(mrg_uniform):
    """Theano's ``mrg_uniform`` (CPU, float32 or float64) with faster
    support code: Theano's op calls ``cpu_rng_mrg_uniform_<dtype>(sample,
    rstate, n_elements, n_streams)`` of its support code, and c_code/ has
    the same functions, made faster; its results, numbers and states, are
    the same to the bit. A subclass, so that Theano's optimization making it
    in place applies."""

    C_FILES = ('mrg_step.h', 'mrg_uniform.c')

    def c_support_code(self):
        # Theano scales with these float literals (its NORM for each dtype).
        template = c_sources.read('mrg_uniform.c')
        return (c_sources.defines(FKP_MRG_PARALLEL_MIN=MRG_PARALLEL_MIN)
                + c_sources.read('mrg_step.h') + ''.join(
                    template % dict(dtype=dtype, norm=norm) for dtype, norm in (
                        ('npy_float32', '4.6566126e-10f'),
                        ('npy_float64', '4.656612873077392578125e-10'))))

    def c_compile_args(self):
        # OpenMP where g++ has it, as Theano's OpenMPOp decides.
        if gof.OpenMPOp.gxx_support_openmp is None:
            gof.OpenMPOp.gxx_support_openmp = gof.OpenMPOp.test_gxx_support()
        return ['-fopenmp'] if gof.OpenMPOp.gxx_support_openmp else []

    def c_code_cache_version(self):
        return ((c_sources.version(*self.C_FILES),)
                + super().c_code_cache_version())


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
