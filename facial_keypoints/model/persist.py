"""Saving and loading trained nets: pickles as in the tutorial, and
pickle-free ``.npz`` checkpoints that move between machines.

A pickle holds the whole net (or the specialists' dict) but not its compiled
Theano functions, which are compiled again as it loads. It is read through
an allowlist of the globals it may name (:mod:`.unpickling`), so that a file
from elsewhere runs no code; a file the user trusts can be read without it.
A pickle written on a GPU holds GPU arrays and loads only where Theano has a
GPU back-end.

A ``.npz`` (:func:`export_npz`) holds arrays and one JSON document: for each
net its learned parameters, its run settings (whose ``net`` names the
definition to rebuild) and record, output columns, flip indices and training
history; a checkpoint also its training state (:mod:`.state`). It loads
without pickle on any device. The file's name decides how it is read: a
``.npz`` only as such, never unpickled.
"""
import collections
import json
import os
import pickle
import sys
import zipfile

import numpy as np
from nolearn.lasagne import NeuralNet

from ..base.atomic import atomic_write, save_npz
from ..base.errors import CheckpointError, CompileFailed
from ..kaggle.format import KEYPOINT_COLUMNS
from ..upstream import pickled
from . import record, state, unpickling
from .settings import RunSettings

#: Deep Lasagne graphs need more recursion to pickle (the tutorial's value).
RECURSION_LIMIT = 10000
NPZ_FORMAT = 'facial-keypoints checkpoint'
NPZ_VERSION = 2
_META = '__checkpoint__'


def save_net(net, fname):
    """Pickle ``net`` (or a specialists dict) to ``fname``, atomically,
    without its compiled functions."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    with atomic_write(fname) as f:
        pickled.dump(net, f)
    return fname


def load_net(fname, trusted=False):
    """A trained net, or the specialists' OrderedDict, from a pickle or a
    ``.npz`` checkpoint; :class:`CheckpointError` if the file holds neither.

    A pickle is read through :mod:`.unpickling`'s allowlist, unless
    ``trusted`` or trusted by :func:`.unpickling.trust`.
    """
    if not os.path.exists(fname):
        raise CheckpointError(fname, 'no such file')
    if os.path.isdir(fname):
        raise CheckpointError(fname, 'is a directory, not a trained net')
    extension = os.path.splitext(fname)[1].lower()
    if extension == '.npz':
        if not zipfile.is_zipfile(fname):
            raise CheckpointError(fname, 'not a readable .npz (it is no zip archive: it '
                                  'may be truncated); a .npz is read only as one, never '
                                  'unpickled')
        return load_npz(fname)
    if extension == '.onnx':
        raise CheckpointError(fname, 'an ONNX model, which only `detect --net` takes; '
                              'give the pickle or .npz of the net')
    if zipfile.is_zipfile(fname):
        raise CheckpointError(fname, 'a zip archive, not a pickle; name it .npz to load '
                              'it as a checkpoint')
    models = _unpickle(fname, trusted or unpickling.trusted(fname))
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


def _unpickle(fname, trusted):
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    if os.path.getsize(fname) == 0:
        raise CheckpointError(fname, 'the file is empty')
    try:
        with open(fname, 'rb') as f:
            if trusted:
                return unpickling.Unpickler(f).load()
            return _finished(fname, unpickling.load(f, fname))
    except (CheckpointError, CompileFailed):
        raise
    except pickled.NotANet as e:
        raise CheckpointError(fname, 'not a net this package builds: {}'.format(e)) from None
    except (pickle.UnpicklingError, EOFError, ValueError, IndexError, KeyError, TypeError,
            ImportError, AttributeError) as e:
        raise _unpickling_error(fname, e, trusted) from None


def _finished(fname, models):
    """``models`` as the allowlist's unpickler left them, each net checked
    and compiled (:func:`.pickled.finish`)."""
    nets = models.values() if isinstance(models, dict) else [models]
    if not all(isinstance(net, NeuralNet) for net in nets):
        return models  # load_net says what it holds
    for net in nets:
        try:
            updates = pickled.finish(net)
        except pickled.NotANet:
            raise
        except Exception as e:
            raise CompileFailed(fname, e) from e
        if updates is not None:
            state.keep_updates(net, updates)
    return models


def _unpickling_error(fname, error, trusted):
    if _written_with_numpy2(error):
        return CheckpointError(fname, 'written under NumPy 2, which this NumPy {} cannot '
                               'read; where it was written run `kfkd export {}` and use the '
                               '.npz'.format(np.__version__, fname))
    if _needs_a_gpu(error):
        return CheckpointError(fname, 'written on a GPU, and this machine has '
                               'no GPU back-end in use; on the GPU machine run `kfkd '
                               'export {}` and use the .npz'.format(fname))
    if CompileFailed.in_compile_directory(error):
        return CompileFailed(fname, error)
    if isinstance(error, (ImportError, AttributeError)) and trusted:
        return CheckpointError(fname, 'not a net this package can load ({})'.format(error))
    if isinstance(error, (ImportError, AttributeError)):
        return CheckpointError(fname, 'an allowed global could not be found ({}); check the '
                               'installation with `kfkd doctor`'.format(error))
    return CheckpointError(fname, 'not a readable pickle ({}: {}); it may be truncated '
                           'or another kind of file'.format(type(error).__name__, error))


def _written_with_numpy2(error):
    """True when a pickle written under NumPy 2 fails under NumPy 1.x: the
    state of its random generators names NumPy 2's classes and modules."""
    text = str(error)
    return unpickling._numpy_major() < 2 and (
        'is not a known BitGenerator' in text or 'numpy._core' in text)


