"""Training runs: fit and its run settings and record, Ctrl-C, the demo
(facial_keypoints/commands/fit.py)."""
import pickle
import os

import pytest

from facial_keypoints import cli, kfkd
from facial_keypoints.model import persist, record
from facial_keypoints.kaggle import datadir

from helpers import signalled_after


def test_resume_keeps_the_runs_data_options(in_data, tmp_path, trains):
    exclude = tmp_path / 'exclude.txt'
    exclude.write_text('1\n2\n3\n')
    first = kfkd.fit('net1', max_epochs=1, exclude=str(exclude), dct_window=8)
    again = kfkd.fit('net1', max_epochs=2, resume='net1.pickle')
    run, settings = record.get_record(again), record.settings_of(again)
    assert settings.exclude == str(exclude) and settings.dct_window == 8
    assert run['train_rows'] == record.get_record(first)['train_rows']
    assert run['epochs'] == 2


def test_fit_net1_valid_loss_falls(in_data, capsys, trains):
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


def test_resume_continues_from_the_next_epoch(in_data, capsys, trains):
    kfkd.fit('net1', max_epochs=3)
    kfkd.fit('net1', max_epochs=5, resume='net1.pickle', out='resumed.pickle')
    assert 'epochs 4..5' in capsys.readouterr().out
    net = persist.load_net('resumed.pickle')
    assert [h['epoch'] for h in net.train_history_] == [1, 2, 3, 4, 5]


def test_cli_fit_net6_two_epochs_writes_a_loadable_pickle(in_data, capsys, trains):
    assert cli.main(['fit', 'net6', '--max-epochs', '2', '--data-dir', in_data]) == 0
    out = capsys.readouterr().out
    assert 'Neural Network with 8051502 learnable parameters' in out
    with open('net6.pickle', 'rb') as f:
        net = pickle.load(f)
    assert len(net.train_history_) == 2
    assert net.predict(kfkd.load2d(test=True)[0]).shape == (30, 30)


def test_ctrl_c_stops_training_and_saves_the_net(in_data, capsys, trains):
    import signal
    before = signal.getsignal(signal.SIGINT)
    with signalled_after(2, signal.SIGINT), pytest.raises(
            KeyboardInterrupt, match='Paused after epoch 2 of 10 .Ctrl-C.: checkpoint '
            'net1.checkpoint.npz; the net so far is in net1.pickle'):
        kfkd.fit('net1', max_epochs=10)
    assert 'Ctrl-C: finishing this epoch' in capsys.readouterr().err
    # (the pickle holds this test's own callback, which only trust loads)
    assert len(persist.load_net('net1.pickle', trusted=True).train_history_) == 2
    assert len(persist.load_net('net1.checkpoint.npz').train_history_) == 2
    assert signal.getsignal(signal.SIGINT) is before
    net = kfkd.fit('net1', max_epochs=10)  # the same call again continues
    assert 'Continuing net1.checkpoint.npz after epoch 2: epochs 3..10' in (
        capsys.readouterr().out)
    assert [h['epoch'] for h in net.train_history_] == list(range(1, 11))
    assert not os.path.exists('net1.checkpoint.npz')


def test_demo_names_the_synthetic_data_it_generates(tmp_path, monkeypatch, capsys):
    from facial_keypoints.commands import demo
    from facial_keypoints.kaggle import synthetic
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.delenv('FKP_DATA_DIR', raising=False)
    write_dataset = synthetic.write_dataset
    monkeypatch.setattr(synthetic, 'write_dataset',
                        lambda directory: write_dataset(directory, 300, 20))
    calls = []

    def stop_at_first_unit(self, units, *args, **kwargs):
        calls.append([unit.key for unit in units])
        raise SystemExit

    monkeypatch.setattr(demo.Serial, 'run', stop_at_first_unit)
    with pytest.raises(SystemExit):
        demo.demo()
    out = capsys.readouterr()
    assert 'generating the embedded synthetic data set' in out.err
    assert '(synthetic)' in out.err and calls == [['net1']]
    assert datadir.is_synthetic(datadir.default_synthetic_dir())
