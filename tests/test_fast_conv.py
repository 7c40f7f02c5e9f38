"""The fast CPU convolution: Theano's results (to the bit, or within float32
rounding where the sums are split differently), and in place."""

import numpy as np
import pytest
import theano
import theano.tensor as T
from theano.tensor.nnet import conv2d
from theano.tensor.nnet.corr import CorrMM, CorrMM_gradInputs, CorrMM_gradWeights

from facial_keypoints.upstream import fast_conv, fast_gemm

pytestmark = pytest.mark.skipif(not fast_conv.available(),
                                reason="Theano's BLAS is not OpenBLAS")

FAST_OPS = {fast_conv.FastCorr, fast_conv.FastCorrGradWeights, fast_conv.FastCorrGradInputs}
THEANO_OPS = {CorrMM, CorrMM_gradWeights, CorrMM_gradInputs}

#: float32's unit roundoff.
EPS = 2.0 ** -24

#: How far apart two float32 sums of the same terms may be, in units of
#: EPS times the sum of the terms' magnitudes: each is within about
#: sqrt(n) EPS of the exact sum for the blocked sums of a BLAS, and n, the
#: number of terms, is below 10^5 here.
ROUNDING = 64


def conv_and_grads(excluding, stride, transposed=False):
    """f(x, w, g) -> forward, d<y g>/dx, d<y g>/dw of Lasagne's convolution."""
    x, w, g = T.tensor4('x'), T.tensor4('w'), T.tensor4('g')
    images = x.dimshuffle(0, 1, 3, 2) if transposed else x
    y = conv2d(images, w, subsample=stride)
    gx, gw = theano.grad((y * g).sum(), [x, w])
    mode = theano.compile.get_default_mode()
    if excluding:
        mode = mode.excluding(fast_conv.TAG)
    return theano.function([x, w, g], [y, gx, gw], mode=mode)


def op_types(f):
    return {type(node.op) for node in f.maker.fgraph.toposort()}


