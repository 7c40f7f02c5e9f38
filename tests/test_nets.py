"""The tutorial's nets, iterator, callbacks, and `kfkd fit`."""
import os
import pickle

import numpy as np
import pytest
from lasagne.layers import count_params, get_output_shape

from facial_keypoints import cli, kfkd, nets, persist, record, training
from facial_keypoints.kaggle import datadir
from facial_keypoints.tutorial.callbacks import AdjustVariable, EarlyStopping, float32
from facial_keypoints.tutorial.iterators import FlipBatchIterator
from facial_keypoints.tutorial.nets import MAKERS

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


class FakeNet(object):
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


def small_net1(max_epochs=3):
    net = nets.get_net('net1')
    net.max_epochs = max_epochs
    net.hidden_num_units = 10
    net.verbose = 0
    return net


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


def test_fit_net1_valid_loss_falls(in_data, capsys):
    kfkd.fit('net1', max_epochs=20)
    out = capsys.readouterr().out
    assert 'Neural Network with 924730 learnable parameters' in out
    assert 'Theano device: cpu' in out
    net = persist.load_net('net1.pickle')
    valid = [h['valid_loss'] for h in net.train_history_]
    assert len(valid) == 20 and valid[-1] < 0.3 * valid[0]
    run, settings = record.get_record(net), record.settings_of(net)
    assert settings.data == 'synthetic' and settings.net == 'net1' and settings.seed == 42
    assert run['epochs'] == 20 and run['train_rows'] == len(kfkd.load()[0])


def test_pickle_round_trip_predicts_identically(in_data):
    X, y = kfkd.load()
    net = small_net1(2)
    net.fit(X, y)
    persist.save_net(net, 'n.pickle')
    again = persist.load_net('n.pickle')
    np.testing.assert_array_equal(net.predict(X), again.predict(X))


def test_npz_export_loads_with_load_params_from(in_data):
    X, y = kfkd.load()
    net = small_net1(2)
    net.fit(X, y)
    record.set_record(net, {'net': 'net1'})
    persist.export_npz(net, 'n.npz')
    other = small_net1()
    other.load_params_from(persist.load_params_npz('n.npz'))
    np.testing.assert_array_equal(net.predict(X), other.predict(X))


def test_resume_continues_from_the_next_epoch(in_data, capsys):
    kfkd.fit('net1', max_epochs=3)
    kfkd.fit('net1', max_epochs=5, resume='net1.pickle', out='resumed.pickle')
    assert 'epochs 4..5' in capsys.readouterr().out
    net = persist.load_net('resumed.pickle')
    assert [h['epoch'] for h in net.train_history_] == [1, 2, 3, 4, 5]


def test_cli_fit_net6_two_epochs_writes_a_loadable_pickle(in_data, capsys):
    assert cli.main(['fit', 'net6', '--max-epochs', '2', '--data-dir', in_data]) == 0
    out = capsys.readouterr().out
    assert 'Neural Network with 8051502 learnable parameters' in out
    with open('net6.pickle', 'rb') as f:
        net = pickle.load(f)
    assert len(net.train_history_) == 2
    assert net.predict(kfkd.load2d(test=True)[0]).shape == (30, 30)


def test_cli_usage_and_help(capsys):
    assert cli.main([]) == 2
    assert 'fit_specialists' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(['fit', '--help'])
    assert '--max-epochs' in capsys.readouterr().out


def test_cli_reports_bad_data_cleanly(tmp_path, capsys):
    assert cli.main(['fit', 'net1', '--data-dir', str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith('error: training.csv: file not found') and len(err.splitlines()) == 1
    assert not os.path.exists('net1.pickle')


class InterruptAt(object):
    """A callback that sends SIGINT after the given epoch, as Ctrl-C does."""

    def __init__(self, epoch):
        self.epoch = epoch

    def __call__(self, nn, history):
        import signal
        if len(history) == self.epoch:
            signal.raise_signal(signal.SIGINT)


def test_ctrl_c_stops_training_and_saves_the_net(in_data, capsys, monkeypatch):
    import signal
    original = training.net_for

    def net_with_interrupt(settings):
        net = original(settings)
        net.on_epoch_finished.insert(0, InterruptAt(2))
        return net

    monkeypatch.setattr(training, 'net_for', net_with_interrupt)
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt, match='Paused after epoch 2 of 10 .Ctrl-C.: '
                       'checkpoint net1.checkpoint.npz; the net so far is in net1.pickle'):
        kfkd.fit('net1', max_epochs=10)
    assert 'Ctrl-C: finishing this epoch' in capsys.readouterr().err
    assert len(persist.load_net('net1.pickle').train_history_) == 2
    assert len(persist.load_net('net1.checkpoint.npz').train_history_) == 2
    assert signal.getsignal(signal.SIGINT) is before
    monkeypatch.setattr(training, 'net_for', original)
    net = kfkd.fit('net1', max_epochs=10)  # the same call again continues
    assert 'Continuing net1.checkpoint.npz after epoch 2: epochs 3..10' in (
        capsys.readouterr().out)
    assert [h['epoch'] for h in net.train_history_] == list(range(1, 11))
    assert not os.path.exists('net1.checkpoint.npz')


def test_demo_names_the_synthetic_data_it_generates(tmp_path, monkeypatch, capsys):
    from facial_keypoints import demo
    from facial_keypoints.kaggle import synthetic
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.delenv('FKP_DATA_DIR', raising=False)
    write_dataset = synthetic.write_dataset
    monkeypatch.setattr(synthetic, 'write_dataset',
                        lambda directory: write_dataset(directory, 300, 20))
    calls = []

    def stop_at_first_fit(*args, **kwargs):
        calls.append(args)
        raise SystemExit

    monkeypatch.setattr(demo.training, 'fit', stop_at_first_fit)
    with pytest.raises(SystemExit):
        demo.demo()
    out = capsys.readouterr()
    assert 'generating the embedded synthetic data set' in out.err
    assert '(synthetic)' in out.err and calls == [('net1',)]
    assert datadir.is_synthetic(datadir.default_synthetic_dir())
