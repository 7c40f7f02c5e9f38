"""Saving and loading trained nets: pickles as in the tutorial, and
pickle-free ``.npz`` checkpoints that move between machines.

A pickle holds the whole net (or the specialists' dict). Unpickling runs
code from the file: load pickles only from files you trust. A pickle written
on a GPU holds GPU arrays and loads only where Theano has a GPU back-end.

A ``.npz`` (:func:`export_npz`) holds arrays and one JSON document: for each
net its learned parameters, its run record (whose ``net`` names the
definition to rebuild), output columns, flip indices and training history.
It loads without pickle on any device.
"""
import collections
import json
import os
import pickle
import sys
import zipfile

import numpy as np
from nolearn.lasagne import NeuralNet

from . import record
from .atomic import atomic_write, save_npz
from .errors import CheckpointError
from .kaggle.format import KEYPOINT_COLUMNS
from .masked import use_masked_loss

#: Deep Lasagne graphs need more recursion to pickle (the tutorial's value).
RECURSION_LIMIT = 10000
NPZ_FORMAT = 'facial-keypoints checkpoint'
NPZ_VERSION = 1
_META = '__checkpoint__'


def save_net(net, fname):
    """Pickle ``net`` (or a specialists dict) to ``fname``, atomically."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    with atomic_write(fname) as f:
        pickle.dump(net, f, -1)
    return fname


def load_net(fname):
    """A trained net, or the specialists' OrderedDict, from a pickle or a
    ``.npz`` checkpoint; :class:`CheckpointError` if the file holds neither."""
    if not os.path.exists(fname):
        raise CheckpointError(fname, 'no such file')
    if os.path.isdir(fname):
        raise CheckpointError(fname, 'is a directory, not a trained net')
    if zipfile.is_zipfile(fname):
        return load_npz(fname)
    models = _unpickle(fname)
    if isinstance(models, NeuralNet):
        return models
    if isinstance(models, dict) and models and all(
            isinstance(m, NeuralNet) for m in models.values()):
        return models
    raise CheckpointError(fname, 'holds a {}, not a trained net or specialists'.format(
        type(models).__name__))


def load_single_net(fname):
    """:func:`load_net` for commands that take one net, not specialists."""
    models = load_net(fname)
    if not isinstance(models, NeuralNet):
        raise CheckpointError(fname, 'holds {} specialists, not a single net; give '
                              'the pickle of one net'.format(len(models)))
    return models


def _unpickle(fname):
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    if os.path.getsize(fname) == 0:
        raise CheckpointError(fname, 'the file is empty')
    try:
        with open(fname, 'rb') as f:
            return pickle.load(f)
    except (pickle.UnpicklingError, EOFError, ValueError, IndexError) as e:
        raise CheckpointError(fname, 'not a readable pickle ({}: {}); it may be '
                              'truncated or another kind of file'.format(
                                  type(e).__name__, e)) from None
    except (ImportError, AttributeError) as e:
        if 'pygpu' in str(e) or 'gpuarray' in str(e).lower():
            raise CheckpointError(fname, 'written on a GPU, and this machine has '
                                  'no GPU back-end; on the GPU machine run `kfkd '
                                  'export {}` and use the .npz'.format(fname)) from None
        raise CheckpointError(fname, 'not a net this package can load ({})'.format(
            e)) from None


# -- .npz checkpoints -----------------------------------------------------------

def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _describe(net, columns):
    iterator = net.batch_iterator_train
    return {'record': _jsonable(record.get_record(net)),
            'columns': list(columns),
            'output_num_units': int(net.layers_['output'].num_units),
            'max_epochs': int(net.max_epochs),
            'flip_indices': _jsonable(getattr(iterator, 'flip_indices', None)),
            'train_history': _jsonable(getattr(net, 'train_history_', [])),
            'params': {name: len(values) for name, values
                       in net.get_all_params_values().items()}}


def export_npz(models, fname):
    """Write a trained net or a specialists dict to a pickle-free ``.npz``."""
    specialists = isinstance(models, dict)
    items = models.items() if specialists else [(KEYPOINT_COLUMNS, models)]
    nets, arrays = [], {}
    for i, (columns, net) in enumerate(items):
        nets.append(_describe(net, columns))
        for name, values in net.get_all_params_values().items():
            for j, value in enumerate(values):
                arrays['{}/{}:{}'.format(i, name, j)] = value
    meta = {'format': NPZ_FORMAT, 'version': NPZ_VERSION,
            'specialists': specialists, 'nets': nets}
    save_npz(fname, {_META: np.array(json.dumps(meta)), **arrays})
    return fname


def _rebuild(fname, entry, params):
    from .registry import DEFINITIONS, get_net
    name = entry['record'].get('net')
    if name not in DEFINITIONS:
        raise CheckpointError(fname, 'its record names no known net definition '
                              '({!r}), so it cannot be rebuilt'.format(name))
    net = get_net(name)
    net.output_num_units = entry['output_num_units']
    net.max_epochs = entry['max_epochs']
    if entry['flip_indices'] is not None:
        net.batch_iterator_train.flip_indices = [tuple(p) for p in entry['flip_indices']]
    if entry['record'].get('all_rows'):
        use_masked_loss(net)  # as it was trained, for `fit --resume`
    net.initialize()
    try:
        net.load_params_from(params)
    except Exception as e:
        raise CheckpointError(fname, 'its arrays do not fit net {!r}: {}'.format(
            name, e)) from None
    net.train_history_ = entry['train_history']
    setattr(net, record.ATTRIBUTE, entry['record'])
    return net


def load_npz(fname):
    """A net or specialists dict rebuilt from :func:`export_npz`'s file."""
    try:
        with np.load(fname, allow_pickle=False) as z:
            if _META not in z.files:
                raise CheckpointError(fname, 'holds parameters only (no checkpoint '
                                      'description); load them into a net with '
                                      'net.load_params_from(load_params_npz(...))')
            meta = json.loads(str(z[_META]))
            arrays = {key: z[key] for key in z.files if key != _META}
    except (OSError, ValueError, zipfile.BadZipFile, KeyError) as e:
        raise CheckpointError(fname, 'not a readable .npz ({})'.format(e)) from None
    if meta.get('format') != NPZ_FORMAT or meta.get('version', 0) > NPZ_VERSION:
        raise CheckpointError(fname, 'not a checkpoint of this version of the package')
    models = collections.OrderedDict()
    for i, entry in enumerate(meta['nets']):
        params = collections.OrderedDict(
            (name, [arrays['{}/{}:{}'.format(i, name, j)] for j in range(count)])
            for name, count in entry['params'].items())
        models[tuple(entry['columns'])] = _rebuild(fname, entry, params)
    return models if meta['specialists'] else next(iter(models.values()))


def load_params_npz(fname):
    """The learned parameters of a single-net ``.npz``, as the mapping
    nolearn's ``net.load_params_from`` takes."""
    with np.load(fname, allow_pickle=False) as z:
        params = collections.OrderedDict()
        for key in sorted((k for k in z.files if k != _META),
                          key=lambda k: (k.split('/')[0], k.rsplit(':', 1)[0],
                                         int(k.rsplit(':', 1)[1]))):
            net_index, _, name = key.rsplit(':', 1)[0].rpartition('/')
            if net_index in ('', '0'):
                params.setdefault(name, []).append(z[key])
    return params
