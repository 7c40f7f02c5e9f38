"""The tutorial's ``load`` and ``load2d``, and its file names.

``FTRAIN``, ``FTEST`` and ``FLOOKUP`` follow the data directory (see
:mod:`facial_keypoints.kaggle.datadir`): the Kaggle files when present,
else the embedded synthetic faces.
"""
import os
import warnings

import numpy as np
import pandas as pd
from sklearn.utils import shuffle

from ..base.console import is_interactive
from ..base.errors import DataError
from ..kaggle.datadir import data_file, data_files
from ..kaggle.format import IMAGE_SIZE, TEST_FILE, TRAIN_FILE
from ..kaggle.reading import read_csv_cached


def __getattr__(name):
    # FTRAIN, FTEST and FLOOKUP are computed: the data directory can change.
    try:
        return data_files()[name]
    except KeyError:
        raise AttributeError(name) from None


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
                        raise DataError(exclude, 'line {}: not a row number: {!r}'.format(
                            number, text[:40])) from None
        return rows
    return set(int(r) for r in exclude)


def load(test=False, cols=None, exclude=None, all_rows=False):
    """Loads data from FTEST if *test* is True, otherwise from FTRAIN.
    Pass a list of *cols* if you're only interested in a subset of the
    target columns.

    Beyond the tutorial: *exclude* lists training rows (1-based, or a file
    of them) to leave out, e.g. those ``kfkd clean`` flags. With *all_rows*,
    every training row with at least one of the target columns is kept, its
    missing ones as NaN (for a masked loss), instead of only the rows that
    have them all.
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
    counts = _counts(columns, values, images)
    if is_interactive():
        print(counts)  # the number of values per column
    elif test:  # a log file gets one line, not the 31 of the tutorial's printout
        print('{}: {} rows'.format(os.path.basename(fname), len(images)))
    else:
        print('{}: {} rows, {} with all {} target columns'.format(
            os.path.basename(fname), len(images), int(np.isfinite(values).all(axis=1).sum()),
            len(columns)) + ('' if not all_rows else ', {} with at least one'.format(
                int(np.isfinite(values).any(axis=1).sum()))))

    if all_rows and not test:  # keep rows with any target, NaN where missing
        keep = np.isfinite(values).any(axis=1)
    else:
        keep = np.isfinite(values).all(axis=1)  # drop rows with missing values
    X = images[keep] / 255.  # scale pixel values to [0, 1]
    X = X.astype(np.float32)

    if not test:  # only FTRAIN has any target columns
        y = values[keep]
        y = (y - 48) / 48  # scale target coordinates to [-1, 1]
        X, y = shuffle(X, y, random_state=42)  # shuffle train data
        y = y.astype(np.float32)
    else:
        y = None

    return X, y


def load2d(test=False, cols=None, exclude=None, all_rows=False):
    """:func:`load`, with X reshaped to (n, 1, 96, 96) for convnets."""
    X, y = load(test=test, cols=cols, exclude=exclude, all_rows=all_rows)
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
