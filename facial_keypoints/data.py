"""Loading the Kaggle Facial Keypoints Detection data, as in the tutorial.

``load()`` and ``load2d()`` read ``training.csv`` / ``test.csv`` from the
data directory, which is, in order: the ``--data-dir`` of a command
(:func:`set_data_dir`), the ``FKP_DATA_DIR`` environment variable, the
tutorial's ``~/data/kaggle-facial-keypoint-detection/`` when it holds
``training.csv``, else the embedded default: synthetic Kaggle-shaped faces,
generated on first use (see :mod:`facial_keypoints.synthetic`).

The ``Image`` column is parsed vectorised rather than row by row with the
tutorial's ``np.fromstring`` (deprecated and slow), and the parsed arrays are
cached beside the CSV; the arrays returned are identical to the tutorial's.
"""
import difflib
import io
import os
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn.utils import shuffle

from .atomic import atomic_write

KEYPOINT_COLUMNS = (
    'left_eye_center_x', 'left_eye_center_y',
    'right_eye_center_x', 'right_eye_center_y',
    'left_eye_inner_corner_x', 'left_eye_inner_corner_y',
    'left_eye_outer_corner_x', 'left_eye_outer_corner_y',
    'right_eye_inner_corner_x', 'right_eye_inner_corner_y',
    'right_eye_outer_corner_x', 'right_eye_outer_corner_y',
    'left_eyebrow_inner_end_x', 'left_eyebrow_inner_end_y',
    'left_eyebrow_outer_end_x', 'left_eyebrow_outer_end_y',
    'right_eyebrow_inner_end_x', 'right_eyebrow_inner_end_y',
    'right_eyebrow_outer_end_x', 'right_eyebrow_outer_end_y',
    'nose_tip_x', 'nose_tip_y',
    'mouth_left_corner_x', 'mouth_left_corner_y',
    'mouth_right_corner_x', 'mouth_right_corner_y',
    'mouth_center_top_lip_x', 'mouth_center_top_lip_y',
    'mouth_center_bottom_lip_x', 'mouth_center_bottom_lip_y',
)
IMAGE_SIZE = 96
N_PIXELS = IMAGE_SIZE * IMAGE_SIZE

TRAIN_FILE, TEST_FILE, LOOKUP_FILE = 'training.csv', 'test.csv', 'IdLookupTable.csv'
KAGGLE_DATA_DIR = '~/data/kaggle-facial-keypoint-detection/'
#: Written by the synthetic generator into the directories it fills.
SYNTHETIC_MARKER = 'SYNTHETIC.json'
CACHE_SUFFIX = '.parsed.npz'
CACHE_VERSION = 1

_data_dir = None


class DataError(ValueError):
    """Bad input data, located by file, 1-based data row and column."""

    def __init__(self, path, message, row=None, column=None):
        where = [os.path.basename(path) if path else '<data>']
        if row is not None:
            where.append('row {} (line {})'.format(row, row + 1))
        if column is not None:
            where.append('column {}'.format(column))
        super().__init__('{}: {}'.format(', '.join(where), message))
        self.path, self.row, self.column = path, row, column


# -- where the data is --------------------------------------------------------

def set_data_dir(path):
    """Use ``path`` as the data directory (None: back to the defaults)."""
    global _data_dir
    _data_dir = None if path is None else os.path.expanduser(str(path))


def default_synthetic_dir():
    """Where the embedded default synthetic data set is generated."""
    cache = os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache')
    return os.path.join(cache, 'facial_keypoints', 'synthetic')


def data_dir():
    """The data directory in use, by the precedence in the module docstring."""
    if _data_dir:
        return _data_dir
    if os.environ.get('FKP_DATA_DIR'):
        return os.path.expanduser(os.environ['FKP_DATA_DIR'])
    kaggle = os.path.expanduser(KAGGLE_DATA_DIR)
    if os.path.exists(os.path.join(kaggle, TRAIN_FILE)):
        return kaggle
    return default_synthetic_dir()


