"""The matrix products on OpenMP's threads: Theano's results within float32
rounding (to the bit where OpenBLAS's kernels round a product alike in any
width), and the same to the bit with any number of threads."""
import numpy as np
import pytest
import theano
import theano.tensor as T
from theano.tensor import blas

from facial_keypoints.upstream import fast_gemm

pytestmark = pytest.mark.skipif(not fast_gemm.available(),
                                reason="Theano's BLAS is not OpenBLAS")

#: float32's unit roundoff.
EPS = 2.0 ** -24

#: How far apart two float32 sums of the same terms may be, in units of
#: EPS times the sum of the terms' magnitudes (as in test_fast_conv.py).
ROUNDING = 64

OURS = {blas.Dot22: fast_gemm.ParallelDot22, blas.Dot22Scalar: fast_gemm.ParallelDot22Scalar,
        blas.Gemm: fast_gemm.ParallelGemm}


def op_types(f):
    return [type(node.op) for node in f.maker.fgraph.toposort()]


def product(op, layout, excluding):
    """The function computing `op` on matrices x (m x k) and y (k x n),
    each given as stored: 'C' as is, 'F' transposed (x is given k x m and
    used as x.T), 'S' every other column of a twice wider matrix."""
    x, y, z = T.matrix('x'), T.matrix('y'), T.matrix('z')
    used = [v.T if order == 'F' else v[:, ::2] if order == 'S' else v
            for v, order in zip((x, y), layout)]
    a, b = T.constant(np.float32(0.01)), T.constant(np.float32(0.9))
    if op is blas.Dot22:
        out = blas._dot22(*used)
    elif op is blas.Dot22Scalar:
        out = blas._dot22scalar(used[0], used[1], a)
    else:
        out = blas.gemm_no_inplace(z, a, used[0], used[1], b)
    mode = theano.compile.get_default_mode()
    if excluding:
        mode = mode.excluding(fast_gemm.TAG)
    return theano.function([x, y, z], out, mode=mode, on_unused_input='ignore')


def operands(m, k, n, layout, rng):
    x, y = (rng.randn(*shape).astype('float32') for shape in ((m, k), (k, n)))
    x, y = (v.T.copy() if order == 'F' else np.repeat(v, 2, axis=1) if order == 'S' else v
            for v, order in zip((x, y), layout))
    return x, y, rng.randn(m, n).astype('float32')


def compare(op, m, k, n, layout='CC'):
    """Our op's result against Theano's, within the rounding bound: the
    same sums in pieces, which OpenBLAS rounds alike or not depending on
    its kernels (alike on Cooperlake's, not on Haswell's)."""
    mine, theirs = (product(op, layout, excluding) for excluding in (False, True))
    assert OURS[op] in op_types(mine) and op not in op_types(mine)
    assert op in op_types(theirs)
    args = operands(m, k, n, layout, np.random.RandomState(m + k + n))
    result, expected = mine(*args), theirs(*args)
    assert result.shape == (m, n) and result.dtype == np.float32
    magnitude = theirs(*(np.abs(v) for v in args))
    assert np.all(np.abs(result - expected) <= ROUNDING * EPS * magnitude)
    return result


# net1's two products, batches of 128: its hidden layer's forward pass
# (x . W) and weight gradient (x.T . d).
@pytest.mark.parametrize('m,k,n,layout', [(128, 9216, 100, 'CC'), (9216, 128, 100, 'FC')])
@pytest.mark.parametrize('op', [blas.Dot22, blas.Dot22Scalar, blas.Gemm])
def test_net1s_products_as_theanos(op, m, k, n, layout):
    compare(op, m, k, n, layout)


@pytest.mark.parametrize('m,k,n,layout', [(128, 9216, 100, 'CC'), (9216, 128, 100, 'FC'),
                                          (1031, 93, 45, 'CC'), (128, 500, 15488, 'CF')])
def test_results_do_not_depend_on_the_number_of_threads(m, k, n, layout, omp_threads):
    mine = product(blas.Dot22, layout, False)
    args = operands(m, k, n, layout, np.random.RandomState(1))
    results = []
    for threads in (1, 2, 3):
        with omp_threads(threads):
            results.append(mine(*args))
    assert all(np.array_equal(results[0], other) for other in results[1:])


# net2's dense layers: the first's forward pass, weight gradient and input
# gradient (d . W.T), whose sums of 500 terms OpenBLAS's threaded driver
# cuts in two halves, its single-threaded one not; and the second's.
@pytest.mark.parametrize('m,k,n,layout', [
    (128, 15488, 500, 'CC'), (15488, 128, 500, 'FC'), (128, 500, 15488, 'CF'),
    (128, 500, 500, 'CC')])
def test_net2s_products_as_theanos(m, k, n, layout):
    compare(blas.Dot22Scalar, m, k, n, layout)


@pytest.mark.parametrize('m,k,n', [(77, 3001, 61), (1031, 93, 45), (45, 93, 1031), (3, 5, 7),
                                   (16, 4000, 20)])
@pytest.mark.parametrize('layout', ['CC', 'FC', 'CF', 'FF', 'SC', 'CS'])
def test_odd_sizes_transposes_and_strides_as_theanos(m, k, n, layout):
    """Cut by rows or by columns, pieces not a multiple of the alignment,
    products too small to cut, and the layouts Theano copies first."""
    expected = operands(m, k, n, layout, np.random.RandomState(m + k + n))
    x, y = (v.T if order == 'F' else v[:, ::2] if order == 'S' else v
            for v, order in zip(expected[:2], layout))
    result = compare(blas.Dot22, m, k, n, layout)
    np.testing.assert_allclose(result, np.dot(x.astype('float64'), y), rtol=1e-3, atol=1e-3)


def test_gemm_in_place_in_a_graph():
    """Theano's optimizations make a Gemm that overwrites its first input;
    ours keeps the destroy map and the result."""
    x, y, z = T.matrix('x'), T.matrix('y'), T.matrix('z')
    out = T.exp(z) - np.float32(0.5) * T.dot(x, y)
    fs = [theano.function([x, y, z], out, mode=theano.compile.get_default_mode().excluding(
        *excluded)) for excluded in ((), (fast_gemm.TAG,))]
    ours = [n for n in fs[0].maker.fgraph.toposort() if type(n.op) is fast_gemm.ParallelGemm]
    assert ours and ours[0].op.inplace and ours[0].op.destroy_map == {0: [0]}
    args = operands(200, 3072, 150, 'CC', np.random.RandomState(5))
    magnitude = theano.function([x, y, z], T.exp(z) + np.float32(0.5) * T.dot(x, y))(
        np.abs(args[0]), np.abs(args[1]), args[2])
    assert np.all(np.abs(fs[0](*args) - fs[1](*args)) <= ROUNDING * EPS * magnitude)


def test_float64_keeps_theanos_op():
    x, y = T.dmatrix('x'), T.dmatrix('y')
    types = op_types(theano.function([x, y], T.dot(x, y)))
    assert blas.Dot22 in types and fast_gemm.ParallelDot22 not in types


def test_training_history_within_rounding_of_theanos(histories):
    ours, theirs = histories('net1', 3, ['', 'optimizer_excluding=fkp_fast_gemm'])
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=0)
    assert ours[2, 0] < ours[0, 0]


@pytest.mark.slow
def test_net2s_history_within_rounding_of_theanos(histories):
    ours, theirs = histories('net2', 3, ['', 'optimizer_excluding=fkp_fast_gemm'])
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=0)
    assert ours[2, 0] < ours[0, 0]
