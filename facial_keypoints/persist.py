"""Saving trained nets: pickles as in the tutorial, and pickle-free .npz.

Unpickling runs code from the file: load pickles only from files you trust.
The ``.npz`` parameter files hold arrays only and load without pickle.
"""
import collections
import pickle
import sys

import numpy as np

from .atomic import atomic_write

#: Deep Lasagne graphs need more recursion to pickle (the tutorial's value).
RECURSION_LIMIT = 10000


def save_net(net, fname):
    """Pickle ``net`` to ``fname``, atomically."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    with atomic_write(fname) as f:
        pickle.dump(net, f, -1)


def load_net(fname):
    """Unpickle a net (or specialists dict) from a trusted file."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    with open(fname, 'rb') as f:
        return pickle.load(f)


def save_params_npz(net, fname):
    """Write the net's learned parameters as ``layer:index`` arrays."""
    arrays = {'{}:{}'.format(name, i): value
              for name, values in net.get_all_params_values().items()
              for i, value in enumerate(values)}
    with atomic_write(fname) as f:
        np.savez(f, **arrays)


def load_params_npz(fname):
    """Read a ``.npz`` from :func:`save_params_npz` into the mapping that
    nolearn's ``net.load_params_from`` takes."""
    params = collections.OrderedDict()
    with np.load(fname, allow_pickle=False) as z:
        keys = sorted(z.files, key=lambda k: (k.rsplit(':', 1)[0],
                                              int(k.rsplit(':', 1)[1])))
        for key in keys:
            params.setdefault(key.rsplit(':', 1)[0], []).append(z[key])
    return params