def compare(shape, filters, size, stride, transposed=False, seed=0):
    """Our ops' forward pass and gradients against Theano's."""
    n, c, h, w = shape
    rng = np.random.RandomState(seed)
    x = rng.randn(*shape).astype('float32')
    if transposed:
        h, w = w, h
    kernel = rng.randn(filters, c, size[0], size[1]).astype('float32')
    out = (n, filters, (h - size[0]) // stride[0] + 1, (w - size[1]) // stride[1] + 1)
    g = rng.randn(*out).astype('float32')
    fast = conv_and_grads(False, stride, transposed)
    theirs = conv_and_grads(True, stride, transposed)
    assert FAST_OPS <= op_types(fast) and not THEANO_OPS & op_types(fast)
    assert THEANO_OPS <= op_types(theirs)
    ours, expected = fast(x, kernel, g), theirs(x, kernel, g)
    # Each is a sum of the same terms in another schedule of BLAS calls,
    # which OpenBLAS rounds alike or not depending on its kernels: compare
    # with the rounding bound (the sums of the terms' magnitudes).
    magnitudes = theirs(np.abs(x), np.abs(kernel), np.abs(g))
    for result, reference, magnitude in zip(ours, expected, magnitudes):
        assert result.shape == reference.shape
        assert np.all(np.abs(result - reference) <= ROUNDING * EPS * magnitude)
    return ours, expected


@pytest.mark.parametrize('size', [2, 3, 5, 7, 9])
@pytest.mark.parametrize('stride', [1, 2])
def test_filter_sizes_and_strides(size, stride):
    compare((4, 3, 23, 21), 5, (size, size), (stride, stride))


@pytest.mark.parametrize('shape,filters,size,stride', [
    ((3, 2, 11, 13), 4, (3, 2), (2, 1)),     # odd sizes, unequal filter sides and strides
    ((5, 3, 9, 7), 2, (2, 2), (1, 3)),
    ((1, 1, 10, 10), 3, (9, 9), (1, 1)),     # one image, one output row band
    ((7, 4, 15, 16), 5, (5, 5), (3, 3)),     # a stride that leaves pixels uncovered
    ((2, 1, 4, 4), 1, (4, 4), (1, 1)),       # 1x1 outputs
])
def test_odd_shapes(shape, filters, size, stride):
    compare(shape, filters, size, stride)


def test_large_images_in_bands_and_small_ones_in_blocks():
    # 96x96 images are cut into bands of rows; 12x12 ones grouped.
    compare((3, 1, 96, 96), 8, (3, 3), (1, 1))
    compare((3, 4, 60, 50), 6, (7, 7), (1, 1))
    compare((33, 8, 12, 12), 8, (2, 2), (2, 2))


def test_small_images_with_many_rows_in_groups_and_chunks():
    # 36 positions and 5184 column rows an image: the gradient w.r.t. the
    # inputs takes 15 images (then the last 5) a piece, their columns in
    # chunks of 472 rows (then 464).
    compare((20, 64, 14, 14), 24, (9, 9), (1, 1))


def test_non_contiguous_input():
    compare((3, 2, 17, 12), 4, (3, 3), (1, 1), transposed=True)


@pytest.mark.slow
@pytest.mark.parametrize('shape,filters,size,stride', [
    ((128, 1, 96, 96), 32, 3, 1), ((128, 32, 47, 47), 64, 2, 1),   # net2
    ((128, 64, 23, 23), 128, 2, 1),
    ((128, 1, 96, 96), 32, 5, 1), ((128, 32, 92, 92), 32, 2, 2),   # Net6RPXL
    ((128, 32, 46, 46), 64, 7, 1), ((128, 64, 40, 40), 64, 2, 2),
    ((128, 64, 20, 20), 128, 9, 1), ((128, 128, 12, 12), 128, 2, 2),
    ((128, 6, 92, 92), 12, 7, 1),                                  # CNet_NPLFXL
])
def test_the_nets_shapes(shape, filters, size, stride):
    compare(shape, filters, (size, size), (stride, stride))


@pytest.mark.parametrize('shape,filters,size,stride', [
    ((128, 1, 96, 96), 32, 3, 1),    # net2's first layer: bands of one image
    ((128, 64, 23, 23), 128, 2, 1),  # its third: two images a piece
    ((3, 2, 9, 8), 5, 3, 2),         # one image a piece, Theano's own call
])
def test_bias_added_in_the_convolution_as_theanos(shape, filters, size, stride):
    x, w, b = T.tensor4('x'), T.tensor4('w'), T.vector('b')
    conved = conv2d(x, w, subsample=(stride, stride))
    activation = T.nnet.relu(conved + b.dimshuffle('x', 0, 'x', 'x'))
    mode = theano.compile.get_default_mode()
    functions = [theano.function([x, w, b], activation, mode=m) for m in (
        mode, mode.excluding('local_fast_conv_bias'), mode.excluding(fast_conv.TAG))]
    assert fast_conv.FastCorrBias in op_types(functions[0])
    assert fast_conv.FastCorr not in op_types(functions[0])
    assert fast_conv.FastCorr in op_types(functions[1])
    assert fast_conv.FastCorrBias not in op_types(functions[1])
    rng = np.random.RandomState(5)
    inputs = (rng.randn(*shape).astype('float32'),
              rng.randn(filters, shape[1], size, size).astype('float32'),
              rng.randn(filters).astype('float32'))
    ours, separate, theirs = (f(*inputs) for f in functions)
    assert np.array_equal(ours, separate)  # Theano's float32 addition, in cache
    magnitude = functions[2](*(np.abs(v) for v in inputs))
    assert np.all(np.abs(ours - theirs) <= ROUNDING * EPS * magnitude)
    # Where the convolution's output has another use, the sum stays apart.
    both = theano.function([x, w, b], [activation, conved.sum()])
    assert fast_conv.FastCorrBias not in op_types(both)


@pytest.mark.parametrize('shape,filters,size,stride', [
    ((5, 1, 96, 96), 8, 3, 1),      # bands of rows; a first layer's filter ranges
    ((33, 8, 12, 12), 8, 2, 2),     # images in blocks; ranges of rows
    ((20, 64, 14, 14), 24, 9, 1),   # groups of images, chunks of rows
])
def test_results_do_not_depend_on_the_number_of_threads(shape, filters, size, stride,
                                                        omp_threads):
    fast = conv_and_grads(False, (stride, stride))
    rng = np.random.RandomState(3)
    x = rng.randn(*shape).astype('float32')
    kernel = rng.randn(filters, shape[1], size, size).astype('float32')
    out = (shape[2] - size) // stride + 1
    g = rng.randn(shape[0], filters, out, out).astype('float32')
    results = []
    for threads in (1, 2, 3):
        with omp_threads(threads):
            results.append(fast(x, kernel, g))
    for other in results[1:]:
        assert all(np.array_equal(a, b) for a, b in zip(results[0], other))


def test_padded_or_dilated_convolutions_keep_theanos_ops():
    x, w = T.tensor4('x'), T.tensor4('w')
    for kwargs in (dict(border_mode='half'), dict(filter_dilation=(2, 2))):
        f = theano.function([x, w], theano.grad(conv2d(x, w, **kwargs).sum(), [x, w]))
        assert CorrMM_gradWeights in op_types(f) and not FAST_OPS & op_types(f)


#: Theano's own numerics: the stack without the ops whose sums are split
#: differently from Theano's (the weight gradient here; some of
#: fast_gemm's products). Without one of them only, training follows
#: neither: Net6RPXL's third validation loss differs by 7e-5 relative
#: from both when fast_gemm runs without this module's ops.
UNPATCHED = 'optimizer_excluding={}:{}'.format(fast_conv.TAG, fast_gemm.TAG)

#: How far a few epochs with our ops may drift from Theano's: their sums
#: are cut by the operands' shapes, Theano's by its own blocking, so each
#: step differs in float32 rounding and momentum carries it on (seen on
#: OpenBLAS's Haswell kernels: 1.5e-5 at Net6RPXL's third validation loss;
#: a wrong gradient is off by 1e-2 and more).
DRIFT_RTOL = 5e-5


@pytest.mark.slow
def test_training_history_as_theanos(histories):
    ours, theirs = histories('net2', 2, ['', UNPATCHED])
    np.testing.assert_allclose(ours, theirs, rtol=DRIFT_RTOL, atol=0)
    assert ours[1, 1] < ours[0, 1]


@pytest.mark.slow
@pytest.mark.parametrize('name', ['net2', 'Net6RPXL'])
def test_three_epochs_as_theanos(histories, name):
    ours, theirs = histories(name, 3, ['', UNPATCHED])
    np.testing.assert_allclose(ours, theirs, rtol=DRIFT_RTOL, atol=0)
