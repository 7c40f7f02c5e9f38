"""Training runs: ``fit`` and ``fit_specialists`` as the command line runs
them, each writing the run record (:mod:`facial_keypoints.record`) of the
nets it trains and never losing a trained net.
"""
import contextlib
import os
import signal
import tempfile
import time
from collections import OrderedDict

import numpy as np

from . import persist, record
from .errors import UsageError, UserError
from .inputs import load_for
from .kaggle import datadir
from .masked import use_masked_loss
from .registry import definition, get_net
from .tutorial.specialists import SPECIALIST_SETTINGS, make_specialist
from .w207.dct import append_dct_copies

DEFAULT_SEED = 42


class SaveFailed(UserError):
    """The trained net could not be written where asked; it was saved elsewhere."""


@contextlib.contextmanager
def noting_interrupts():
    """Yield a list that gets an entry when Ctrl-C interrupts the block
    (nolearn's ``fit`` catches the KeyboardInterrupt itself)."""
    interrupted = []

    def on_interrupt(signum, frame):
        interrupted.append(signum)
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGINT, on_interrupt)
    except ValueError:  # not the main thread: signals stay as they are
        yield interrupted
        return
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


def check_epochs(max_epochs, option='max_epochs'):
    """``max_epochs`` as a positive int (None stays None)."""
    if max_epochs is None:
        return None
    if int(max_epochs) != max_epochs or max_epochs < 1:
        raise UsageError('{} must be a positive whole number, not {}'.format(
            option, max_epochs))
    return int(max_epochs)


def save_or_rescue(models, out):
    """Save ``models`` to ``out``; if that fails, save them to a file in the
    home or temporary directory and raise :class:`SaveFailed` naming it."""
    try:
        return persist.save_net(models, out)
    except OSError as e:
        reason = e.strerror or str(e)
    stem = 'facial_keypoints-rescued-{}-{}'.format(
        time.strftime('%Y%m%d-%H%M%S'), os.path.basename(out) or 'net.pickle')
    for directory in (os.path.expanduser('~'), tempfile.gettempdir()):
        try:
            rescued = persist.save_net(models, os.path.join(directory, stem))
        except OSError:
            continue
        raise SaveFailed('{}: cannot write it ({}); the trained net is saved to {} '
                         'instead'.format(out, reason, rescued))
    raise SaveFailed('{}: cannot write it ({}), nor a copy in the home or temporary '
                     'directory; the trained net is lost'.format(out, reason))


def _train(model, X, y, epochs=None):
    """Fit ``model``; True when Ctrl-C stopped the training loop."""
    with noting_interrupts() as interrupted:
        model.fit(X, y, epochs=epochs)  # nolearn stops quietly on Ctrl-C
    return bool(interrupted)


def _data_record(rows):
    directory = datadir.data_dir()
    return dict(data_source=datadir.data_source(directory), data_dir=directory,
                train_rows=rows, **record.environment())


def _report_interrupt(interrupted, model, out):
    if interrupted:
        print('Training interrupted after epoch {}; saved the net trained so far '
              'to {}.'.format(len(model.train_history_), out))
        raise KeyboardInterrupt


def default_out(name, resume=None):
    """Where ``fit`` writes its net: back to the resumed pickle (a resumed
    ``.npz`` to the pickle of the same name), else ``NAME.pickle``."""
    if resume:
        return resume if resume.endswith('.pickle') else os.path.splitext(resume)[0] + '.pickle'
    return '{}.pickle'.format(name)


