"""W207 preprocessing, DCT copies, data cleaning and sweeps."""
import os

import numpy as np
import pandas as pd
import pytest

from facial_keypoints import cli, kfkd
from facial_keypoints.model import inputs, record, registry
from facial_keypoints.base import errors
from facial_keypoints.kaggle import synthetic
from facial_keypoints.model.settings import RunSettings
from facial_keypoints.tutorial import data as tdata
from facial_keypoints.w207 import cleaning, dct
from facial_keypoints.w207.preprocessing import PREPROCESSORS, preprocess
from facial_keypoints.commands.sweep import sweep


def test_preprocessing_on_known_arrays():
    ramp = np.linspace(0, 1, 9216, dtype=np.float32).reshape(1, 9216)
    stretched = preprocess(ramp, 'contrast_stretch')
    assert stretched.shape == ramp.shape and stretched.dtype == np.float32
    assert stretched[0, 4608] == pytest.approx(0.5 / 0.8, abs=1e-3)
    assert stretched.max() == 1.0
    dark = (ramp * 0.3).reshape(1, 1, 96, 96)
    equalized = preprocess(dark, 'equalize_hist')
    assert equalized.shape == dark.shape and equalized.max() == pytest.approx(1.0)
    assert preprocess(dark, 'equalize_adapthist').std() > dark.std()
    with pytest.raises(ValueError, match='unknown preprocessing'):
        preprocess(dark, 'sharpen')
    assert set(PREPROCESSORS) == {'contrast_stretch', 'equalize_hist',
                                  'equalize_adapthist'}


def test_load_applies_preprocessing_and_exclusions(in_data, tmp_path):
    X, y = tdata.load(cols=('nose_tip_x', 'nose_tip_y'))
    equalised = registry.get_net('CNet_NPLFXL')
    record.set_settings(equalised, RunSettings(net='CNet_NPLFXL', preprocess='equalize_hist'))
    Xp, yp = inputs.load_for(equalised, cols=('nose_tip_x', 'nose_tip_y'))
    X = X.reshape(Xp.shape)
    np.testing.assert_array_equal(y, yp)
    np.testing.assert_allclose(Xp, preprocess(X, 'equalize_hist'), atol=1e-6)
    exclude = tmp_path / 'exclude.txt'
    exclude.write_text('# rows\n1\n2  # a reason\n')
    Xe, _ = tdata.load(cols=('nose_tip_x', 'nose_tip_y'), exclude=str(exclude))
    assert len(Xe) == len(X) - 2
    exclude.write_text('one\n')
    with pytest.raises(errors.DataError, match='line 1: not a row number'):
        tdata.load(exclude=str(exclude))


def test_dct_low_and_high_pass_sum_to_the_image():
    X = np.random.RandomState(0).rand(3, 1, 96, 96).astype(np.float32)
    for window in (1, 12, 48):
        low, high = dct.dct_low_pass(X, window), dct.dct_high_pass(X, window)
        np.testing.assert_allclose(low + high, X, atol=1e-5)
    flat = np.full((1, 1, 96, 96), 0.25, np.float32)
    np.testing.assert_allclose(dct.dct_low_pass(flat, 1), flat, atol=1e-6)
    np.testing.assert_allclose(dct.dct_high_pass(flat, 1), 0, atol=1e-6)
    Xa, ya = dct.append_dct_copies(X, np.ones((3, 30)), 8)
    assert Xa.shape == (9, 1, 96, 96) and ya.shape == (9, 30)


def test_cleaning_flags_a_planted_swapped_label():
    rng = np.random.RandomState(0)
    values = synthetic.sample_keypoints(rng, 50)
    values[7, [0, 2]] = values[7, [2, 0]]  # swap the eye centres' x
    values[9, 21] = -4
    reasons = cleaning.flag_labels(values)
    assert any('left/right swapped: left_eye_center' in r for r in reasons[7])
    assert 'point off the image' in reasons[9]
    assert sum(bool(r) for r in reasons) <= 5


def test_clean_command_writes_a_list_the_loader_takes(in_data, trains):
    kfkd.fit('net1', max_epochs=2)
    assert cli.main(['clean', 'net1.pickle', '--out-dir', 'review']) == 0
    table = pd.read_csv('review/clean-flags.csv')
    assert table['error_px'].notna().sum() > 100
    for name in ('clean-flags.csv', 'clean-sheet.png', 'clean-exclude.txt'):
        assert os.path.getsize(os.path.join('review', name)) > 0
    tdata.load(exclude='review/clean-exclude.txt')


def test_sweep_prints_its_table(in_data, capsys, trains):
    rows = sweep('net1', 'hidden_num_units', [10, 20], max_epochs=2,
                 out=['sweep.png', 'sweep.csv'])
    out = capsys.readouterr().out
    assert 'hidden_num_units' in out and 'valid loss' in out and 's/epoch' in out
    assert [r[0] for r in rows] == [10, 20] and os.path.getsize('sweep.png') > 0
    assert all(r[2] > 0 for r in rows)
    table = pd.read_csv('sweep.csv')
    assert list(table.columns) == ['hidden_num_units', 'train loss', 'valid loss', 's/epoch']
    np.testing.assert_allclose(table.values, np.array(rows, dtype=float))


def test_fit_with_dct_copies_trains_on_three_times_the_rows(in_data, trains):
    net = kfkd.fit('net1', max_epochs=1, dct_window=12)
    X, _ = tdata.load()
    run, settings = record.get_record(net), record.settings_of(net)
    assert run['train_rows'] == 3 * len(X) and settings.dct_window == 12
    assert settings.preprocess is None and len(net.train_history_) == 1


def test_sweep_is_quiet_but_for_its_table(in_data, capsys, trains):
    sweep('net1', 'hidden_num_units', [5], max_epochs=2, out='s.png')
    out = capsys.readouterr().out
    assert 'epoch    trn loss' not in out and 'learnable parameters' not in out
