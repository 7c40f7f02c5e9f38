"""Specialists, pretraining, submissions and plots."""
import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from facial_keypoints import kfkd, nets
from facial_keypoints.model import persist, record
from facial_keypoints.kaggle import datadir, reading, submission
from facial_keypoints.kaggle import format as kformat
from facial_keypoints.kfkd import fit_specialists
from facial_keypoints.tutorial import plots
from facial_keypoints.tutorial.specialists import SPECIALIST_SETTINGS, make_specialist
from helpers import working_in


def test_settings_are_the_tutorials_six_groups():
    assert [len(s['columns']) for s in SPECIALIST_SETTINGS] == [4, 2, 6, 2, 8, 8]
    columns = sum((s['columns'] for s in SPECIALIST_SETTINGS), ())
    assert sorted(columns) == sorted(kformat.KEYPOINT_COLUMNS)


@pytest.fixture(scope='module')
def pretrained(train_dir, tmp_path_factory, trains):
    directory = tmp_path_factory.mktemp('pre')
    with working_in(directory, train_dir):
        kfkd.fit('net6', max_epochs=1)
    return str(directory / 'net6.pickle')


def test_pretrained_specialist_starts_from_the_pretrained_weights(pretrained):
    source = persist.load_net(pretrained)
    model = make_specialist(SPECIALIST_SETTINGS[0], 1000, nets.get_net('net6'),
                            source)
    assert model.max_epochs == 4000
    mine, theirs = model.get_all_params_values(), source.get_all_params_values()
    for name in mine:
        if name == 'output':
            assert mine[name][0].shape == (500, 4)
        else:
            for a, b in zip(mine[name], theirs[name]):
                np.testing.assert_array_equal(a, b)
    assert make_specialist(SPECIALIST_SETTINGS[1], 1000, nets.get_net('net')
                           ).max_epochs == 10000


def test_mismatching_pretrained_net_gets_a_clear_error(in_data, trains):
    X, y = kfkd.load()
    net1 = nets.get_net('net1')
    net1.max_epochs, net1.verbose = 1, 0
    net1.fit(X, y)
    with pytest.raises(ValueError, match="does not match the specialists' trunk"):
        make_specialist(SPECIALIST_SETTINGS[0], 100, nets.get_net('net6'), net1)


def test_fit_specialists_predict_and_plot(in_data, trained):
    # the session's specialists, pretrained from net1 (tests/conftest.py)
    specialists = persist.load_net(trained['specialists'])
    assert [m.output_num_units for m in specialists.values()] == [4, 2, 6, 2, 8, 8]
    assert list(specialists) == [s['columns'] for s in SPECIALIST_SETTINGS]
    assert specialists[SPECIALIST_SETTINGS[0]['columns']] \
        .batch_iterator_train.flip_indices == ((0, 2), (1, 3))
    assert all(record.settings_of(m).data == 'synthetic'
               and record.settings_of(m).net == 'net1'
               and record.settings_of(m).pretrained == 'net1.pickle'
               and record.settings_of(m).columns == columns
               for columns, m in specialists.items())

    out = kfkd.predict(trained['specialists'], out='submission.csv')
    written = pd.read_csv(out)
    lookup = reading.read_lookup_table(datadir.data_files()['FLOOKUP'])
    assert written['RowId'].tolist() == lookup['RowId'].tolist()
    assert written['Location'].between(0, 96).all()

    png = kfkd.plot_learning_curves(trained['specialists'], 'curves.png')
    image = matplotlib.image.imread(png)
    assert image.shape[:2] == (480, 800) and image[..., :3].std() > 0.05


def test_submission_for_the_real_lookup_table(kaggle_labels, train_dir):
    lookup = reading.read_lookup_table(kaggle_labels + '/IdLookupTable.csv')
    rng = np.random.RandomState(0)
    predictions = pd.DataFrame(rng.uniform(0, 96, (1783, 30)),
                               columns=kformat.KEYPOINT_COLUMNS,
                               index=pd.RangeIndex(1, 1784, name='ImageId'))
    frame = submission.submission_frame(predictions, lookup)
    assert len(frame) == 27124
    assert frame['RowId'].tolist() == list(range(1, 27125))
    for i in rng.choice(27124, 200, replace=False):
        row = lookup.iloc[i]
        assert frame['Location'].iloc[i] == \
            predictions.loc[row['ImageId'], row['FeatureName']]


def test_single_net_pickle_predicts_all_columns(in_data, trains):
    kfkd.fit('net1', max_epochs=2)
    out = kfkd.predict('net1.pickle', out='single.csv')
    assert len(pd.read_csv(out)) == len(reading.read_lookup_table(datadir.data_files()['FLOOKUP']))


def test_rebin_and_rmse():
    assert plots.rebin(np.arange(200.), (100,)).tolist() == list(range(0, 200, 2))
    assert len(plots.rebin(np.arange(7.), (100,))) == 100
    assert kformat.rmse_pixels([0.0025])[0] == pytest.approx(2.4)


def test_specialists_follow_the_pretrained_nets_definition(in_data, trains):
    kfkd.fit('net1', max_epochs=2)
    specialists = fit_specialists('net1.pickle', max_epochs=1, out='net1-specialists.pickle')
    assert all(nets.input_is_2d(m) is False for m in specialists.values())
    assert [m.layers_['hidden'].num_units for m in specialists.values()] == [100] * 6
    assert len(pd.read_csv(kfkd.predict('net1-specialists.pickle', out='s.csv'))) == len(
        reading.read_lookup_table(datadir.data_files()['FLOOKUP']))


def test_specialists_of_a_preprocessed_net_preprocess(in_data, monkeypatch, trains):
    from facial_keypoints.model import inputs
    from facial_keypoints.longrun import train
    kfkd.fit('net1', max_epochs=1, preprocess='equalize_hist')
    seen = []
    load_as = inputs.load_as

    def recording_load_as(settings, **kwargs):
        X, y = load_as(settings, **kwargs)
        seen.append((settings.preprocess, float(X.mean())))
        return X, y

    monkeypatch.setattr(train, 'load_as', recording_load_as)
    specialists = kfkd.fit_specialists('net1.pickle', max_epochs=1)
    assert [p for p, _ in seen] == ['equalize_hist'] * 6
    assert all(record.settings_of(m).preprocess == 'equalize_hist'
               for m in specialists.values())
    assert abs(seen[1][1] - 0.5) < 0.05  # equalised images average about 0.5
