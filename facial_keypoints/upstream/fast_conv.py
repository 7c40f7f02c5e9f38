"""A faster CPU path: 2-D convolution and its two gradients.

Theano's CPU convolution (``CorrMM`` and its two gradients) unfolds one
image at a time into columns ("im2col") in a single thread, then multiplies
them in one BLAS call per image. The ops below do the same arithmetic in
pieces that OpenMP threads take, each calling the single-threaded BLAS (C
code in ``c_code/fast_conv.c``):

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

Numerics: the pieces are cut by the operands' shapes alone, never by the
number of threads, so results are the same on any number of threads. Each
output element is the sum of Theano's op, made by BLAS calls of other
widths: whether OpenBLAS rounds those alike depends on its kernels, so
results are within float32 rounding of Theano's (tests/test_fast_conv.py
checks 64 roundoffs of the sum of the terms' magnitudes).

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

from . import c_sources

TAG = 'fkp_fast_conv'

#: The ops' C code, in c_code/: their support code, then the code of each
#: op, a template (see its file).
SUPPORT_FILES = ('fkp_blas.h', 'fast_conv.c', 'fast_conv_ops.h')
CODE_FILE = 'fast_conv_call.c'
C_FILES = SUPPORT_FILES + (CODE_FILE,)

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


class FastConvOp(gof.OpenMPOp):
    """Base of the three ops: float32, no padding, stride ``subsample``."""

    __props__ = ('subsample',)

    #: How many inputs: two 4-D arrays, then the two sizes the op needs
    #: (:class:`FastCorrBias`: then the bias). What the op takes, checks and
    #: computes is in c_code/fast_conv_ops.h, under the op's name.
    n_inputs = None
    #: The output's first two axes broadcast as these (input, axis) do.
    out_broadcastable = None

    def __init__(self, subsample=(1, 1)):
        super().__init__(openmp=True)
        self.subsample = tuple(int(s) for s in subsample)

    def c_code_cache_version(self):
        return (c_sources.version(*C_FILES), blas_headers.blas_header_version())

    def c_support_code(self):
        return (blas_headers.blas_header_text() + blas_headers.openblas_threads_text()
                + c_sources.defines(FKP_PIECE_VALUES=_PIECE_VALUES,
                                    FKP_MIN_POSITIONS=_MIN_POSITIONS,
                                    FKP_GROUP_POSITIONS=_GROUP_POSITIONS)
                + c_sources.read(*SUPPORT_FILES))

    def c_libraries(self):
        return ldflags()

    def c_lib_dirs(self):
        return ldflags(libs=False, libs_dir=True)

    def c_header_dirs(self):
        return ldflags(libs=False, include_dir=True)

    def c_compile_args(self):
        return ldflags(libs=False, flags=True) + super().c_compile_args()

    def make_node(self, *inputs):
        if len(inputs) != self.n_inputs:
            raise TypeError('{} takes {} inputs'.format(type(self).__name__, self.n_inputs))
        inputs = [theano.tensor.as_tensor_variable(v) for v in inputs]
        out = theano.tensor.TensorType('float32', tuple(
            inputs[i].broadcastable[axis] for i, axis in self.out_broadcastable)
            + (False, False))()
        return gof.Apply(self, inputs, [out])

    def c_code(self, node, name, inputs, outputs, sub):
        return c_sources.read(CODE_FILE) % dict(
            sub, op=type(self).__name__, a=inputs[0], b=inputs[1], out=outputs[0],
            rest=', '.join(inputs[2:]), sh=self.subsample[0], sw=self.subsample[1])


class FastCorr(FastConvOp):
    """Correlation of images with filters (Theano's ``CorrMM``, valid mode):
    inputs ``(img, kern)``."""

    n_inputs, out_broadcastable = 2, ((0, 0), (1, 0))


class FastCorrBias(FastCorr):
    """:class:`FastCorr` plus a bias per filter (Lasagne's ``conved +
    b.dimshuffle('x', 0, 'x', 'x')``), added to each piece's outputs while
    they are in the core's cache instead of in a pass of their own over all
    of them: inputs ``(img, kern, bias)``."""

    n_inputs = 3


class FastCorrGradWeights(FastConvOp):
    """Gradient of :class:`FastCorr` w.r.t. the filters (Theano's
    ``CorrMM_gradWeights``): inputs ``(img, topgrad, kh, kw)``."""

    n_inputs, out_broadcastable = 4, ((1, 1), (0, 1))


class FastCorrGradInputs(FastConvOp):
    """Gradient of :class:`FastCorr` w.r.t. the images (Theano's
    ``CorrMM_gradInputs``): inputs ``(kern, topgrad, h, w)``."""

    n_inputs, out_broadcastable = 4, ((1, 0), (0, 1))


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
