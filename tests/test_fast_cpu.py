"""The fast CPU max pooling, channel sum, dropout numbers and parallel
elementwise loops: bit-identical to Theano's, and in place."""
import os
import subprocess
import sys

import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne import layers
from lasagne.nonlinearities import rectify
from theano.tensor.elemwise import Sum
from theano.tensor.signal.pool import MaxPoolGrad, Pool, pool_2d

from facial_keypoints.upstream import fast_cpu, threads


def pool_and_grad(excluding, **kwargs):
    x = T.tensor4('x')
    z = pool_2d(x, ignore_border=True, **kwargs)
    g = theano.grad((z * T.arange(z.size).reshape(z.shape)).sum(), x)
    mode = theano.compile.get_default_mode()
    if excluding:
        mode = mode.excluding(fast_cpu.TAG)
    return theano.function([x], [z, g], mode=mode)


@pytest.mark.parametrize('shape,ws', [((2, 3, 8, 8), (2, 2)), ((2, 3, 7, 9), (2, 2)),
                                      ((1, 2, 12, 12), (3, 3)), ((4, 5, 23, 22), (4, 4))])
def test_same_results_as_theanos_pooling(shape, ws):
    fast = pool_and_grad(False, ws=ws)
    theirs = pool_and_grad(True, ws=ws)
    ops = [type(n.op) for n in fast.maker.fgraph.toposort()]
    assert fast_cpu.NonOverlappingMaxPool in ops and fast_cpu.NonOverlappingMaxPoolGrad in ops
    assert Pool not in ops and MaxPoolGrad not in ops
    assert MaxPoolGrad in [type(n.op) for n in theirs.maker.fgraph.toposort()]
    data = np.random.RandomState(0).rand(*shape).astype('float32')
    data[0, 0, :ws[0], :ws[1]] = 0.5  # a tie: every maximum gets the gradient
    data[0, 1] = np.round(data[0, 1] * 4) / 4  # many ties
    for mine, reference in zip(fast(data), theirs(data)):
        assert np.array_equal(mine, reference)


def test_overlapping_or_padded_pools_keep_theanos_ops():
    for kwargs in (dict(ws=(3, 3), stride=(2, 2)), dict(ws=(2, 2), pad=(1, 1))):
        ops = [type(n.op) for n in pool_and_grad(False, **kwargs).maker.fgraph.toposort()]
        assert MaxPoolGrad in ops and fast_cpu.NonOverlappingMaxPoolGrad not in ops


def test_non_contiguous_input():
    x = T.tensor4('x')
    z = layers.MaxPool2DLayer(layers.InputLayer((None, 2, 6, 6), x.dimshuffle(0, 1, 3, 2)),
                              pool_size=(2, 2))
    f = theano.function([x], layers.get_output(z))
    data = np.random.RandomState(1).rand(2, 2, 6, 6).astype('float32')
    expected = data.transpose(0, 1, 3, 2).reshape(2, 2, 3, 2, 3, 2).max(axis=(3, 5))
    assert np.array_equal(f(data), expected)


def rectified_pool_and_grad(excluding, strided=False, ws=(2, 2)):
    x = T.tensor4('x')
    g = T.tensor4('g')
    z = pool_2d(rectify(x[:, :, ::2] if strided else x), ws=ws, ignore_border=True)
    mode = theano.compile.get_default_mode()
    if excluding:
        mode = mode.excluding('local_rectified_max_pool')
    return theano.function([x, g], [z, theano.grad((z * g).sum(), x)], mode=mode)


def awkward(shape, rng):
    """Normal numbers with ties, zeros of both signs, a NaN, an infinity and
    numbers too large to double in float32."""
    data = rng.randn(*shape).astype('float32')
    data[0, 0, :2, :2] = 0
    data[0, 0, 0, 0] = -0.0
    data[0, 1, :2, :2] = -1
    data[-1, 0] = np.round(data[-1, 0])
    data[-1, -1, 0, :3] = [np.nan, np.inf, 3e38]
    data[-1, -1, -1, -1] = np.nan  # on the border no window covers, when there is one
    return data


@pytest.mark.parametrize('shape,ws', [((2, 3, 8, 8), (2, 2)), ((2, 3, 7, 9), (2, 2)),
                                      ((3, 2, 12, 11), (3, 3)), ((4, 32, 46, 46), (2, 2))])