def _needs_a_gpu(error):
    """True when unpickling failed for want of a GPU: without pygpu the
    GPU arrays' classes cannot be imported; with it, but on the CPU, Theano
    finds no GPU context for them (its ``ContextNotDefined``)."""
    if isinstance(error, (ImportError, AttributeError)):
        return 'pygpu' in str(error) or 'gpuarray' in str(error).lower()
    return (type(error).__name__ == 'ContextNotDefined'
            and type(error).__module__.startswith('theano.gpuarray'))


# -- .npz files -------------------------------------------------------------------

def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _describe(net, columns, training_state=None):
    iterator = net.batch_iterator_train
    entry = {'settings': record.settings_of(net).to_dict(),
             'record': _jsonable(record.get_record(net)),
             'columns': list(columns),
             'output_num_units': int(net.layers_['output'].num_units),
             'max_epochs': int(net.max_epochs),
             'flip_indices': _jsonable(getattr(iterator, 'flip_indices', None)),
             'train_history': _jsonable(getattr(net, 'train_history_', [])),
             'params': {name: len(values) for name, values
                        in net.get_all_params_values().items()}}
    if training_state is not None:
        entry['state'] = _jsonable(training_state.meta)
    return entry


def export_npz(models, fname, training_states=None):
    """Write a trained net or a specialists dict to a pickle-free ``.npz``;
    with ``training_states`` (one :class:`~facial_keypoints.model.state.TrainingState`
    per net), a checkpoint that continues exactly."""
    specialists = isinstance(models, dict)
    items = list(models.items() if specialists else [
        (record.settings_of(models).columns or KEYPOINT_COLUMNS, models)])
    states = training_states or [None] * len(items)
    nets, arrays = [], {}
    for i, ((columns, net), training_state) in enumerate(zip(items, states)):
        nets.append(_describe(net, columns, training_state))
        for name, values in net.get_all_params_values().items():
            for j, value in enumerate(values):
                arrays['{}/{}:{}'.format(i, name, j)] = value
        if training_state is not None:
            for key, value in training_state.arrays.items():
                arrays['{}/state/{}'.format(i, key)] = value
    meta = {'format': NPZ_FORMAT, 'version': NPZ_VERSION,
            'specialists': specialists, 'nets': nets}
    save_npz(fname, {_META: np.array(json.dumps(meta)), **arrays})
    return fname


def _settings(entry):
    if 'settings' in entry:
        return RunSettings.from_dict(entry['settings'])
    return record.settings_from_legacy(entry['record'])  # version 1


def _rebuild(fname, entry, params, state_arrays):
    from .registry import DEFINITIONS, net_for
    settings = _settings(entry)
    if settings.net not in DEFINITIONS:
        raise CheckpointError(fname, 'its settings name no known net definition '
                              '({!r}), so it cannot be rebuilt'.format(settings.net))
    net = net_for(settings)  # the masked loss too, as it was trained
    net.output_num_units = entry['output_num_units']
    net.max_epochs = entry['max_epochs']
    if entry['flip_indices'] is not None:
        net.batch_iterator_train.flip_indices = [tuple(p) for p in entry['flip_indices']]
    net.initialize()
    verbose, net.verbose = net.verbose, 0  # no line per layer loaded
    try:
        net.load_params_from(params)
    except Exception as e:
        raise CheckpointError(fname, 'its arrays do not fit net {!r}: {}'.format(
            settings.net, e)) from None
    finally:
        net.verbose = verbose
    net.train_history_ = entry['train_history']
    record.set_record(net, {k: v for k, v in entry['record'].items()
                            if 'settings' in entry or k not in record.LEGACY_SETTINGS})
    if 'state' in entry:
        setattr(net, state.ATTRIBUTE, state.TrainingState(entry['state'], state_arrays, fname))
    return net


def _read_npz(fname, arrays=True):
    try:
        with np.load(fname, allow_pickle=False) as z:
            if _META not in z.files:
                raise CheckpointError(fname, 'holds parameters only (no checkpoint '
                                      'description); load them into a net with '
                                      'net.load_params_from(load_params_npz(...))')
            meta = json.loads(str(z[_META]))
            values = {key: z[key] for key in z.files if key != _META} if arrays else {}
    except (OSError, ValueError, zipfile.BadZipFile, KeyError, EOFError) as e:
        raise CheckpointError(fname, 'not a readable .npz ({}); it may be truncated'.format(
            e)) from None
    if meta.get('format') != NPZ_FORMAT or meta.get('version', 0) > NPZ_VERSION:
        raise CheckpointError(fname, 'not a checkpoint of this version of the package')
    return meta, values


def describe_npz(fname):
    """The JSON description of an ``.npz`` of :func:`export_npz`, without
    rebuilding its nets."""
    return _read_npz(fname, arrays=False)[0]


def load_npz(fname):
    """A net or specialists dict rebuilt from :func:`export_npz`'s file."""
    meta, arrays = _read_npz(fname)
    models = collections.OrderedDict()
    for i, entry in enumerate(meta['nets']):
        try:
            params = collections.OrderedDict(
                (name, [arrays['{}/{}:{}'.format(i, name, j)] for j in range(count)])
                for name, count in entry['params'].items())
        except KeyError as e:
            raise CheckpointError(fname, 'incomplete: array {} is missing'.format(e)) from None
        prefix = '{}/state/'.format(i)
        state_arrays = {key[len(prefix):]: value for key, value in arrays.items()
                        if key.startswith(prefix)}
        models[tuple(entry['columns'])] = _rebuild(fname, entry, params, state_arrays)
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