def __getattr__(name):
    # The tutorial's FTRAIN, FTEST and FLOOKUP, following the data directory.
    files = {'FTRAIN': TRAIN_FILE, 'FTEST': TEST_FILE, 'FLOOKUP': LOOKUP_FILE}
    if name in files:
        return os.path.join(data_dir(), files[name])
    raise AttributeError(name)


def is_synthetic(directory=None):
    """True when ``directory`` holds data made by our synthetic generator."""
    return os.path.exists(os.path.join(directory or data_dir(), SYNTHETIC_MARKER))


def data_source(directory=None):
    """'synthetic' or 'kaggle': which data a net was trained on."""
    return 'synthetic' if is_synthetic(directory) else 'kaggle'


def data_file(name):
    """Path of ``name`` in the data directory; generates the embedded
    default data set on first use, and explains how to get data otherwise."""
    directory = data_dir()
    path = os.path.join(directory, name)
    if os.path.exists(path):
        return path
    if directory == default_synthetic_dir():
        from . import synthetic
        print('No Kaggle data in {}: generating the embedded synthetic data set '
              'into {} (once).'.format(KAGGLE_DATA_DIR, directory), file=sys.stderr)
        synthetic.write_dataset(directory)
        return path
    raise DataError(path, 'file not found in {}. Get the Kaggle data with '
                    '`python -m facial_keypoints.kfkd download --data-dir {}`, or '
                    'generate synthetic faces with `python -m facial_keypoints.kfkd '
                    'synth --out {}`.'.format(directory, directory, directory))


# -- parsing ------------------------------------------------------------------

def parse_images(strings, path='<data>', first_row=1):
    """Parse Kaggle ``Image`` strings into a uint8 array of shape (n, 9216).

    One C-level parse of all rows joined (NumPy's text-mode ``fromstring``,
    which unlike its binary mode is not deprecated: the tutorial was slow
    because it called it once per row). Raises :class:`DataError` naming the
    row for a missing image, a wrong pixel count, a non-numeric token or a
    value outside 0-255.
    """
    rows = []
    for i, s in enumerate(strings):
        if not isinstance(s, str) or not s.strip():
            raise DataError(path, 'Image is missing', first_row + i, 'Image')
        if s.startswith(' ') or s.endswith(' ') or '  ' in s:
            s = ' '.join(s.split())  # the tutorial's parser allows any spacing
        count = s.count(' ') + 1
        if count != N_PIXELS:
            raise DataError(path, '{} pixel values, expected {} (96x96)'.format(
                count, N_PIXELS), first_row + i, 'Image')
        rows.append(s)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)  # unmatched data
        values = np.fromstring(' '.join(rows), dtype=np.int32, sep=' ')
    if values.size != len(rows) * N_PIXELS:  # stopped at a non-numeric token
        for i, s in enumerate(rows):
            token = next((t for t in s.split() if not t.isdigit()), None)
            if token is not None:
                raise DataError(path, 'non-numeric pixel value {!r}'.format(
                    token), first_row + i, 'Image')
    values = values.reshape(len(rows), N_PIXELS)
    bad = (values < 0) | (values > 255)
    if bad.any():
        row, column = np.unravel_index(np.argmax(bad), bad.shape)
        raise DataError(path, 'pixel value {} is out of range 0-255'.format(
            values[row, column]), first_row + int(row), 'Image')
    return values.astype(np.uint8)


def _check_columns(path, columns, required):
    missing = [c for c in required if c not in columns]
    if missing:
        extra = [c for c in columns if c not in required]
        hint = difflib.get_close_matches(missing[0], extra, n=1)
        raise DataError(path, 'missing column {!r}{}; the file has {}'.format(
            missing[0], ' (misnamed as {!r}?)'.format(hint[0]) if hint else '',
            ', '.join(columns)), column=missing[0])