@pytest.mark.parametrize('strided', [False, True])
def test_rectified_pooling_as_theanos(shape, ws, strided):
    fast, theirs = (rectified_pool_and_grad(excluding, strided, ws)
                    for excluding in (False, True))
    assert {fast_cpu.RectifiedMaxPool, fast_cpu.RectifiedMaxPoolGrad} <= set(op_types(fast))
    assert not {fast_cpu.NonOverlappingMaxPool, fast_cpu.NonOverlappingMaxPoolGrad} & set(
        op_types(fast))
    assert {fast_cpu.NonOverlappingMaxPool, fast_cpu.NonOverlappingMaxPoolGrad} <= set(
        op_types(theirs))
    rng = np.random.RandomState(5)
    data = awkward(shape, rng)
    if strided:  # every other row, the rest NaN
        data = np.stack([data, np.full_like(data, np.nan)], axis=3).reshape(
            shape[:2] + (2 * shape[2], shape[3]))
    out_shape = shape[:2] + (shape[2] // ws[0], shape[3] // ws[1])
    gz = rng.randn(*out_shape).astype('float32')
    gz[0, 0, 0, 0] = 1e-45  # a subnormal number, which halving rounds
    for mine, reference in zip(fast(data, gz), theirs(data, gz)):
        assert np.array_equal(mine, reference, equal_nan=True)
        assert np.array_equal(np.signbit(mine), np.signbit(reference))


def test_rectified_pooling_takes_float32_only():
    x = T.dtensor4('x')
    with pytest.raises(TypeError, match='float32, not float64'):
        fast_cpu.RectifiedMaxPool((2, 2))(x)
    with pytest.raises(TypeError, match='float32, not float64'):
        fast_cpu.RectifiedMaxPoolGrad((2, 2))(x, x, x)


def test_rectified_pooling_in_a_lasagne_net():
    """A convolution, its rectifier and a pool: forward and backward, the
    rectifier's full-size passes gone."""
    x = T.tensor4('x')
    net = layers.InputLayer((None, 1, 10, 10), x)
    net = layers.MaxPool2DLayer(layers.Conv2DLayer(net, 4, (3, 3)), pool_size=(2, 2))
    net = layers.DenseLayer(net, 2)
    loss = layers.get_output(net).sum()
    f = theano.function([x], theano.grad(loss, layers.get_all_params(net)))
    nodes = f.maker.fgraph.toposort()
    types = [type(n.op) for n in nodes]
    assert fast_cpu.RectifiedMaxPool in types and fast_cpu.RectifiedMaxPoolGrad in types
    assert not [n for n in nodes if getattr(n.op, 'scalar_op', None) in (
        fast_cpu.RECTIFY, fast_cpu.RECTIFY_GRAD) and n.outputs[0].ndim == 4]


def channel_sum(excluding, dtype, transposed=False):
    x = T.tensor4('x')
    images = x.dimshuffle(0, 1, 3, 2) if transposed else x
    s = T.sum(images, axis=(0, 2, 3), acc_dtype='float64', dtype=dtype)
    mode = theano.compile.get_default_mode()
    if excluding:
        mode = mode.excluding(fast_cpu.TAG)
    return theano.function([x], s, mode=mode)


def op_types(f):
    return [type(n.op) for n in f.maker.fgraph.toposort()]


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
@pytest.mark.parametrize('shape', [(128, 32, 94, 94), (3, 5, 7, 9), (2, 17, 1, 1), (1, 8, 3, 2),
                                   (0, 3, 2, 2), (4, 8, 0, 3), (5, 19, 4, 6)])
def test_channel_sum_as_theanos(shape, dtype):
    # A float64 result is Theano's accumulator itself: equal to the bit only
    # when every channel's float64 additions are made in Theano's order.
    fast, theirs = channel_sum(False, dtype), channel_sum(True, dtype)
    assert fast_cpu.ChannelSum in op_types(fast) and Sum not in op_types(fast)
    assert Sum in op_types(theirs)
    rng = np.random.RandomState(0)
    # Magnitudes spread over many binades, so that the order of additions shows.
    data = (rng.randn(*shape) * np.exp(4 * rng.randn(*shape))).astype('float32')
    mine, reference = fast(data), theirs(data)
    assert mine.dtype == reference.dtype == dtype
    assert np.array_equal(mine, reference)


def test_channel_sum_of_a_non_contiguous_input():
    data = np.random.RandomState(2).randn(6, 11, 9, 13).astype('float32')
    fast, theirs = channel_sum(False, 'float64', True), channel_sum(True, 'float64', True)
    assert fast_cpu.ChannelSum in op_types(fast)
    assert np.array_equal(fast(data), theirs(data))


def test_other_sums_keep_theanos_op():
    x, m = T.tensor4('x'), T.dtensor4('m')
    for s in (T.sum(x, axis=(0, 2)), T.sum(x, axis=(0, 2, 3), acc_dtype='float32'),
              T.sum(m, axis=(0, 2, 3)), T.sum(x)):
        assert fast_cpu.ChannelSum not in op_types(theano.function([x, m], s,
                                                                   on_unused_input='ignore'))


def test_each_optimization_switched_off_by_its_name():
    """A net's graph: pooling, bias gradient, dropout and elementwise
    loops; excluding one
    optimization by name keeps Theano's op there and ours elsewhere."""
    from theano.sandbox.rng_mrg import MRG_RandomStreams
    x = T.tensor4('x')
    conv_out = x * 2
    pooled = pool_2d(conv_out, ws=(2, 2), ignore_border=True)
    dropped = pooled * MRG_RandomStreams(1).uniform(pooled.shape)
    cost = dropped.sum()
    outputs = [cost, theano.grad(cost, x), conv_out.sum(axis=(0, 2, 3))]
    ours = {'local_non_overlapping_max_pool': fast_cpu.NonOverlappingMaxPool,
            'local_channel_sum': fast_cpu.ChannelSum, 'local_mrg_uniform': fast_cpu.MRGUniform,
            'local_parallel_elemwise': fast_cpu.ParallelElemwise}
    for excluded in ours:
        mode = theano.compile.get_default_mode().excluding(excluded)
        types = op_types(theano.function([x], outputs, mode=mode))
        for name, op in ours.items():
            assert (op in types) is (name != excluded), (excluded, name)


def test_parallel_elemwise_as_theanos():
    """Matrices and larger get OpenMP loops, in place where Theano's were,
    with the same results above and below the size that runs them in
    parallel; vectors keep Theano's op."""
    x, v = T.tensor4('x'), T.vector('v')
    outputs = [T.nnet.relu(x + v.dimshuffle('x', 0, 'x', 'x')) * 2, (v * 3).sum(),
               T.exp(-x).sum(axis=(1, 2, 3)), T.sgn(x) * x]
    functions = [theano.function([x, v], outputs, mode=mode) for mode in (
        theano.compile.get_default_mode(),
        theano.compile.get_default_mode().excluding('local_parallel_elemwise'))]
    ours, theirs = ([node for node in f.maker.fgraph.toposort()
                     if isinstance(node.op, theano.tensor.Elemwise)] for f in functions)
    assert [type(n.op) for n in ours] == [
        fast_cpu.ParallelElemwise if n.outputs[0].ndim >= 2 else theano.tensor.Elemwise
        for n in theirs]
    assert [n.op.destroy_map for n in ours] == [n.op.destroy_map for n in theirs]
    assert all(n.op.openmp for n in ours if n.outputs[0].ndim >= 2)
    rng = np.random.RandomState(3)
    for shape in ((2, 3, 5, 7), (64, 32, 47, 47)):  # under and over openmp_elemwise_minsize
        a = rng.randn(*shape).astype('float32')
        b = rng.randn(shape[1]).astype('float32')
        for mine, reference in zip(*(f(a, b) for f in functions)):
            assert np.array_equal(mine, reference)


def test_idle_threads_sleep_unless_the_user_says_otherwise():
    environ = {'OMP_WAIT_POLICY': 'ACTIVE'}
    assert threads.rest_idle_threads(environ) == ['OPENBLAS_THREAD_TIMEOUT']
    assert environ == {'OMP_WAIT_POLICY': 'ACTIVE', 'OPENBLAS_THREAD_TIMEOUT': '20'}
    # Importing the package sets them before Theano loads OpenBLAS and OpenMP.
    env = {k: v for k, v in os.environ.items() if k not in threads.IDLE_THREADS}
    code = ('import os, facial_keypoints; '
            'print(os.environ["OMP_WAIT_POLICY"], os.environ["OPENBLAS_THREAD_TIMEOUT"])')
    run = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True,
                         text=True, check=True)
    assert run.stdout.split() == ['PASSIVE', '20']


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
@pytest.mark.parametrize('size,nstreams', [((128, 32, 46, 46), None), ((1000, 3), 7),
                                           ((5,), 60), ((3, 4), 1), ((7, 9, 11), 1000),
                                           ((70001,), 1001)])  # threads, a last round cut short
