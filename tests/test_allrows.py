"""Every labelled keypoint: the masked loss, flipping with missing targets,
``fit --all-rows`` and cross-validation (``evaluate``)."""
import numpy as np
import pandas as pd
import pytest
import theano
import theano.tensor as T
from lasagne import layers
from lasagne.objectives import aggregate, squared_error
from nolearn.lasagne.base import Layers, objective

from facial_keypoints import cli, kfkd
from facial_keypoints.outputs import report
from facial_keypoints.model import masked, persist, record
from facial_keypoints.commands.evaluate import labelled_rows, mean_face, split_folds
from facial_keypoints.outputs.tables import MEAN_FACE, OVERALL, read_table
from facial_keypoints.kaggle import datadir, reading
from facial_keypoints.kaggle.format import KEYPOINT_NAMES, TRAIN_FILE, to_pixels
from facial_keypoints.tutorial.iterators import FlipBatchIterator

floatX = theano.config.floatX


def compiled_losses():
    p, t = T.matrix('p'), T.matrix('t')
    mine = masked.masked_squared_error(p, t)
    plain = aggregate(squared_error(p, t))  # nolearn's default loss
    return theano.function([p, t], [mine, plain, T.grad(mine, p), T.grad(plain, p)])


def test_masked_loss_is_the_plain_mse_on_complete_rows():
    rng = np.random.RandomState(0)
    p, t = (rng.uniform(-1, 1, (16, 30)).astype(floatX) for _ in range(2))
    mine, plain, grad_mine, grad_plain = compiled_losses()(p, t)
    assert mine == plain
    np.testing.assert_array_equal(grad_mine, grad_plain)


def test_masked_loss_ignores_missing_targets():
    rng = np.random.RandomState(1)
    p, t = (rng.uniform(-1, 1, (16, 30)).astype(floatX) for _ in range(2))
    t[::2, 4:] = np.nan
    t[3, :] = np.nan
    present = ~np.isnan(t)
    f = compiled_losses()
    mine, _, grad, _ = f(p, t)
    np.testing.assert_allclose(mine, np.mean((p - t)[present] ** 2, dtype=np.float64),
                               rtol=1e-6)
    assert np.isfinite(grad).all()
    assert (grad[~present] == 0).all()
    # elsewhere: the plain gradient of the squared error over present entries
    np.testing.assert_allclose(grad[present], 2 * (p - t)[present] / present.sum(),
                               rtol=1e-6)
    # a prediction for a missing target changes nothing
    p2 = p.copy()
    p2[~present] += 5
    assert f(p2, t)[0] == mine
    assert f(p, np.full_like(t, np.nan))[0] == 0


def test_nolearns_objective_gives_exactly_the_masked_mean():
    # nolearn's objective takes the mean of the loss function's result
    l_in = layers.InputLayer((None, 5))
    l_out = layers.DenseLayer(l_in, num_units=4, nonlinearity=None)
    target = T.matrix('y')
    loss = objective(Layers([('input', l_in), ('output', l_out)]),
                     masked.masked_squared_error, target, deterministic=True)
    direct = masked.masked_squared_error(layers.get_output(l_out, deterministic=True),
                                         target)
    f = theano.function([l_in.input_var, target], [loss, direct])
    X = np.random.RandomState(2).rand(6, 5).astype(floatX)
    y = np.random.RandomState(3).rand(6, 4).astype(floatX)
    y[1:3, 2:] = np.nan
    a, b = f(X, y)
    assert a == b and np.isfinite(a)


def test_flip_swaps_and_negates_missing_targets():
    np.random.seed(0)
    X = np.random.rand(8, 1, 96, 96).astype(np.float32)
    y = np.random.uniform(-1, 1, (8, 30)).astype(np.float32)
    y[:4, 0:2] = np.nan  # no left eye centre
    y[::3, 22:24] = np.nan  # no left mouth corner
    before = y.copy()
    np.random.seed(7)
    indices = np.random.choice(8, 4, replace=False)
    np.random.seed(7)
    Xb, yb = FlipBatchIterator(batch_size=8).transform(X.copy(), y.copy())
    flipped = np.zeros(8, bool)
    flipped[indices] = True
    assert flipped.any() and not flipped.all()
    np.testing.assert_array_equal(yb[~flipped], before[~flipped])
    expected = before[flipped].copy()
    expected[:, ::2] *= -1
    for a, b in FlipBatchIterator.flip_indices:
        expected[:, [a, b]] = expected[:, [b, a]]
    np.testing.assert_array_equal(yb[flipped], expected)  # NaN where NaN
    assert np.isnan(yb[flipped & (np.arange(8) < 4), 2:4]).all()  # now the right eye
    assert not np.isnan(yb[flipped & (np.arange(8) < 4), 0:2]).any()
    assert np.isnan(yb).sum() == np.isnan(before).sum()


