"""Loading Kaggle CSVs, the parse cache, bad input, and the synthetic faces."""
import json
import os

import numpy as np
import pandas as pd
import pytest
from scipy.ndimage import gaussian_filter

from facial_keypoints.base.atomic import atomic_write
from facial_keypoints.base.errors import DataError
from facial_keypoints.kaggle import datadir, reading, synthetic
from facial_keypoints.kaggle.format import KEYPOINT_COLUMNS
from facial_keypoints.tutorial import data as tdata
from facial_keypoints import cli

NOSE = ('nose_tip_x', 'nose_tip_y')


@pytest.fixture(scope='session')
def full_dir(tmp_path_factory):
    """The synthetic data set at Kaggle's full size (7049 + 1783 faces)."""
    return synthetic.write_dataset(str(tmp_path_factory.mktemp('full')))


@pytest.fixture
def use_dir():
    def use(directory):
        datadir.set_data_dir(directory)
        return directory
    yield use
    datadir.set_data_dir(None)


@pytest.mark.slow
def test_full_size_load_shapes(full_dir, use_dir, capsys, monkeypatch):
    use_dir(full_dir)
    monkeypatch.setattr(tdata, 'is_interactive', lambda: True)  # as on a terminal
    X, y = tdata.load()
    assert X.dtype == np.float32 and y.dtype == np.float32
    assert 2000 <= X.shape[0] <= 2300 and X.shape[1] == 9216
    assert X.min() >= 0 and X.max() <= 1 and np.abs(y).max() <= 1
    printed = capsys.readouterr().out
    assert 'left_eye_center_x            7039' in printed
    assert 'Image                        7049' in printed

    monkeypatch.setattr(tdata, 'is_interactive', lambda: False)  # as in a log file
    X2, y2 = tdata.load2d(cols=NOSE)
    assert capsys.readouterr().out == 'training.csv: 7049 rows, 7049 with all 2 target columns\n'
    assert X2.shape == (7049, 1, 96, 96) and y2.shape == (7049, 2)
    Xt, yt = tdata.load(test=True)
    assert capsys.readouterr().out == 'test.csv: 1783 rows\n'
    assert Xt.shape == (1783, 9216) and yt is None


@pytest.mark.slow
def test_full_size_label_counts_match_the_real_ones(full_dir):
    stats = synthetic.label_stats()
    labels = pd.read_csv(os.path.join(full_dir, 'training.csv'),
                         usecols=list(KEYPOINT_COLUMNS))
    assert labels.count().tolist() == stats['column_counts']
    assert len(labels.dropna()) == stats['n_complete'] == 2140


@pytest.mark.slow
def test_cached_arrays_equal_the_tutorials(full_dir, use_dir):
    use_dir(full_dir)
    for test in (False, True):
        fname = tdata.FTEST if test else tdata.FTRAIN
        tdata.load(test=test)  # builds the cache
        assert os.path.exists(fname + reading.CACHE_SUFFIX)
        X, y = tdata.load(test=test)  # from the cache
        X_ref, y_ref = tdata.load_tutorial_way(fname, test=test)
        assert np.array_equal(X, X_ref)
        assert (y is None and y_ref is None) or np.array_equal(y, y_ref)


@pytest.fixture(scope='session')
def small_dir(tmp_path_factory):
    return synthetic.write_dataset(str(tmp_path_factory.mktemp('small')),
                                   n_train=120, n_test=10, seed=3)


def copy_training(small_dir, tmp_path, edit=None, text=None):
    with open(os.path.join(small_dir, 'training.csv')) as f:
        content = f.read()
    if edit:
        content = edit(content)
    path = tmp_path / 'training.csv'
    path.write_text(text if text is not None else content)
    return str(path)


def test_cache_is_rebuilt_when_the_csv_changes(small_dir, tmp_path):
    path = copy_training(small_dir, tmp_path)
    _, values, _ = reading.read_csv_cached(path)
    lines = open(path).read().splitlines()
    lines[1] = '12.5' + lines[1][lines[1].index(','):]
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    os.utime(path, ns=(1, 1))
    _, changed, _ = reading.read_csv_cached(path)
    assert changed[0, 0] == 12.5 and values[0, 0] != 12.5


def test_crlf_line_ends_just_work(small_dir, tmp_path):
    path = copy_training(small_dir, tmp_path, lambda c: c.replace('\n', '\r\n'))
    reference = reading.read_csv_file(os.path.join(small_dir, 'training.csv'))
    columns, values, images = reading.read_csv_file(path)
    assert np.array_equal(images, reference[2])
    np.testing.assert_array_equal(values, reference[1])


def replace_in_row(row, old, new, count=1):
    def edit(content):
        lines = content.split('\n')
        lines[row] = lines[row].replace(old, new, count)
        return '\n'.join(lines)
    return edit


