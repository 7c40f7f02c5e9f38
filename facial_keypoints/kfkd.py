"""Facial keypoint detection with convolutional neural nets: the names of
the tutorial's ``kfkd.py``.

``from facial_keypoints.kfkd import *`` gives a notebook exactly the
tutorial's top-level names (and its nets net1 to net8)::

    from facial_keypoints.kfkd import load2d, net6
    X, y = load2d()
    net6.fit(X, y)

Run as a script, it is the command line (:mod:`facial_keypoints.cli`)::

    python -m facial_keypoints.kfkd fit net6
    python -m facial_keypoints.kfkd fit_specialists net6.pickle
    python -m facial_keypoints.kfkd plot_learning_curves net-specialists.pickle
    python -m facial_keypoints.kfkd predict net-specialists.pickle
"""
import sys

if __name__ == '__main__':  # the command line first: `--help` needs no Theano
    from facial_keypoints.cli import main
    sys.exit(main())

from .commands.fit import fit, fit_specialists  # noqa: E402
from .kaggle.datadir import data_files  # noqa: E402
from .outputs.figures import plot_learning_curves  # noqa: E402
from .outputs.prediction import predict  # noqa: E402
from .tutorial.callbacks import AdjustVariable, EarlyStopping, float32  # noqa: E402
from .tutorial.data import load, load2d  # noqa: E402
from .tutorial.iterators import FlipBatchIterator  # noqa: E402
from .tutorial import nets as _nets  # noqa: E402
from .tutorial.plots import plot_sample, plot_weights, rebin  # noqa: E402
from .tutorial.specialists import SPECIALIST_SETTINGS  # noqa: E402

__all__ = [
    'FTRAIN', 'FTEST', 'FLOOKUP',
    'float32', 'load', 'load2d', 'plot_sample', 'plot_weights',
    'FlipBatchIterator', 'AdjustVariable', 'EarlyStopping',
    'net', 'net1', 'net2', 'net3', 'net4', 'net5', 'net6', 'net7', 'net8',
    'fit', 'SPECIALIST_SETTINGS', 'fit_specialists', 'predict', 'rebin',
    'plot_learning_curves',
]


def __getattr__(name):
    # FTRAIN, FTEST and FLOOKUP follow the data directory, which can change;
    # the nets are built at their first use.
    if name in _nets.MAKERS:
        return getattr(_nets, name)
    try:
        return data_files()[name]
    except KeyError:
        raise AttributeError(name) from None

