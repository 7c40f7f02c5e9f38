"""The tutorial's nets, iterator, callbacks, and `kfkd fit`."""
import subprocess
import sys

import numpy as np
import pytest
from lasagne.layers import count_params, get_output_shape

from facial_keypoints import kfkd, nets
from facial_keypoints.model import registry
from facial_keypoints.tutorial.callbacks import AdjustVariable, EarlyStopping, float32
from facial_keypoints.tutorial.iterators import FlipBatchIterator
from facial_keypoints.tutorial.nets import MAKERS
from helpers import small_net1

CONV_SHAPES = [(32, 94, 94), (32, 47, 47), (64, 46, 46), (64, 23, 23),
               (128, 22, 22), (128, 11, 11)]
PARAMS = {'net1': 924730, 'net2': 8051502, 'net3': 8051502, 'net4': 8051502,
          'net5': 8051502, 'net6': 8051502, 'net7': 16561502,
          'net8': 16561502, 'net': 16561502}


@pytest.mark.parametrize('name', list(MAKERS))
def test_each_net_builds_with_the_tutorials_shapes(name):
    net = nets.get_net(name)
    net.initialize_layers()
    assert count_params(net.layers_['output']) == PARAMS[name]
    if name != 'net1':
        shapes = [get_output_shape(net.layers_[n])[1:] for n in
                  ('conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'pool3')]
        assert shapes == CONV_SHAPES
    assert net.layers_['output'].num_units == 30


def test_nothing_is_built_at_import():
    code = ('import sys, facial_keypoints.w207.dct; '
            'print("theano" in sys.modules, "lasagne" in sys.modules); '
            'import facial_keypoints.kfkd, facial_keypoints.nets, facial_keypoints.w207; '
            'from facial_keypoints.model import registry; '
            'from facial_keypoints.tutorial import nets; '
            'print(nets._built, facial_keypoints.w207._built)')
    run = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert run.stdout.split('\n')[:2] == ['False False', '{} {}'], run.stderr[-2000:]


def test_each_definition_declares_the_input_it_builds():
    from facial_keypoints.tutorial.nets import input_is_2d
    for definition in registry.DEFINITIONS.values():
        assert definition.input_2d == input_is_2d(definition.build()), definition.name


def test_module_level_nets_and_fresh_copies():
    from facial_keypoints.nets import net6
    fresh = nets.get_net('net6')
    assert fresh is not net6
    assert fresh.update_learning_rate is not net6.update_learning_rate
    assert net6.max_epochs == 3000 and nets.net.max_epochs == 3000
    assert isinstance(nets.net8.on_epoch_finished[2], EarlyStopping)
    assert nets.net8.on_epoch_finished[2].patience == 200
    with pytest.raises(ValueError, match='unknown net'):
        nets.get_net('net9')


def batch(n=8):
    rng = np.random.RandomState(0)
    X = rng.rand(n, 1, 96, 96).astype(np.float32)
    y = rng.uniform(-1, 1, (n, 30)).astype(np.float32)
    return X, y


def test_flip_batch_iterator_flips_exactly_half():
    X, y = batch()
    np.random.seed(1)
    Xb, yb = FlipBatchIterator(batch_size=8).transform(X.copy(), y.copy())
    flipped = [i for i in range(8) if not np.array_equal(Xb[i], X[i])]
    assert len(flipped) == 4
    for i in flipped:
        np.testing.assert_array_equal(Xb[i], X[i, :, :, ::-1])
        assert yb[i, 0] == -y[i, 2] and yb[i, 2] == -y[i, 0]  # x negated, swapped
        assert yb[i, 1] == y[i, 3] and yb[i, 3] == y[i, 1]    # y swapped only
        assert yb[i, 20] == -y[i, 20] and yb[i, 21] == y[i, 21]  # nose tip
    for i in set(range(8)) - set(flipped):
        np.testing.assert_array_equal(yb[i], y[i])


def test_flipping_twice_is_identity():
    X, y = batch()
    Xb, yb = X.copy(), y.copy()
    it = FlipBatchIterator(batch_size=8)
    np.random.seed(3)
    it.transform(Xb, yb)
    assert not np.array_equal(Xb, X) and not np.array_equal(yb, y)
    np.random.seed(3)
    it.transform(Xb, yb)
    np.testing.assert_array_equal(Xb, X)
    np.testing.assert_array_equal(yb, y)


def test_flip_leaves_test_batches_untouched():
    X, y = batch()
    Xb, yb = FlipBatchIterator(batch_size=8).transform(X.copy(), None)
    assert yb is None and sum(not np.array_equal(a, b) for a, b in zip(Xb, X)) == 4


class FakeNet:
    max_epochs = 11

    def __init__(self):
        import theano
        self.update_learning_rate = theano.shared(float32(1))


def test_adjust_variable_first_and_last_epoch():
    nn, adjust = FakeNet(), AdjustVariable('update_learning_rate', 0.03, 0.0001)
    adjust(nn, [{'epoch': 1}])
    assert nn.update_learning_rate.get_value() == float32(0.03)
    adjust(nn, [{'epoch': 6}])
    assert nn.update_learning_rate.get_value() == float32((0.03 + 0.0001) / 2)
    adjust(nn, [{'epoch': 11}])
    assert nn.update_learning_rate.get_value() == float32(0.0001)
    nn.max_epochs = 3  # a shortened run: the schedule follows
    adjust(nn, [{'epoch': 3}])
    assert nn.update_learning_rate.get_value() == float32(0.0001)


def test_early_stopping_restores_the_best_weights(in_data):
    X, y = kfkd.load()
    np.random.seed(0)
    net = small_net1()
    net.initialize()
    stopper = EarlyStopping(patience=2)
    history = []
    best = None
    for epoch, loss in enumerate([0.5, 0.3, 0.4, 0.35, 0.45], 1):
        net.layers_['output'].b.set_value(np.full(30, epoch, np.float32))
        history.append({'epoch': epoch, 'valid_loss': loss})
        if epoch == 2:
            best = net.predict(X[:5])
        if epoch < 5:
            stopper(net, history)
    with pytest.raises(StopIteration):
        stopper(net, history)
    assert stopper.best_valid_epoch == 2
    np.testing.assert_array_equal(net.predict(X[:5]), best)


