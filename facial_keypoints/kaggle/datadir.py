"""Where the data is: the data directory and its files.

The data directory is, in order: the ``--data-dir`` of a command
(:func:`set_data_dir`), the ``FKP_DATA_DIR`` environment variable, the
tutorial's ``~/data/kaggle-facial-keypoint-detection/`` when it holds
``training.csv``, else the embedded default: synthetic Kaggle-shaped faces,
generated on first use (see :mod:`facial_keypoints.kaggle.synthetic`).
"""
import json
import os
import sys

from ..base.errors import DataError
from .format import LOOKUP_FILE, TEST_FILE, TRAIN_FILE

KAGGLE_DATA_DIR = '~/data/kaggle-facial-keypoint-detection/'

_data_dir = None


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


def data_files():
    """The tutorial's FTRAIN, FTEST and FLOOKUP in the data directory."""
    directory = data_dir()
    return {'FTRAIN': os.path.join(directory, TRAIN_FILE),
            'FTEST': os.path.join(directory, TEST_FILE),
            'FLOOKUP': os.path.join(directory, LOOKUP_FILE)}


def is_synthetic(directory=None):
    """True when ``directory`` holds data made by our synthetic generator."""
    from . import synthetic  # (pandas and SciPy: not for `kfkd --help`)
    return os.path.exists(os.path.join(directory or data_dir(), synthetic.MARKER))


def data_source(directory=None):
    """'synthetic' or 'kaggle': which data a net was trained on."""
    return 'synthetic' if is_synthetic(directory) else 'kaggle'


def source_in_use():
    """:func:`data_source` of the data directory in use, once its training
    file is there (the embedded default is generated first if needed)."""
    data_file(TRAIN_FILE)
    return data_source()


def _made_by_an_older_generator(directory):
    """True when the embedded data set in ``directory`` predates the
    generator, so that improvements to it reach existing installations."""
    from . import synthetic
    try:
        with open(os.path.join(directory, synthetic.MARKER)) as f:
            return json.load(f).get('version') != synthetic.GENERATOR_VERSION
    except (OSError, ValueError):
        return True


def data_file(name):
    """Path of ``name`` in the data directory; generates the embedded
    default data set on first use, and explains how to get data otherwise."""
    directory = data_dir()
    path = os.path.join(directory, name)
    default = directory == default_synthetic_dir()
    if os.path.exists(path) and not (default and _made_by_an_older_generator(directory)):
        return path
    if default:
        print('No Kaggle data in {}: generating the embedded synthetic data set '
              'into {} (once).'.format(KAGGLE_DATA_DIR, directory), file=sys.stderr)
        from . import synthetic
        synthetic.write_dataset(directory)
        return path
    raise DataError(path, 'file not found in {}. Get the Kaggle data with '
                    '`python -m facial_keypoints.kfkd download --data-dir {}`, or '
                    'generate synthetic faces with `python -m facial_keypoints.kfkd '
                    'synth --out {}`.'.format(directory, directory, directory))


# -- parsing ------------------------------------------------------------------