def test_folds_partition_the_labelled_rows():
    values = np.full((50, 4), np.nan)
    values[::2, 0] = 1.0
    values[1::5, 3] = 2.0
    rows = labelled_rows(values)
    assert set(rows) == {r + 1 for r in range(50) if r % 2 == 0 or r % 5 == 1}
    folds = split_folds(rows, 4, seed=3)
    together = np.concatenate(folds)
    assert sorted(together) == sorted(rows)  # every row held out exactly once
    assert max(map(len, folds)) - min(map(len, folds)) <= 1
    assert all((a == b).all() for a, b in zip(folds, split_folds(rows, 4, seed=3)))
    assert any((a != b).any() for a, b in zip(folds, split_folds(rows, 4, seed=4)))
    with pytest.raises(ValueError, match='`folds`'):
        split_folds(rows, 1)


def test_mean_face_uses_the_given_rows_only():
    values = np.array([[1., 10.], [3., np.nan], [100., 1000.]])
    np.testing.assert_array_equal(mean_face(values, [1, 2]), [2., 10.])


def test_load_all_rows_keeps_rows_with_any_keypoint(in_data):
    X, y = kfkd.load()
    X_all, y_all = kfkd.load(all_rows=True)
    _, values, _ = reading.read_csv_cached(datadir.data_file(TRAIN_FILE))
    assert len(X) == np.isfinite(values).all(axis=1).sum() < len(X_all)
    assert len(X_all) == np.isfinite(values).any(axis=1).sum()
    assert np.isnan(y_all).any() and not np.isnan(y).any()
    assert np.isnan(y_all).sum() == np.isnan(values).sum()
    X2, y2 = kfkd.load2d(all_rows=True, cols=['nose_tip_x', 'nose_tip_y'])
    assert X2.shape[1:] == (1, 96, 96) and not np.isnan(y2).any()


def test_fit_all_rows_trains_on_more_rows_and_learns(in_data, trains):
    complete = kfkd.fit('net1', max_epochs=5, out='complete.pickle')
    net = kfkd.fit('net1', max_epochs=40, all_rows=True, out='all.pickle')
    run = record.get_record(net)
    assert record.settings_of(net).all_rows is True
    assert record.settings_of(complete).all_rows is False
    assert run['train_rows'] > 2 * record.get_record(complete)['train_rows']
    valid = [h['valid_loss'] for h in net.train_history_]
    train = [h['train_loss'] for h in net.train_history_]
    assert np.isfinite(valid).all() and np.isfinite(train).all()
    assert valid[-1] < 0.5 * valid[0] and train[-1] < 0.5 * train[0]

    # the saved net, and its .npz, keep the masked loss
    again = persist.load_net('all.pickle')
    assert masked.uses_masked_loss(again)
    persist.export_npz(again, 'all.npz')
    assert masked.uses_masked_loss(persist.load_net('all.npz'))

    # one net fills every row of the lookup table
    out = kfkd.predict('all.pickle', out='submission.csv')
    written = pd.read_csv(out)
    lookup = reading.read_lookup_table(datadir.data_files()['FLOOKUP'])
    assert written['RowId'].tolist() == lookup['RowId'].tolist()
    assert written['Location'].notna().all()


def test_resume_keeps_the_rows_a_net_was_trained_on(in_data, capsys, trains):
    kfkd.fit('net1', max_epochs=2)
    net = kfkd.fit('net1', max_epochs=3, resume='net1.pickle')
    assert not masked.uses_masked_loss(net) and not record.settings_of(net).all_rows
    # another choice of rows is another run: refused in one line
    code = cli.main(['fit', 'net1', '--max-epochs', '4', '--resume', 'net1.pickle',
                     '--all-rows'])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert 'net1.pickle: holds a run with --all-rows False, not True' in err
    assert '--restart' in err


