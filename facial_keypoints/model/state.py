"""A net's training state: what a run needs to continue as if it had never
stopped.

nolearn keeps a run's state in several places. :func:`capture` collects it
as a :class:`TrainingState` of JSON-able values and NumPy arrays, and
:func:`continuing` puts it back for the next ``fit``:

- the other shared variables the compiled training function updates,
  beside the parameters (which are saved with the net): the update rule's
  velocities, the schedules' learning rate and momentum, dropout's random
  streams;
- EarlyStopping's best loss, epoch and weights;
- NumPy's global generator (the flips, and every initial weight);
- which rows of nolearn's training split are flipped: the tutorial's
  FlipBatchIterator flips images in the split itself, so they stay flipped
  into the next epoch;
- digests of the train/validation split and of the data, so that a state is
  never continued on other data.

The training history, which the schedules (AdjustVariable) and nolearn's
best losses are computed from, is saved with the net.
"""
import contextlib
import hashlib

import numpy as np

from ..base.errors import CheckpointError
from ..tutorial.callbacks import EarlyStopping
from . import record

ATTRIBUTE = 'training_state_'

def numeric_versions():
    """The versions of :data:`.record.NUMERIC_PACKAGES` here."""
    found = record.versions()
    return {name: found[name] for name in record.NUMERIC_PACKAGES}


class TrainingState:
    """A run's state apart from its parameters and history.

    Attributes
    ----------
    meta : dict
        JSON-able values: digests, the generator's position, EarlyStopping's
        scalars, the shapes of the update variables.
    arrays : dict of str to ndarray
        The generator's keys, the flipped rows, and (in a checkpoint) the
        update variables and EarlyStopping's weights.
    source : str or None
        The file it was read from, for error messages.
    """

    def __init__(self, meta, arrays, source=None):
        self.meta, self.arrays, self.source = meta, arrays, source


def update_variables(net):
    """The shared variables the training function updates, other than the
    trainable parameters, in the function's order (the same in every process
    that builds the same net)."""
    net.initialize()  # a loaded pickle's training function is compiled when needed
    params = {id(p) for p in net.get_all_params(trainable=True)}
    return [v for v in net.train_iter_.get_shared() if id(v) not in params]


def keep_updates(net, values):
    """Put ``values``, those of the update variables (in
    :func:`update_variables`' order) that a pickle of an earlier release
    kept in its compiled training function, in ``net``'s training state,
    which did not hold them then."""
    state = getattr(net, ATTRIBUTE, None)
    if state is not None and 'update' not in state.meta:
        _put_updates(state.meta, state.arrays, values)


def _put_updates(meta, arrays, values):
    meta['update'] = [[list(v.shape), str(v.dtype)] for v in values]
    for i, value in enumerate(values):
        arrays['update/{}'.format(i)] = value


def training_split(net, n_rows):
    """The row numbers of nolearn's training and validation split of
    ``n_rows`` rows (its split is by position, with no random draw)."""
    rows = np.arange(n_rows)
    train, valid, _, _ = net.train_split(rows, rows, net)
    return np.asarray(train), np.asarray(valid)


class TrainingData:
    """The data of one training run (``X``, ``y`` as given to ``fit``), its
    training split and the digests a state is checked against."""

    def __init__(self, net, X, y):
        self.X, self.y = X, y
        self.train, _ = training_split(net, len(X))
        self.digest = digest(X, y)
        self.split_digest = digest(self.train)


def digest(*arrays):
    """A short digest of arrays' shapes, types and bytes."""
    h = hashlib.blake2b(digest_size=12)
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update('{}{}'.format(a.dtype.str, a.shape).encode('ascii'))
        h.update(a.data)
    return h.hexdigest()


def _bits(a):
    return a.reshape(len(a), -1).view('u{}'.format(a.dtype.itemsize))


def flipped_rows(net, data):
    """Positions in the training split whose image or targets differ from
    the data's (flipped in place by the batch iterator)."""
    X, y, train = data.X, data.y, data.train
    iterator = net.batch_iterator_train
    current_X, current_y = getattr(iterator, 'X', None), getattr(iterator, 'y', None)
    if not hasattr(iterator, 'flip') or current_X is None or len(current_X) != len(train):
        return np.zeros(0, np.int64)
    differ = np.zeros(len(train), bool)
    for start in range(0, len(train), 256):  # in pieces: no copy of the data
        piece = slice(start, start + 256)
        rows = train[piece]
        differ[piece] = ((_bits(current_X[piece]) != _bits(X[rows])).any(axis=1)
                         | (_bits(current_y[piece]) != _bits(y[rows])).any(axis=1))
    return np.flatnonzero(differ)


def _early_stoppings(net):
    return [h for h in net.on_epoch_finished if isinstance(h, EarlyStopping)]


