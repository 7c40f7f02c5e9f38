"""One net's training run: what it was asked for (:func:`request`), its
data, its training with checkpoints and pauses, its continuation from a
stored net.

:func:`.units.run_unit`, the one way every command trains a net, builds on
it.
"""
import collections
import os

from ..base.checks import named, whole_number
from ..kaggle import datadir
from ..model import persist, record, state
from ..model.inputs import load_as
from ..model.registry import definition
from ..model.settings import Request, RunSettings
from ..w207.dct import append_dct_copies
from . import checkpoints, pauses

#: How a call of :func:`train_net` ended: the data it trained on (a
#: :class:`.state.TrainingData`), the signal that paused it (or None), and
#: whether a second Ctrl-C stopped it in the middle of an epoch.
Outcome = collections.namedtuple('Outcome', 'data paused at_once')


class TimeLimit:
    """Stop training once the net's epochs have taken ``seconds`` in all (an
    ``on_epoch_finished`` handler; compiling and loading do not count, the
    epochs of an earlier run of the same net do)."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __call__(self, nn, train_history):
        if sum(h['dur'] for h in train_history) >= self.seconds:
            raise StopIteration()


def request(**options):
    """What a run is asked for by ``options`` (fields of
    :class:`.settings.RunSettings`; None: not given), as a
    :class:`.settings.Request`: the given fields, and defaults for the
    others, on the data in use, with the definition's own preprocessing
    unless ``preprocess`` is given."""
    given = {name: value for name, value in options.items() if value is not None}
    if 'max_epochs' in given:
        given['max_epochs'] = named('max_epochs', whole_number, given['max_epochs'])
    fields = dict(given)
    fields.setdefault('preprocess', definition(fields.get('net', RunSettings.net)).preprocess)
    return Request(RunSettings(data=datadir.source_in_use(), **fields), tuple(given))


def training_data(settings, held_out=None):
    """The training set a net of ``settings`` takes: its input and
    preprocessing, its columns, without the rows ``held_out`` (default: the
    settings' ``exclude`` file), with DCT copies appended for
    ``dct_window``, and with ``all_rows`` every row that has a target."""
    X, y = load_as(settings, cols=settings.columns, all_rows=settings.all_rows,
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
        last = checkpoint_epochs(checkpoint)
        where = ('its checkpoint {} of epoch {} continues exactly'.format(checkpoint, last)
                 if last else 'no checkpoint was written yet')
        return ('Stopped in epoch {} ({} twice){}; {}: run the same command again to '
                'continue'.format(epochs + 1, pauses.reason(), kept, where))
    return ('Paused after epoch {} of {} ({}): checkpoint {}{}; run the same command '
            'again to continue'.format(epochs, model.max_epochs, pauses.reason(),
                                       checkpoint, kept))


def checkpoint_epochs(checkpoint):
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
