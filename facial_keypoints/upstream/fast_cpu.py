"""A faster CPU path: max pooling over non-overlapping windows.

Theano's CPU max pooling and its gradient handle any window, stride and
padding, one element at a time; on the tutorial's convnets they took 55% of
a training epoch (the gradient alone 48%). The tutorial's pools are
non-overlapping (2x2 windows, stride 2, no padding, the border ignored),
where the maximum is one pass over each window and the gradient is ``gz``
wherever ``x`` equals its window's maximum, else 0. The two ops below
compute exactly that, in parallel over images and channels; their results
are bit-identical to Theano's (its gradient also goes to every tied
maximum), so training histories do not change.

A Theano optimization puts them in place of ``Pool`` and ``MaxPoolGrad``
when the device is the CPU. Disable it with
``THEANO_FLAGS=optimizer_excluding=fkp_fast_cpu``.
"""
import theano
from theano import gof
from theano.tensor import TensorConstant
from theano.tensor.opt import register_specialize_device
from theano.tensor.signal.pool import MaxPoolGrad, Pool

TAG = 'fkp_fast_cpu'

_PREPARE = """
    PyArrayObject* x_c = PyArray_GETCONTIGUOUS(%(x)s);
    npy_intp N = PyArray_DIMS(x_c)[0], C = PyArray_DIMS(x_c)[1];
    npy_intp H = PyArray_DIMS(x_c)[2], W = PyArray_DIMS(x_c)[3];
    const npy_intp ph = %(ph)d, pw = %(pw)d;
    const npy_intp OH = H / ph, OW = W / pw;
"""


class NonOverlappingOp(gof.OpenMPOp):
    """Base of the two ops: a 4-D input pooled over its last two axes by
    windows of ``ws`` with stride ``ws``, no padding, border ignored."""

    __props__ = ('ws',)

    def __init__(self, ws):
        super(NonOverlappingOp, self).__init__(openmp=True)
        self.ws = tuple(int(w) for w in ws)

    def c_code_cache_version(self):
        return (1,)

    def _code(self, body, sub, **names):
        # In its own block: Theano's `fail` is a goto past the op's code,
        # which C++ forbids across initialisations in the same scope.
        return '{\n' + (_PREPARE + body) % dict(
            sub, ph=self.ws[0], pw=self.ws[1], **names) + '\n}\n'



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
                dtype_%(z)s m = w[0];
                for (npy_intp a = 0; a < ph; a++)
                    for (npy_intp b = 0; b < pw; b++)
                        if (w[a * W + b] > m) m = w[a * W + b];
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
    if (OH * ph != H || OW * pw != W)  /* rows and columns no window covers */
        PyArray_FILLWBYTE(%(gx)s, 0);
    const dtype_%(x)s* xp = (const dtype_%(x)s*)PyArray_DATA(x_c);
    const dtype_%(maxout)s* zp = (const dtype_%(maxout)s*)PyArray_DATA(z_c);
    const dtype_%(gz)s* gzp = (const dtype_%(gz)s*)PyArray_DATA(gz_c);
    dtype_%(gx)s* gxp = (dtype_%(gx)s*)PyArray_DATA(%(gx)s);
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
                    for (npy_intp b = 0; b < pw; b++, k++)
                        gi[k] = (xi[k] == m) ? g : 0;
                }
            }
        }
    }
    Py_XDECREF(x_c); Py_XDECREF(z_c); Py_XDECREF(gz_c);
""", sub, x=x, maxout=maxout, gz=gz, gx=gx)


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


def enable():
    """Register the optimization (on the CPU only: on a GPU, Theano moves
    pooling to the GPU later in the pipeline, and these ops would stop it)."""
    if theano.config.device == 'cpu' and not getattr(enable, 'done', False):
        register_specialize_device(local_non_overlapping_max_pool, TAG, 'fast_run')
        enable.done = True