def _numeric(path, frame, columns):
    values = np.empty((len(frame), len(columns)))
    for j, column in enumerate(columns):
        parsed = pd.to_numeric(frame[column], errors='coerce')
        bad = parsed.isna() & frame[column].notna()
        if bad.any():
            row = int(np.argmax(bad.values))
            raise DataError(path, 'non-numeric value {!r}'.format(
                frame[column].iloc[row]), row + 1, column)
        values[:, j] = parsed.values
    return values


def read_csv_file(path):
    """Read a Kaggle CSV into (column names, float64 values, uint8 images).

    ``values`` holds every column but ``Image`` (NaN where empty). Each line
    is split at its last comma, since ``Image`` is Kaggle's last column, so
    only the short keypoint part goes through pandas.
    """
    if not os.path.exists(path):
        raise DataError(path, 'file not found')
    with open(path, encoding='ascii', errors='replace') as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    if not lines:
        raise DataError(path, 'the file is empty')
    header = lines[0].split(',')
    if len(lines) == 1:
        raise DataError(path, 'the file has a header but no rows')
    is_test = 'ImageId' in header
    columns = ['ImageId'] if is_test else list(KEYPOINT_COLUMNS)
    _check_columns(path, header, columns + ['Image'])
    if header[-1] != 'Image':
        raise DataError(path, 'Image must be the last column, as in Kaggle\'s '
                        'files', column='Image')
    parts = [line.rpartition(',') for line in lines[1:]]
    for i, (head, comma, _) in enumerate(parts):
        if not comma or head.count(',') != len(header) - 2:
            raise DataError(path, '{} fields, expected {}'.format(
                head.count(',') + 1 + bool(comma), len(header)), i + 1)
    frame = pd.read_csv(io.StringIO('\n'.join(
        [','.join(header[:-1])] + [head for head, _, _ in parts])),
        dtype=str, keep_default_na=False, na_values=[''])
    values = _numeric(path, frame, columns)
    images = parse_images([image for _, _, image in parts], path)
    if not is_test:
        _warn_outside_image(path, values)
    return columns, values, images


def _warn_outside_image(path, values):
    outside = (values < 0) | (values > IMAGE_SIZE)
    if outside.any():
        rows = np.flatnonzero(outside.any(axis=1))
        warnings.warn('{}: {} keypoint values in {} rows lie outside the 96x96 '
                      'image (first: row {})'.format(
                          os.path.basename(path), int(outside.sum()), len(rows),
                          rows[0] + 1))


def _source_stamp(path):
    stat = os.stat(path)
    return [CACHE_VERSION, stat.st_size, stat.st_mtime_ns]


def read_csv_cached(path):
    """:func:`read_csv_file`, through an on-disk cache beside ``path``.

    The cache (``<name>.parsed.npz``) is rebuilt when the CSV's size or
    modification time change, and written atomically; a directory we cannot
    write to just goes without.
    """
    path = os.path.expanduser(path)
    cache = path + CACHE_SUFFIX
    stamp = _source_stamp(path) if os.path.exists(path) else None
    if stamp and os.path.exists(cache):
        try:
            with np.load(cache, allow_pickle=False) as z:
                if z['stamp'].tolist() == stamp:
                    return z['columns'].tolist(), z['values'], z['images']
        except (OSError, ValueError, KeyError):
            pass  # unreadable cache: rebuild it
    columns, values, images = read_csv_file(path)
    try:
        with atomic_write(cache) as f:
            np.savez(f, stamp=np.array(stamp), columns=np.array(columns),
                     values=values, images=images)
    except OSError:
        pass
    return columns, values, images


# -- the tutorial's load and load2d -------------------------------------------

def _counts(columns, values, images):
    counts = [int(n) for n in np.isfinite(values).sum(axis=0)] + [len(images)]
    return pd.Series(counts, index=list(columns) + ['Image'], dtype=np.int64)


