"""Pickle-free .npz checkpoints: every command that takes a trained net
takes one, and it predicts exactly what the pickle does."""
import os
import shutil

import numpy as np

import pandas as pd
import pytest

from facial_keypoints import cli, kfkd
from facial_keypoints.model import persist, record
from facial_keypoints.outputs.prediction import as_specialists
from helpers import small_net1


@pytest.fixture
def pickles(in_data, trained):
    """net1.pickle (2 epochs) and net-specialists.pickle here."""
    for path in trained.values():
        shutil.copy(path, '.')
    return in_data


@pytest.mark.parametrize('name', ['net1', 'net-specialists'])
def test_export_then_predict_writes_the_same_submission(pickles, name, capsys):
    assert cli.main(['export', name + '.pickle']) == 0
    assert cli.main(['predict', name + '.pickle', '--out', 'from-pickle.csv']) == 0
    assert cli.main(['predict', name + '.npz', '--out', 'from-npz.csv']) == 0
    pd.testing.assert_frame_equal(pd.read_csv('from-pickle.csv'), pd.read_csv('from-npz.csv'))
    assert 'Wrote {}.npz'.format(name) in capsys.readouterr().out
    for ours, again in zip(*(as_specialists(persist.load_net(name + suffix)).values()
                             for suffix in ('.pickle', '.npz'))):
        assert record.get_record(again) == record.get_record(ours)
        assert again.train_history_ == ours.train_history_


def test_npz_serves_every_command(pickles, capsys):
    persist.export_npz(persist.load_net('net1.pickle'), 'net1.npz')
    persist.export_npz(persist.load_net('net-specialists.pickle'), 'specialists.npz')
    for argv in (['plot_learning_curves', 'specialists.npz', '--out', 'c.png'],
                 ['plot_predictions', 'net1.npz', '--out', 'p.png'],
                 ['report', 'net1.npz', 'specialists.npz', '--out', 'r.md'],
                 ['fit', 'net1', '--resume', 'net1.npz', '--max-epochs', '3'],
                 ['fit_specialists', 'net1.npz', '--epochs', '1', '--out', 's2.pickle']):
        # (--epochs: fit_specialists' old name of --max-epochs)
        assert cli.main(argv) == 0, argv
    assert '| SYNTHETIC |' in open('r.md').read()
    resumed = persist.load_net('net1.pickle')
    assert [h['epoch'] for h in resumed.train_history_] == [1, 2, 3]
    assert record.settings_of(resumed).net == 'net1'
    specialists = persist.load_net('s2.pickle')
    assert all(record.settings_of(m).pretrained == 'net1.npz'
               for m in specialists.values())
    assert os.path.getsize('c.png') > 0 and os.path.getsize('p.png') > 0


def test_npz_without_a_description_or_definition_is_a_clear_error(in_data, tmp_path, trains):
    from facial_keypoints.base.errors import CheckpointError
    import numpy as np
    np.savez(str(tmp_path / 'params.npz'), a=np.zeros(3))
    with pytest.raises(CheckpointError, match='parameters only'):
        persist.load_net(str(tmp_path / 'params.npz'))
    net = kfkd.fit('net1', max_epochs=1)
    record.set_settings(net, record.settings_of(net).replace(net='my_own_net'))
    persist.export_npz(net, str(tmp_path / 'own.npz'))
    with pytest.raises(CheckpointError, match="no known net definition \\('my_own_net'\\)"):
        persist.load_net(str(tmp_path / 'own.npz'))


class GpuArrayStandIn:
    """Pickles as a GPU array does (through Theano's GpuArray_unpickler)."""

    def __reduce__(self):
        import numpy as np
        from theano.gpuarray.type import GpuArray_unpickler
        return GpuArray_unpickler, (np.zeros(3, np.float32), None)


class GpuContextStandIn:
    """Unpickles as a GPU array does where pygpu is installed but Theano
    runs on the CPU: asking Theano for a GPU context that is not there."""

    def __reduce__(self):
        from theano.gpuarray.type import get_context
        return get_context, (None,)


@pytest.mark.parametrize('stand_in, trust', [(GpuArrayStandIn, False),
                                             (GpuArrayStandIn, True),
                                             (GpuContextStandIn, True)])
def test_a_gpu_pickle_on_a_cpu_machine_points_to_the_npz(stand_in, trust, tmp_path, capsys):
    import pickle
    path = tmp_path / 'net6.pickle'
    path.write_bytes(pickle.dumps({'W': stand_in()}))
    trusting = ['--trust', str(path)] if trust else []
    assert cli.main(trusting + ['predict', str(path)]) == 1
    err = capsys.readouterr().err
    assert 'written on a GPU' in err and 'kfkd export' in err and len(err.splitlines()) == 1


def numpy1_unpickling_numpy2_state():
    """What NumPy 1.x raises for the generator state NumPy 2 pickles."""
    raise ValueError("<class 'numpy.random._mt19937.MT19937'> is not a known "
                     "BitGenerator module.")


class Numpy2StateOnNumpy1:
    def __reduce__(self):
        return numpy1_unpickling_numpy2_state, ()


def test_a_numpy2_pickle_on_numpy1_points_to_the_npz(tmp_path, capsys, monkeypatch):
    import pickle
    path = tmp_path / 'net6.pickle'
    path.write_bytes(pickle.dumps({'rng': Numpy2StateOnNumpy1()}))
    monkeypatch.setattr(persist.np, '__version__', '1.23.5')
    assert cli.main(['--trust', str(path), 'predict', str(path)]) == 1
    err = capsys.readouterr().err
    assert 'written under NumPy 2' in err and 'kfkd export' in err and len(err.splitlines()) == 1


def test_pickle_round_trip_predicts_identically(in_data, trains):
    X, y = kfkd.load()
    net = small_net1(2)
    net.fit(X, y)
    persist.save_net(net, 'n.pickle')
    again = persist.load_net('n.pickle')
    np.testing.assert_array_equal(net.predict(X), again.predict(X))


def test_npz_export_loads_with_load_params_from(in_data, trains):
    X, y = kfkd.load()
    net = small_net1(2)
    net.fit(X, y)
    record.set_record(net, {'net': 'net1'})
    persist.export_npz(net, 'n.npz')
    other = small_net1()
    other.load_params_from(persist.load_params_npz('n.npz'))
    np.testing.assert_array_equal(net.predict(X), other.predict(X))