class TimeLimit(object):
    """Stop training once its epochs have taken ``seconds`` in all (an
    ``on_epoch_finished`` handler; compiling and loading do not count)."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.spent = 0.0

    def __call__(self, nn, train_history):
        self.spent += train_history[-1]['dur']
        if self.spent >= self.seconds:
            raise StopIteration()


def start_net(name, seed=DEFAULT_SEED, max_epochs=None, preprocess=None,
              exclude=None, dct_window=None, all_rows=False):
    """A fresh net ``name`` with its run record; NumPy's global generator is
    seeded with ``seed`` first, so its initial weights are repeatable."""
    definition(name)  # an unknown name fails before anything runs
    np.random.seed(seed)
    model = get_net(name)
    if max_epochs:
        model.max_epochs = max_epochs
    record.set_record(model, dict(
        net=name, preprocess=preprocess or definition(name).preprocess,
        exclude=exclude, dct_window=dct_window, all_rows=all_rows, seed=seed))
    return model


def training_data(model, cols=None, exclude=None, dct_window=None, all_rows=False):
    """The training set ``model`` takes: its input and preprocessing,
    without the ``exclude`` rows, with DCT copies appended for
    ``dct_window``, and with ``all_rows`` every row that has a target."""
    X, y = load_for(model, cols=cols, exclude=exclude, all_rows=all_rows)
    if dct_window:
        X, y = append_dct_copies(X, y, dct_window)
    return X, y


def train_net(model, X, y, epochs=None, time_limit=None):
    """Train ``model`` (with the masked loss when its record says
    ``all_rows``) for ``epochs`` or at most ``time_limit`` seconds of
    epochs, and record the data. True when Ctrl-C stopped it."""
    if record.get_record(model).get('all_rows'):
        use_masked_loss(model)
    handlers = list(model.on_epoch_finished)
    if time_limit:
        model.on_epoch_finished = handlers + [TimeLimit(time_limit)]
    try:
        interrupted = _train(model, X, y, epochs)
    finally:
        model.on_epoch_finished = handlers  # the limit was this run's only
    record.update_record(model, interrupted=interrupted, **_data_record(len(X)))
    return interrupted


def fit(name='net', max_epochs=None, out=None, resume=None, preprocess=None,
        exclude=None, dct_window=None, seed=DEFAULT_SEED, all_rows=False):
    """Train the net ``name`` and pickle it to ``NAME.pickle`` (``out``).

    ``max_epochs`` shortens a run (the schedules follow it); ``resume``
    continues a trained net (pickle or ``.npz``) from its last epoch up to
    ``max_epochs``, with the data options it was trained with, and writes
    it back to the same file unless ``out`` says otherwise. ``preprocess``
    (default: the definition's own), ``exclude`` (training rows to leave
    out) and ``dct_window`` (append DCT low/high-pass copies) are the W207
    experiments' options. ``all_rows`` trains on every row with at least
    one keypoint, with a loss over the keypoints present
    (:mod:`facial_keypoints.masked`). Ctrl-C stops training, saves the net
    trained so far and raises KeyboardInterrupt.
    """
    max_epochs = check_epochs(max_epochs)
    out = out or default_out(name, resume)
    if resume:
        model = persist.load_single_net(resume)
        run = record.get_record(model)
        done = len(getattr(model, 'train_history_', []))
        print('Resuming {} after epoch {}: epochs {}..{}'.format(
            resume, done, done + 1, max_epochs or model.max_epochs))
        run.update(preprocess=preprocess or run.get('preprocess'),
                   exclude=exclude or run.get('exclude'),
                   dct_window=dct_window or run.get('dct_window'),
                   all_rows=all_rows or run.get('all_rows', False),
                   seed=run.get('seed', seed))
        if max_epochs:
            model.max_epochs = max_epochs
        record.set_record(model, run)
    else:
        model = start_net(name, seed, max_epochs, preprocess, exclude, dct_window,
                          all_rows)
        done = 0
    epochs = model.max_epochs - done
    if epochs <= 0:
        print('Nothing to do: it has already run {} epochs.'.format(done))
        return model

    run = record.get_record(model)
    print('Theano device: {}'.format(record.theano_device()))
    X, y = training_data(model, exclude=run['exclude'], dct_window=run['dct_window'],
                         all_rows=run['all_rows'])
    interrupted = train_net(model, X, y, epochs)
    save_or_rescue(model, out)
    _report_interrupt(interrupted, model, out)
    return model


def train_specialists(base, pretrained=None, epochs=None, exclude=None,
                      time_limit=None):
    """Train one specialist per group of ``SPECIALIST_SETTINGS``, each a copy
    of ``base`` (an untrained net carrying the run record), pretrained from
    ``pretrained`` when given, on the rows that have its columns (with
    ``all_rows`` in the record: any of them, with the masked loss).
    ``time_limit`` is seconds per specialist. Returns the OrderedDict
    {columns: net} trained so far, and True when Ctrl-C stopped it.
    """
    all_rows = record.get_record(base).get('all_rows', False)
    if all_rows:  # before the copies are compiled
        use_masked_loss(base)
    specialists = OrderedDict()
    for setting in SPECIALIST_SETTINGS:
        cols = setting['columns']
        X, y = training_data(base, cols=cols, exclude=exclude, all_rows=all_rows)
        model = make_specialist(setting, y.shape[0], base, pretrained, epochs)
        print("Training model for columns {} for {} epochs".format(
            cols, model.max_epochs))
        interrupted = train_net(model, X, y, time_limit=time_limit)
        record.update_record(model, columns=list(cols))
        specialists[cols] = model
        if interrupted:
            return specialists, True
    return specialists, False


def fit_specialists(fname_pretrain=None, out='net-specialists.pickle',
                    epochs=None, seed=DEFAULT_SEED, all_rows=False):
    """Train one specialist per group of keypoints and pickle them to ``out``
    as an OrderedDict keyed by the tuple of columns.

    With ``fname_pretrain`` (a trained net's pickle or ``.npz``), each
    specialist is a copy of that net's definition, starts from its weights
    and inherits its run record (its preprocessing among it); without it,
    a copy of the tutorial's ``net``. ``epochs`` overrides each
    specialist's ``max_epochs`` (for quick runs). ``all_rows`` trains each
    on the rows with any of its columns, with the masked loss.
    """
    epochs = check_epochs(epochs, 'epochs')
    net_pretrain = persist.load_single_net(fname_pretrain) if fname_pretrain else None
    base_record = record.get_record(net_pretrain) if net_pretrain is not None else {}
    base_record.setdefault('net', 'net')
    np.random.seed(seed)
    base = get_net(base_record['net'])
    record.set_record(base, dict(base_record, seed=seed, pretrained=fname_pretrain,
                                 all_rows=all_rows, interrupted=False))

    specialists, interrupted = train_specialists(
        base, net_pretrain, epochs, exclude=base_record.get('exclude'))

    # this time we're persisting a dictionary with all models:
    save_or_rescue(specialists, out)
    _report_interrupt(interrupted, list(specialists.values())[-1], out)
    return specialists