def read_exclusions(exclude):
    """Row numbers (1-based) to leave out: a list, or a file with one number
    per line (``#`` starts a comment), as written by ``kfkd clean``."""
    if exclude is None:
        return set()
    if isinstance(exclude, str):
        rows = set()
        with open(exclude) as f:
            for number, line in enumerate(f, 1):
                text = line.split('#')[0].strip()
                if text:
                    try:
                        rows.add(int(text))
                    except ValueError:
                        raise DataError(exclude, 'not a row number: {!r}'.format(
                            text), number) from None
        return rows
    return set(int(r) for r in exclude)


def load(test=False, cols=None, preprocess=None, exclude=None):
    """Loads data from FTEST if *test* is True, otherwise from FTRAIN.
    Pass a list of *cols* if you're only interested in a subset of the
    target columns.

    Beyond the tutorial: *preprocess* names an image preprocessing of
    :mod:`facial_keypoints.preprocessing`, and *exclude* lists training rows
    (1-based, or a file of them) to leave out, e.g. from ``kfkd clean``.
    """
    fname = data_file(TEST_FILE if test else TRAIN_FILE)
    columns, values, images = read_csv_cached(fname)
    if cols:  # get a subset of columns
        unknown = [c for c in cols if c not in columns]
        if unknown:
            raise DataError(fname, 'no column {!r}'.format(unknown[0]),
                            column=unknown[0])
        index = [columns.index(c) for c in cols]
        columns, values = list(cols), values[:, index]
    excluded = read_exclusions(exclude)
    if excluded and not test:
        keep = ~np.isin(np.arange(1, len(values) + 1), list(excluded))
        values, images = values[keep], images[keep]
    print(_counts(columns, values, images))  # the number of values per column

    keep = np.isfinite(values).all(axis=1)  # drop rows with missing values
    X = images[keep] / 255.  # scale pixel values to [0, 1]
    X = X.astype(np.float32)
    if preprocess:
        from .preprocessing import preprocess as apply
        X = apply(X, preprocess)

    if not test:  # only FTRAIN has any target columns
        y = values[keep]
        y = (y - 48) / 48  # scale target coordinates to [-1, 1]
        X, y = shuffle(X, y, random_state=42)  # shuffle train data
        y = y.astype(np.float32)
    else:
        y = None

    return X, y


def load2d(test=False, cols=None, preprocess=None, exclude=None):
    """:func:`load`, with X reshaped to (n, 1, 96, 96) for convnets."""
    X, y = load(test=test, cols=cols, preprocess=preprocess, exclude=exclude)
    X = X.reshape(-1, 1, IMAGE_SIZE, IMAGE_SIZE)
    return X, y


def load_tutorial_way(fname, test=False, cols=None):
    """The tutorial's own ``load`` (row-by-row ``np.fromstring``), kept as the
    reference that :func:`load` must match and that the loader benchmark
    times. Not for everyday use: it is slow and prints nothing.
    """
    df = pd.read_csv(os.path.expanduser(fname))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        df['Image'] = df['Image'].apply(lambda im: np.fromstring(im, sep=' '))
    if cols:
        df = df[list(cols) + ['Image']]
    df = df.dropna()
    X = np.vstack(df['Image'].values) / 255.
    X = X.astype(np.float32)
    if not test:
        y = df[df.columns[:-1]].values
        y = (y - 48) / 48
        X, y = shuffle(X, y, random_state=42)
        y = y.astype(np.float32)
    else:
        y = None
    return X, y


def read_lookup_table(path=None):
    """Read ``IdLookupTable.csv`` (RowId, ImageId, FeatureName, Location)."""
    path = path or data_file(LOOKUP_FILE)
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise DataError(path, 'the file is empty') from None
    _check_columns(path, list(frame.columns), ['RowId', 'ImageId', 'FeatureName'])
    unknown = ~frame['FeatureName'].isin(KEYPOINT_COLUMNS)
    if unknown.any():
        row = int(np.argmax(unknown.values))
        raise DataError(path, 'unknown feature {!r}'.format(
            frame['FeatureName'].iloc[row]), row + 1, 'FeatureName')
    return frame