def drop_last_pixel(row):
    def edit(content):
        lines = content.split('\n')
        lines[row] = lines[row].rsplit(' ', 1)[0]
        return '\n'.join(lines)
    return edit


def bad_pixel(row, value):
    def edit(content):
        lines = content.split('\n')
        head, _, image = lines[row].rpartition(',')
        pixels = image.split()
        pixels[5] = value
        lines[row] = head + ',' + ' '.join(pixels)
        return '\n'.join(lines)
    return edit


BAD_FILES = [
    ('empty', None, '', 'the file is empty', None, None),
    ('header only', None, ','.join(KEYPOINT_COLUMNS) + ',Image\n',
     'header but no rows', None, None),
    ('missing column', replace_in_row(0, 'nose_tip_y,', ''), None,
     "missing column 'nose_tip_y'", None, 'nose_tip_y'),
    ('misnamed column', replace_in_row(0, 'nose_tip_x', 'nose_tipx'), None,
     "misnamed as 'nose_tipx'", None, 'nose_tip_x'),
    ('wrong pixel count', drop_last_pixel(3), None, '9215 pixel values',
     3, 'Image'),
    ('non-numeric pixel', bad_pixel(2, 'abc'), None, "non-numeric pixel value 'abc'",
     2, 'Image'),
    ('out-of-range pixel', bad_pixel(4, '256'), None, 'pixel value 256 is out of range',
     4, 'Image'),
    ('non-numeric keypoint', lambda c: c.replace('\n', '\nx' , 2).replace('\nx', '\n', 1),
     None, "non-numeric value", 2, 'left_eye_center_x'),
    ('truncated', lambda c: c[:len(c) // 2], None, 'pixel values, expected 9216',
     None, 'Image'),
]


@pytest.mark.parametrize('case,edit,text,message,row,column', BAD_FILES,
                         ids=[c[0] for c in BAD_FILES])
def test_bad_files_get_clear_errors(small_dir, tmp_path, case, edit, text,
                                    message, row, column):
    path = copy_training(small_dir, tmp_path, edit, text)
    with pytest.raises(DataError) as error:
        reading.read_csv_cached(path)
    assert message in str(error.value)
    assert str(error.value).startswith('training.csv')
    if row is not None:
        assert error.value.row == row
        assert 'row {} (line {})'.format(row, row + 1) in str(error.value)
    assert error.value.column == column
    assert not os.path.exists(path + reading.CACHE_SUFFIX)
    assert [p.name for p in tmp_path.iterdir()] == ['training.csv']


def test_missing_file_says_how_to_get_data(tmp_path, use_dir):
    use_dir(str(tmp_path))
    with pytest.raises(DataError) as error:
        tdata.load()
    assert 'training.csv' in str(error.value)
    assert 'download' in str(error.value) and 'synth' in str(error.value)


def test_keypoints_outside_the_image_warn(small_dir, tmp_path):
    path = copy_training(small_dir, tmp_path, lambda c: c.replace(
        '\n', '\n-3.5' + 'X', 1).replace('X' + c.split('\n')[1].split(',')[0], '', 1))
    with pytest.warns(UserWarning, match='1 keypoint values in 1 rows lie outside'):
        reading.read_csv_file(path)


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / 'net.pickle'
    target.write_bytes(b'good')
    with pytest.raises(RuntimeError):
        with atomic_write(str(target)) as f:
            f.write(b'half')
            raise RuntimeError('interrupted')
    assert target.read_bytes() == b'good'
    assert [p.name for p in tmp_path.iterdir()] == ['net.pickle']


def test_data_dir_precedence(tmp_path, monkeypatch, use_dir):
    monkeypatch.setenv('FKP_DATA_DIR', str(tmp_path / 'env'))
    assert datadir.data_dir() == str(tmp_path / 'env')
    use_dir(str(tmp_path / 'option'))
    assert tdata.FTRAIN == str(tmp_path / 'option' / 'training.csv')
    use_dir(None)
    monkeypatch.delenv('FKP_DATA_DIR')
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))
    assert datadir.data_dir() == datadir.default_synthetic_dir()
    kaggle = tmp_path / 'data' / 'kaggle-facial-keypoint-detection'
    kaggle.mkdir(parents=True)
    (kaggle / 'training.csv').write_text('')
    assert datadir.data_dir() == os.path.expanduser(datadir.KAGGLE_DATA_DIR)


# -- the synthetic faces --------------------------------------------------------

