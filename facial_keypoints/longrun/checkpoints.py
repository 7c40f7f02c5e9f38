"""Checkpoints: a training run's complete state, written as it trains, so
that a run stopped in any way continues exactly where it was.

A checkpoint is the pickle-free ``.npz`` of :func:`.persist.export_npz`
with the net's training state (:mod:`.state`) beside its parameters, its
settings and its history; it loads on any device, and ``predict`` takes it
like any trained net. It is written atomically: the previous checkpoint
stays in place until the new one is complete.

:class:`Checkpointer` writes one every ``every`` epochs or, by default,
at the end of the first epoch after :data:`DEFAULT_SECONDS` since the last,
and whenever a pause is asked for (:mod:`.pauses`). ``fit`` keeps its
checkpoint beside the pickle it writes (:class:`Beside`); commands that
train several nets keep each net's checkpoint, and each finished net, in a
:class:`WorkDir`. Both are removed once the command's own output is
written.
"""
import os
import shutil
import tempfile
import time

from ..base.atomic import remove_stale_partials
from ..base.errors import SaveFailed
from ..model import persist, record, state
from ..model.epoch_log import EPOCH_LOG_SUFFIX, epoch_log_path
from ..model.settings import NET_PICKLE
from . import pauses

#: Seconds between checkpoints by default: a SIGKILL or a power cut loses
#: at most this much training, and writing checkpoints costs a small share
#: of it (docs/long-runs.rst, "How often").
DEFAULT_SECONDS = 60.0

SUFFIX = '.checkpoint.npz'


def checkpoint_path(out):
    """Where a run that writes ``out`` keeps its checkpoint:
    ``net6.pickle`` -> ``net6.checkpoint.npz``."""
    return os.path.splitext(out)[0] + SUFFIX


def remove(path):
    """Remove a checkpoint and any half-written copy of it left by a killed
    process."""
    if os.path.exists(path):
        os.remove(path)
    remove_stale_partials(path)


def write(net, path, data):
    """Write ``net``'s checkpoint after training on ``data`` (a
    :class:`.state.TrainingData`)."""
    record.update_record(net)  # its epoch count
    persist.export_npz(net, path, [state.capture(net, data)])
    return path


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


class Checkpointer:
    """An ``on_epoch_finished`` handler (the last): writes ``net``'s
    checkpoint to ``path`` every ``every`` epochs, or every ``seconds``,
    and, when a pause is asked for, writes it and stops training.

    Parameters
    ----------
    path : str or None
        The checkpoint file; None writes none (a pause still stops).
    data : :class:`.state.TrainingData`
        The data the net trains on.
    every : int or None
        Epochs between checkpoints; None: by time.
    seconds : float
        Seconds between checkpoints when ``every`` is None.
    """

    def __init__(self, path, data, every=None, seconds=DEFAULT_SECONDS):
        self.path, self.data = path, data
        self.every, self.seconds = every, seconds
        self.last = time.monotonic()

    def __call__(self, nn, train_history):
        pause = pauses.requested() is not None
        if self.path and (pause or self._due(len(train_history))):
            write(nn, self.path, self.data)
            self.last = time.monotonic()
        if pause:
            raise StopIteration()

    def _due(self, epoch):
        if self.every:
            return epoch % self.every == 0
        return time.monotonic() - self.last >= self.seconds


class WorkDir:
    """A command's work directory: for each unit of work (one net to
    train), its checkpoint while it trains and its ``.npz`` once finished,
    kept until the command has written its output.

    Parameters
    ----------
    path : str
        The directory; made when the first file is written.
    restart : bool
        Remove what an earlier run left there first.
    """

    def __init__(self, path, restart=False):
        self.path = path
        #: Each unit's printout when it trains on a Dask worker, kept
        #: after the command ends: ``net-specialists.checkpoints`` ->
        #: ``net-specialists.logs``.
        self.logs = (path[:-len('.checkpoints')] if path.endswith('.checkpoints')
                     else path) + '.logs'
        if restart:
            for directory in (path, self.logs):
                if os.path.isdir(directory):
                    shutil.rmtree(directory)

    def checkpoint(self, key):
        """The checkpoint file of unit ``key`` (while it trains)."""
        return os.path.join(self.path, key + SUFFIX)

    def result(self, key):
        """The ``.npz`` of unit ``key`` once it has finished."""
        return os.path.join(self.path, key + '.npz')

    def log(self, key):
        """The log file of unit ``key``."""
        return os.path.join(self.logs, key + '.log')

    def epoch_log(self, key):
        """The epoch log of unit ``key``, kept with its log."""
        os.makedirs(self.logs, exist_ok=True)
        return os.path.join(self.logs, key + EPOCH_LOG_SUFFIX)

    def finished(self, key):
        """True when unit ``key`` finished in an earlier run."""
        return os.path.exists(self.result(key))

    def keep(self, key, net, data):
        """Write the finished net of unit ``key``, trained on ``data``, with
        its training state."""
        os.makedirs(self.path, exist_ok=True)
        persist.export_npz(net, self.result(key), [state.capture(net, data)])

    def keep_so_far(self, key, net):
        """Nothing: a paused unit's checkpoint holds its net so far."""
        return None

    def remove(self):
        """Remove the directory: the command's output is written."""
        shutil.rmtree(self.path, ignore_errors=True)


class Beside:
    """Where ``fit`` keeps its one net's files: the checkpoint beside the
    pickle ``out`` it writes, and the net, finished or so far, in ``out``.

    Parameters
    ----------
    out : str
        The pickle.
    restart : bool
        Remove the checkpoint an earlier run left first.
    """

    def __init__(self, out, restart=False):
        self.out = out
        if restart:
            remove(self.checkpoint())

    def checkpoint(self, key=None):
        """The checkpoint: ``net6.pickle`` -> ``net6.checkpoint.npz``."""
        return checkpoint_path(self.out)

    def finished(self, key):
        """False: a net finished is continued from ``out`` only when asked
        (``fit --resume``)."""
        return False

    def epoch_log(self, key=None):
        """The epoch log: ``net6.pickle`` -> ``net6.epochs.csv``."""
        return epoch_log_path(self.out)

    def keep(self, key, net, data):
        """Pickle the finished net to ``out``."""
        save_or_rescue(net, self.out)

    def keep_so_far(self, key, net):
        """Pickle a paused net to ``out``, so that it is never lost; return
        where it went."""
        return save_or_rescue(net, self.out)