def test_evaluate_prints_and_writes_the_table(in_data, capsys, trains):
    assert cli.main(['evaluate', 'net1', '--folds', '3', '--max-epochs', '30',
                     '--all-rows', '--out', 'all.csv']) == 0
    out = capsys.readouterr().out
    assert 'net1 all rows fold 3 of 3' in out and 'left_eye_center' in out
    table, note = read_table('all.csv')
    assert 'data: synthetic' in note and '3 folds' in note
    assert list(table.index) == list(KEYPOINT_NAMES) + [OVERALL]
    assert list(table.columns) == ['labelled', 'net1 all rows', MEAN_FACE]

    # every labelled held-out entry counts, scored against training-fold means
    _, values, _ = reading.read_csv_cached(datadir.data_file(TRAIN_FILE))
    rows = labelled_rows(values)
    errors = []
    for fold in split_folds(rows, 3, seed=42):
        face = mean_face(values, np.setdiff1d(rows, fold))
        errors.append((values[fold - 1] - face) ** 2)
    errors = np.vstack(errors)
    assert table.loc[OVERALL, 'labelled'] == np.isfinite(values[:, ::2]).sum()
    np.testing.assert_allclose(table.loc[OVERALL, MEAN_FACE],
                               np.sqrt(np.nanmean(errors)), atol=1e-3)
    np.testing.assert_allclose(table.loc['nose_tip', MEAN_FACE],
                               np.sqrt(np.nanmean(errors[:, 20:22])), atol=1e-3)
    whole = np.sqrt(np.nanmean((values - np.nanmean(values, axis=0)) ** 2))
    assert abs(table.loc[OVERALL, MEAN_FACE] - whole) > 1e-3  # not the whole set's

    assert cli.main(['evaluate', 'net1', '--folds', '3', '--max-epochs', '30',
                     '--out', 'complete.csv']) == 0
    assert 'trained on 1' in capsys.readouterr().out  # complete rows: fewer
    written = report.write_report([], 'r.md', evaluations=['complete.csv', 'all.csv'])
    text = open(written).read()
    assert '## Cross-validation per keypoint' in text and 'SYNTHETIC DATA' in text
    assert '| keypoint | labelled | net1 | net1 all rows | mean face |' in text


def test_evaluate_specialists_pretrained_per_fold(in_data, capsys, trains):
    from facial_keypoints.commands.evaluate import evaluate
    table = evaluate('specialists', folds=2, max_epochs=1, pretrain='net1')
    assert list(table.columns) == ['labelled', 'specialists of net1', MEAN_FACE]
    assert table.notna().all().all()
    assert len(table.attrs['folds'][0]['epochs']) == 7  # the net, then six
    assert 'Training model for columns' in capsys.readouterr().out


@pytest.mark.parametrize('argv, message', [
    (['evaluate', 'net1', '--folds', '1'], 'must be at least 2'),
    (['evaluate', 'net1', '--pretrain', 'net1'], 'for specialists only'),
    (['evaluate', 'net1', '--time-limit', '-3'], 'positive number of seconds'),
    (['report'], 'give trained nets, --evaluations'),
])
def test_evaluate_bad_arguments_get_one_line(argv, message, capsys):
    try:
        status = cli.main(argv)
    except SystemExit as e:  # argparse's checks exit at parse time
        status = e.code
    assert status == 2
    err = capsys.readouterr().err
    assert message in err and err.count('\n') == 1


def test_report_refuses_tables_of_other_folds(in_data, tmp_path):
    lines = ['# data: synthetic (x); 3 folds, seed 42; 1 s of training per fold',
             'keypoint,labelled,net1,mean face']
    lines += ['{},{},1.0,{}'.format(k, 10, 2.0) for k in list(KEYPOINT_NAMES) + [OVERALL]]
    (tmp_path / 'a.csv').write_text('\n'.join(lines) + '\n')
    (tmp_path / 'b.csv').write_text('\n'.join(lines).replace(',2.0', ',2.5') + '\n')
    with pytest.raises(ValueError, match='other held-out labels'):
        report.write_report([], 'r.md', evaluations=[str(tmp_path / 'a.csv'),
                                                     str(tmp_path / 'b.csv')])
    (tmp_path / 'c.csv').write_text('x,y\n1,2\n')
    with pytest.raises(ValueError, match='not a table of `kfkd evaluate`'):
        report.write_report([], 'r.md', evaluations=[str(tmp_path / 'c.csv')])


def test_targets_in_pixels_match_the_file(in_data):
    # evaluate scores predictions against load's scaled targets, in pixels
    _, y = kfkd.load(all_rows=True)
    _, values, _ = reading.read_csv_cached(datadir.data_file(TRAIN_FILE))
    np.testing.assert_allclose(np.nanmean(to_pixels(y), axis=0),
                               np.nanmean(values, axis=0), atol=1e-3)