def capture(net, data, early_stopping=True):
    """The state of ``net`` after an epoch of training on ``data`` (a
    :class:`TrainingData`).

    It holds the update variables, which live only in the compiled training
    function, and (``early_stopping``, for a checkpoint; a pickle holds the
    handlers themselves) EarlyStopping's best loss and weights.
    """
    name, keys, position, has_gauss, cached_gaussian = np.random.get_state()
    meta = {'data': data.digest, 'split': data.split_digest,
            'versions': numeric_versions(),
            'rng': {'name': name, 'position': int(position),
                    'has_gauss': int(has_gauss), 'cached_gaussian': float(cached_gaussian)}}
    arrays = {'rng_keys': np.asarray(keys), 'flipped': flipped_rows(net, data)}
    _put_updates(meta, arrays, [v.get_value() for v in update_variables(net)])
    if early_stopping:
        meta['early_stopping'] = []
        for i, handler in enumerate(_early_stoppings(net)):
            weights = handler.best_weights or {}
            meta['early_stopping'].append({
                'best_valid': float(handler.best_valid),
                'best_valid_epoch': int(handler.best_valid_epoch),
                'patience': int(handler.patience),
                'best_weights': {layer: len(values) for layer, values in weights.items()}})
            for layer, values in weights.items():
                for j, value in enumerate(values):
                    arrays['early_stopping/{}/{}:{}'.format(i, layer, j)] = value
    return TrainingState(meta, arrays)


def _restore_variables(net, state):
    variables = update_variables(net)
    shapes = state.meta['update']
    found = [[list(v.get_value(borrow=True).shape), str(v.get_value(borrow=True).dtype)]
             for v in variables]
    if found != shapes:
        raise CheckpointError(state.source, 'its training state does not fit this net '
                              '({} update variables stored, {} here, or of other '
                              'shapes)'.format(len(shapes), len(found)))
    for i, variable in enumerate(variables):
        variable.set_value(state.arrays['update/{}'.format(i)])


def _restore_early_stopping(net, state):
    handlers, stored = _early_stoppings(net), state.meta['early_stopping']
    if len(handlers) != len(stored):
        raise CheckpointError(state.source, 'its training state has {} EarlyStopping '
                              'handlers, the net {}'.format(len(stored), len(handlers)))
    for i, (handler, values) in enumerate(zip(handlers, stored)):
        handler.best_valid = values['best_valid']
        handler.best_valid_epoch = values['best_valid_epoch']
        handler.patience = values['patience']
        weights = {layer: [state.arrays['early_stopping/{}/{}:{}'.format(i, layer, j)]
                           for j in range(count)]
                   for layer, count in values['best_weights'].items()}
        handler.best_weights = weights or None


class _FlippedSplit:
    """nolearn's split, with the stored flipped rows flipped again."""

    def __init__(self, split, rows, iterator):
        self.split, self.rows, self.iterator = split, rows, iterator

    def __call__(self, X, y, net):
        X_train, X_valid, y_train, y_valid = self.split(X, y, net)
        if len(self.rows):
            self.iterator.flip(X_train, y_train, self.rows)
        return X_train, X_valid, y_train, y_valid


def check_data(state, data):
    """Raise CheckpointError unless ``state`` was captured on ``data`` and
    its split, with the versions of the packages here."""
    stored, here = state.meta.get('versions', {}), numeric_versions()
    for name in record.NUMERIC_PACKAGES:
        if stored.get(name) != here[name]:
            raise CheckpointError(state.source, 'it was written with {} {}, and this is {} '
                                  '{}; continue it with the versions it was written '
                                  'with, or start over with `restart`'.format(
                                      name, stored.get(name), name, here[name]))
    if state.meta['data'] != data.digest:
        raise CheckpointError(state.source, 'it was trained on other data than this '
                              'run loads (another data directory, exclusions or '
                              'preprocessing); use the data it was trained on, or '
                              'start over with `restart`')
    if state.meta['split'] != data.split_digest:
        raise CheckpointError(state.source, 'its training split differs from this '
                              "net's; start over with `restart`")


@contextlib.contextmanager
def continuing(net, data):
    """During the block, a ``fit`` of ``net`` on ``data`` (a
    :class:`TrainingData`) continues the net's stored state, if it has one:
    update variables, EarlyStopping, flipped rows, and NumPy's generator,
    set last."""
    state = getattr(net, ATTRIBUTE, None)
    if state is None:
        yield
        return
    check_data(state, data)
    if 'update' in state.meta:
        _restore_variables(net, state)
    if 'early_stopping' in state.meta:
        _restore_early_stopping(net, state)
    split = net.train_split
    net.train_split = _FlippedSplit(split, state.arrays['flipped'],
                                    net.batch_iterator_train)
    rng = state.meta['rng']
    np.random.set_state((rng['name'], state.arrays['rng_keys'], rng['position'],
                         rng['has_gauss'], rng['cached_gaussian']))
    try:
        yield
    finally:
        net.train_split = split
        delattr(net, ATTRIBUTE)
