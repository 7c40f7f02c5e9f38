"""One net's training run: its settings, its data, its training with
checkpoints and pauses, and the unit of work that trains it, continues it
from its checkpoint or takes its finished result (:func:`run_unit`).

The commands build on it: ``fit`` and ``fit_specialists``
(:mod:`facial_keypoints.commands.fit`), ``evaluate``, ``sweep`` and ``reproduce``, and the
units of work that run on a cluster (:mod:`.units`).
"""
import collections
import os
import tempfile
import time

import numpy as np

from ..base.errors import Paused, SaveFailed
from ..kaggle import datadir
from ..model import persist, record, state
from ..model.inputs import load_for
from ..model.registry import definition, net_for
from ..model.settings import NET_PICKLE, RunSettings
from ..tutorial.nets import quiet
from ..tutorial.specialists import specialist_index
from ..w207.dct import append_dct_copies
from . import checkpoints, pauses

#: How a call of :func:`train_net` ended: the data it trained on (a
#: :class:`.state.TrainingData`), the signal that paused it (or None), and
#: whether a second Ctrl-C stopped it in the middle of an epoch.
Outcome = collections.namedtuple('Outcome', 'data paused at_once')


def save_or_rescue(models, out):
    """Save ``models`` to ``out``; if that fails, save them to a file in the
    home or temporary directory and raise :class:`SaveFailed` naming it."""
    try:
        return persist.save_net(models, out)
    except OSError as e:
        reason = e.strerror or str(e)
    stem = 'facial_keypoints-rescued-{}-{}'.format(
        time.strftime('%Y%m%d-%H%M%S'), os.path.basename(out) or NET_PICKLE)
    for directory in (os.path.expanduser('~'), tempfile.gettempdir()):
        try:
            rescued = persist.save_net(models, os.path.join(directory, stem))
        except OSError:
            continue
        raise SaveFailed('{}: cannot write it ({}); the trained net is saved to {} '
                         'instead'.format(out, reason, rescued))
    raise SaveFailed('{}: cannot write it ({}), nor a copy in the home or temporary '
                     'directory; the trained net is lost'.format(out, reason))


class TimeLimit:
    """Stop training once the net's epochs have taken ``seconds`` in all (an
    ``on_epoch_finished`` handler; compiling and loading do not count, the
    epochs of an earlier run of the same net do)."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __call__(self, nn, train_history):
        if sum(h['dur'] for h in train_history) >= self.seconds:
            raise StopIteration()


def new_settings(**fields):
    """The settings of a new run: ``fields`` of :class:`.settings.RunSettings`
    (its defaults for the others), on the data in use, with the
    definition's own preprocessing unless ``preprocess`` is given."""
    fields.setdefault('preprocess', definition(fields.get('net', RunSettings.net)).preprocess)
    return RunSettings(data=datadir.source_in_use(), **fields)


def given_options(**options):
    """The ``options`` that were given: those that are not None."""
    return {name: value for name, value in options.items() if value is not None}


def asked_settings(**options):
    """The settings a run is asked for by ``options`` (fields of
    :class:`.settings.RunSettings`; None: not given), and the names of
    those given, which a continued run compares with its stored settings."""
    given = given_options(**options)
    return new_settings(**given), tuple(given)


def start_net(settings):
    """A fresh net as ``settings`` define it; NumPy's global generator is
    seeded with the settings' seed first, so its initial weights (and
    flips) are repeatable."""
    np.random.seed(settings.unit_seed())
    return net_for(settings)


def training_data(model, held_out=None):
    """The training set ``model`` takes, as its settings say: its input and
    preprocessing, its columns, without the rows ``held_out`` (default: the
    settings' ``exclude`` file), with DCT copies appended for
    ``dct_window``, and with ``all_rows`` every row that has a target."""
    settings = record.settings_of(model)
    X, y = load_for(model, cols=settings.columns, all_rows=settings.all_rows,
                    exclude=settings.exclude if held_out is None else held_out)
    if settings.dct_window:
        X, y = append_dct_copies(X, y, settings.dct_window)
    return X, y


def _data_record(rows):
    directory = datadir.data_dir()
    return dict(data_dir=directory, train_rows=rows, **record.environment())


def train_net(model, X, y, checkpoint=None, checkpoint_every=None):
    """Train ``model`` on ``X``, ``y`` up to its ``max_epochs``, continuing
    its training state if it has one, and record the data.

    Writes its checkpoint to ``checkpoint`` every ``checkpoint_every`` epochs (default:
    every :data:`.checkpoints.DEFAULT_SECONDS`), and when a pause is asked
    for, which ends training at the end of the epoch. Afterwards the net
    holds the state a pickle of it needs to continue exactly. Returns an
    :class:`Outcome`.
    """
    settings = record.settings_of(model)
    model.initialize()
    data = state.TrainingData(model, X, y)
    handlers = list(model.on_epoch_finished)
    extra = [TimeLimit(settings.time_limit)] if settings.time_limit else []
    model.on_epoch_finished = handlers + extra + [
        checkpoints.Checkpointer(checkpoint, data, checkpoint_every)]
    done = len(getattr(model, 'train_history_', None) or [])
    try:
        if pauses.requested() is None and model.max_epochs > done:
            with state.continuing(model, data):
                # (nolearn stops quietly on a second Ctrl-C)
                model.fit(X, y, epochs=model.max_epochs - done)
    finally:
        model.on_epoch_finished = handlers  # this run's only
    paused = pauses.requested()
    if not pauses.stopped_at_once():
        setattr(model, state.ATTRIBUTE, state.capture(model, data, early_stopping=False))
    record.update_record(model, interrupted=pauses.reason(), **_data_record(len(X)))
    return Outcome(data, paused, pauses.stopped_at_once())


