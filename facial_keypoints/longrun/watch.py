"""Watching a net train: handlers on nolearn's own hooks, added for one
training and taken off after it (:func:`watching`), so that a net's
settings, fingerprint and pickle are the same watched or not.

- :class:`~.epoch_log.EpochLog`: a CSV row per epoch as it ends, beside
  the trained output; a continued run takes up the log where its
  checkpoint stands.
- :class:`Progress`: within an epoch, one updating line on a terminal or a
  bar in a notebook; nothing where output goes to a file or a pipe.
- :class:`LiveCurve`: the learning curve redrawn in a notebook's output
  after each epoch.
- :class:`TensorBoard`: each epoch's scalars as TensorBoard event files
  (the optional ``tensorboardX``).

Each reads an epoch's numbers before the net's own handlers run (the
tutorial's :class:`~.callbacks.AdjustVariable` sets the next epoch's
learning rate).
"""
import contextlib
import io
import os
import sys
import time

from ..base.console import is_interactive
from ..model.epoch_log import COLUMNS, EpochLog, epoch_values


class Progress:
    """Batches done and seconds so far in the epoch under way, on a
    terminal one line rewritten in place (cleared as the epoch ends, before
    nolearn's row of it), in a notebook a widget bar. The number of batches
    is known from the second epoch on.

    Build it with :func:`progress_for`, which says where it can show.
    """

    #: Seconds between redraws at most.
    EVERY = 0.2

    def __init__(self, stream=None, bar=None):
        self.stream, self.bar = stream, bar
        self.batches, self.total = 0, None
        self.began = self.drawn = None
        self.width = 0

    def training_started(self, nn, train_history):
        self.began = time.monotonic()

    def batch_finished(self, nn, train_history):
        now = time.monotonic()
        self.batches += 1
        if self.drawn is None or now - self.drawn >= self.EVERY:
            self.drawn = now
            self._draw('epoch {}: batch {}{}, {:.1f} s'.format(
                len(train_history) + 1, self.batches,
                '/{}'.format(self.total) if self.total else '', now - (self.began or now)))

    def epoch_finished(self, nn, train_history):
        self.total, self.batches = self.batches, 0
        self.began, self.drawn = time.monotonic(), None
        if self.width or self.bar is not None:
            self._draw('')

    def _draw(self, text):
        if self.bar is not None:
            self.bar.max = self.total or max(self.batches, 1)
            self.bar.value = self.batches
            self.bar.description = text.split(':')[0]
            return
        self.stream.write('\r' + text.ljust(self.width) + ('\r' if not text else ''))
        self.stream.flush()
        self.width = len(text)


def progress_for(stream=None):
    """A :class:`Progress` for where output goes (default: stdout): a
    terminal, or a notebook with ipywidgets; None for a file or a pipe."""
    stream = stream or sys.stdout
    if not is_interactive(stream):
        return None
    if stream.isatty():
        return Progress(stream=stream)
    try:  # a notebook
        import ipywidgets
        from IPython.display import display
    except ImportError:
        return None
    bar = ipywidgets.IntProgress(min=0, max=1, value=0)
    display(bar)
    return Progress(bar=bar)


class LiveCurve:
    """Redraw a net's train and valid loss (the tutorial's first figure) in
    the notebook's output as each epoch ends: one image, updated in place."""

    def __init__(self, title=None):
        self.title = title
        self.handle = None

    def __call__(self, nn, train_history):
        from IPython.display import Image, display
        from ..tutorial.plots import learning_curve_figure
        png = io.BytesIO()
        learning_curve_figure(train_history, self.title).savefig(png, format='png', dpi=80)
        image = Image(data=png.getvalue(), format='png')
        if self.handle is None:
            self.handle = display(image, display_id=True)
        else:
            self.handle.update(image)


class TensorBoard:
    """Write each epoch's train and valid loss, their ratio and the rates to
    TensorBoard event files in ``logdir``/``name`` (one run per net), with
    the epoch as the step.

    Needs ``tensorboardX`` (``pip install facial-keypoints[tensorboard]``).
    """

    def __init__(self, logdir, name):
        from tensorboardX import SummaryWriter
        self.writer = SummaryWriter(logdir=os.path.join(logdir, name))

    def __call__(self, nn, train_history):
        epoch, *values = epoch_values(nn, train_history[-1])
        for name, value in zip(COLUMNS[1:], values):
            if value is not None:
                self.writer.add_scalar(name, value, epoch)
        self.writer.flush()

    def close(self):
        self.writer.close()


def tensorboard_missing():
    """What to install for ``--tensorboard``, or None when it is there."""
    try:
        import tensorboardX  # noqa: F401
    except ImportError:
        return ('--tensorboard needs tensorboardX: pip install '
                '"facial-keypoints[tensorboard]"')
    return None


@contextlib.contextmanager
def watching(nn, log=None, progress=True, live=False, tensorboard=None, name=None):
    """A block in which ``nn`` trains watched: its epoch log written to
    ``log`` (a path, or None), progress shown where it can be (unless
    ``progress`` is False), its live curve drawn (``live``, in a notebook),
    its scalars written for TensorBoard to the directory ``tensorboard``
    as run ``name``. The net's handlers are as before afterwards.

    Examples
    --------
    >>> with watching(net1, live=True):  # doctest: +SKIP
    ...     net1.fit(X, y)
    """
    first, batch, started = [], [], []
    shown = progress_for() if progress else None
    if shown is not None:
        first.append(shown.epoch_finished)
        batch.append(shown.batch_finished)
        started.append(shown.training_started)
    if log:
        first.append(EpochLog(log))
    board = TensorBoard(tensorboard, name or type(nn).__name__) if tensorboard else None
    if board is not None:
        first.append(board)
    if live:
        first.append(LiveCurve(name))
    before = nn.on_epoch_finished, nn.on_batch_finished, nn.on_training_started
    nn.on_epoch_finished = first + _listed(before[0])
    nn.on_batch_finished = _listed(before[1]) + batch
    nn.on_training_started = _listed(before[2]) + started
    try:
        yield nn
    finally:
        nn.on_epoch_finished, nn.on_batch_finished, nn.on_training_started = before
        if board is not None:
            board.close()


def _listed(handlers):
    """nolearn takes one handler or a list of them."""
    if handlers is None:
        return []
    return list(handlers) if isinstance(handlers, (list, tuple)) else [handlers]