def test_mrg_uniform_as_theanos(size, nstreams, dtype):
    from theano.sandbox.rng_mrg import MRG_RandomStreams, mrg_uniform
    draws, states = [], []
    for excluding in (False, True):
        srng = MRG_RandomStreams(seed=1234)
        mode = theano.compile.get_default_mode()
        if excluding:
            mode = mode.excluding(fast_cpu.TAG)
        f = theano.function([], srng.uniform(size, dtype=dtype, nstreams=nstreams), mode=mode)
        assert (fast_cpu.MRGUniform in op_types(f)) is not excluding
        assert (mrg_uniform in op_types(f)) is excluding
        draws.append([f() for _ in range(3)])  # the state carries over
        states.append(srng.state_updates[0][0].get_value())
    for mine, reference in zip(*draws):
        assert mine.dtype == reference.dtype == dtype
        assert np.array_equal(mine, reference)
    assert np.array_equal(*states)


@pytest.mark.parametrize('name', ['net2', pytest.param('net6', marks=pytest.mark.slow)])
def test_training_history_identical_to_theanos_default_path(histories, name):
    # net6 has dropout, drawn by MRGUniform.
    ours, theirs = histories(name, 2, ['', 'optimizer_excluding=fkp_fast_cpu,allow_gc=True'])
    assert np.array_equal(ours, theirs)
    assert ours[1, 1] < ours[0, 1]