def device_line():
    """One line: the device and BLAS Theano trains with."""
    return 'Theano device: {}; BLAS: {}'.format(record.theano_device(), record.theano_blas())


def pause_message(model, outcome, checkpoint, saved=None):
    """One line: where a paused run stopped, what it wrote, how to go on."""
    epochs = len(model.train_history_)
    kept = '; the net so far is in {}'.format(saved) if saved else ''
    if outcome.at_once:
        last = persist_epochs(checkpoint)
        where = ('its checkpoint {} of epoch {} continues exactly'.format(checkpoint, last)
                 if last else 'no checkpoint was written yet')
        return ('Stopped in epoch {} ({} twice){}; {}: run the same command again to '
                'continue'.format(epochs + 1, pauses.reason(), kept, where))
    return ('Paused after epoch {} of {} ({}): checkpoint {}{}; run the same command '
            'again to continue'.format(epochs, model.max_epochs, pauses.reason(),
                                       checkpoint, kept))


def persist_epochs(checkpoint):
    """The epochs of the net in ``checkpoint`` (None without one)."""
    if not checkpoint or not os.path.exists(checkpoint):
        return None
    return persist.describe_npz(checkpoint)['nets'][0]['record'].get('epochs')


def continued(source, asked, compared=None):
    """The net in ``source`` (a checkpoint, pickle or ``.npz``), to continue
    as a run asked for the settings ``asked``: its stored settings hold,
    and must equal the asked ones in the fields ``compared`` (default:
    every one; see :meth:`.settings.RunSettings.continued`); a change of
    ``max_epochs`` is applied and recorded."""
    model = persist.load_single_net(source)
    settings, changes = record.settings_of(model).continued(asked, source, compared)
    done = len(model.train_history_)
    if changes:
        record.update_record(model, changes=record.get_record(model).get('changes', []) + [
            dict(epoch=done, name=name, old=old, new=new)
            for name, (old, new) in changes.items()])
    if settings.max_epochs:
        model.max_epochs = settings.max_epochs
    record.set_settings(model, settings)
    if getattr(model, state.ATTRIBUTE, None) is None and done:
        print('{}: holds no training state (written by an older release or by '
              '`export`): its update velocities and random streams start '
              'afresh'.format(source))
    return model


def unit_key(settings, prefix=''):
    """The file name of a unit of work in a :class:`.checkpoints.WorkDir`."""
    if settings.columns is None:
        return prefix + settings.net
    index = specialist_index(settings.columns)
    return '{}specialist-{}-{}'.format(prefix, index + 1, settings.columns[0][:-2])


def run_unit(unit, work, start, checkpoint_every=None):
    """One unit of work (a :class:`.units.Unit`): its net trained,
    continued from its checkpoint in ``work`` (a
    :class:`.checkpoints.WorkDir`), or taken from the result an earlier run
    left there.

    ``start(settings, X, y)`` builds the fresh net (NumPy's generator is
    seeded from the settings first); it trains on the rows of its settings
    without those ``unit.held_out``. The finished net is written to
    ``work.result(unit.key)`` with its training state. A quiet unit prints
    no layer table or epoch log. Raises :class:`~.errors.Paused` when a
    signal paused it.
    """
    settings, key = unit.settings, unit.key
    result, checkpoint = work.result(key), work.checkpoint(key)
    X, y = training_data(net_for(settings), unit.held_out)
    if work.finished(key):
        model = continued(result, settings)
        state.check_data(getattr(model, state.ATTRIBUTE), state.TrainingData(model, X, y))
        print('Kept {}: it finished in an earlier run'.format(result))
        return model
    if os.path.exists(checkpoint):
        model = continued(checkpoint, settings)
        print('Continuing {} after epoch {}'.format(checkpoint, len(model.train_history_)))
    else:
        np.random.seed(settings.unit_seed())
        model = record.set_settings(start(settings, X, y), settings)
    if unit.quietly:
        quiet(model)
    outcome = train_net(model, X, y, checkpoint, checkpoint_every)
    if outcome.paused:
        raise Paused(pause_message(model, outcome, checkpoint), outcome.paused)
    os.makedirs(work.path, exist_ok=True)
    persist.export_npz(model, result, [state.capture(model, outcome.data)])
    checkpoints.remove(checkpoint)
    return model


def default_work_dir(out):
    """The work directory of a command that writes ``out``:
    ``net-specialists.pickle`` -> ``net-specialists.checkpoints``."""
    return os.path.splitext(out)[0] + '.checkpoints'


def default_out(name, resume=None):
    """Where ``fit`` writes its net: back to the resumed pickle (a resumed
    ``.npz`` to the pickle of the same name), else ``NAME.pickle``."""
    if resume:
        return resume if resume.endswith('.pickle') else os.path.splitext(resume)[0] + '.pickle'
    return '{}.pickle'.format(name)