def test_synthetic_files_have_the_kaggle_format(small_dir):
    with open(os.path.join(small_dir, 'training.csv')) as f:
        header = f.readline().strip().split(',')
    assert header == list(KEYPOINT_COLUMNS) + ['Image']
    with open(os.path.join(small_dir, 'IdLookupTable.csv'), 'rb') as f:
        assert f.readline() == b'RowId,ImageId,FeatureName,Location\r\n'
    lookup = reading.read_lookup_table(os.path.join(small_dir, 'IdLookupTable.csv'))
    sample = pd.read_csv(os.path.join(small_dir, 'SampleSubmission.csv'))
    assert list(sample.columns) == ['RowId', 'Location']
    assert len(sample) == len(lookup) and lookup['RowId'].tolist() == list(
        range(1, len(lookup) + 1))
    assert set(lookup['ImageId']) == set(range(1, 11))
    assert json.load(open(os.path.join(small_dir, synthetic.MARKER)))['seed'] == 3
    assert datadir.is_synthetic(small_dir)


def test_synthetic_data_is_deterministic_for_a_seed(tmp_path, small_dir):
    again = synthetic.write_dataset(str(tmp_path), n_train=120, n_test=10, seed=3)
    for name in ('training.csv', 'test.csv', 'IdLookupTable.csv'):
        with open(os.path.join(small_dir, name), 'rb') as a, \
                open(os.path.join(again, name), 'rb') as b:
            assert a.read() == b.read()


def test_keypoints_land_on_rendered_features():
    rng = np.random.RandomState(7)
    shapes = synthetic.sample_keypoints(rng, 50)
    images = synthetic.render_faces(rng, shapes).reshape(-1, 96, 96)
    distances = []
    for image, shape in zip(images, shapes):
        # Smoothed over the skin's grain, each pupil is its window's darkest spot.
        image = gaussian_filter(image.astype(float), 1.0)
        for x, y in (shape[0:2], shape[2:4]):  # eye centres
            x0, y0 = int(round(x)), int(round(y))
            window = image[max(y0 - 5, 0):y0 + 6, max(x0 - 5, 0):x0 + 6]
            dy, dx = np.unravel_index(np.argmin(window), window.shape)
            distances.append(np.hypot(max(x0 - 5, 0) + dx - x, max(y0 - 5, 0) + dy - y))
    assert np.median(distances) < 1.5
    assert np.mean(np.array(distances) < 3) > 0.9


def test_shipped_label_stats_are_derived_from_the_real_labels(kaggle_labels):
    shipped = synthetic.label_stats()
    derived = json.loads(json.dumps(synthetic.derive_label_stats(kaggle_labels)))
    # Patterns come most frequent first; among equal counts, in whatever
    # order NumPy's sort leaves them (NumPy 2's differs from 1.x's, which
    # made the shipped file).
    for stats in (shipped, derived):
        for key in ('train_patterns', 'lookup_patterns'):
            counts = [n for _, n in stats[key]]
            assert counts == sorted(counts, reverse=True)
            stats[key] = sorted(stats[key])
    assert derived == shipped
    assert shipped['n_complete'] == 2140
    assert shipped['column_counts'][0] == 7039


def test_allocation_gives_exact_real_counts():
    patterns = [['1111', 7], ['1000', 3]]
    rows = synthetic.allocate_patterns(patterns, 10, np.random.RandomState(0))
    assert rows.sum(axis=0).tolist() == [10, 7, 7, 7]


def test_sample_grid_png(small_dir, use_dir, tmp_path):
    from facial_keypoints.outputs import figures
    use_dir(small_dir)
    out = figures.plot_samples(str(tmp_path / 'samples.png'))
    import matplotlib.image
    image = matplotlib.image.imread(out)
    assert image.shape[:2] == (480, 480)
    assert image[..., :3].std() > 0.05


def test_the_default_data_set_is_remade_by_a_newer_generator(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.delenv('FKP_DATA_DIR', raising=False)
    write_dataset = synthetic.write_dataset
    monkeypatch.setattr(synthetic, 'write_dataset',
                        lambda directory: write_dataset(directory, 8, 2))
    first = datadir.data_file('training.csv')
    assert 'generating the embedded synthetic data set' in capsys.readouterr().err
    assert datadir.data_file('training.csv') == first
    assert capsys.readouterr().err == ''
    marker = os.path.join(os.path.dirname(first), synthetic.MARKER)
    made = json.load(open(marker))
    json.dump(dict(made, version=made['version'] - 1), open(marker, 'w'))
    datadir.data_file('training.csv')
    assert 'generating' in capsys.readouterr().err
    assert json.load(open(marker))['version'] == synthetic.GENERATOR_VERSION


def test_synth_seeds_give_different_data(tmp_path, capsys):
    for seed in (7, 8):
        assert cli.main(['synth', '--out', str(tmp_path / str(seed)), '--n-train', '20',
                         '--n-test', '3', '--seed', str(seed)]) == 0
    a, b = ((tmp_path / s / 'training.csv').read_bytes() for s in ('7', '8'))
    assert a != b
    again = synthetic.write_dataset(str(tmp_path / 'again'), 20, 3, seed=7)
    assert (tmp_path / 'again' / 'training.csv').read_bytes() == a and again
