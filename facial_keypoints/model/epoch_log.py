"""The epoch log: one CSV row per epoch of a net's training, written as
each epoch ends (:class:`EpochLog`, which :func:`.longrun.watch.watching`
adds to a net), read to draw a learning curve while training goes on.

Columns: :data:`COLUMNS`. Floats are written as Python writes them
(shortest round trip), so that two runs of the same numbers write the same
log, the seconds aside.
"""
import csv
import io
import os

from ..base.atomic import atomic_write
from ..base.errors import UserError

#: The epoch log's columns: nolearn's epoch table, and the rates the epoch
#: trained with.
COLUMNS = ('epoch', 'train_loss', 'valid_loss', 'train/val', 'seconds', 'learning_rate',
           'momentum')

EPOCH_LOG_SUFFIX = '.epochs.csv'


def epoch_log_path(out):
    """The epoch log of a run that writes ``out``: ``net6.pickle`` ->
    ``net6.epochs.csv``."""
    return os.path.splitext(out)[0] + EPOCH_LOG_SUFFIX


def rate(value):
    """A rate as a float: a Theano shared variable's value, or a number;
    None where there is none."""
    if value is None:
        return None
    return float(value.get_value() if hasattr(value, 'get_value') else value)


def epoch_values(nn, info, rates=True):
    """The numbers of one epoch of ``nn`` (``info``: its history entry), in
    the order of :data:`COLUMNS`; without ``rates``, None for them (an
    epoch of an earlier run)."""
    train, valid = float(info['train_loss']), float(info['valid_loss'])
    values = [info['epoch'], train, valid, train / valid, float(info['dur'])]
    if not rates:
        return values + [None, None]
    return values + [rate(getattr(nn, 'update_learning_rate', None)),
                     rate(getattr(nn, 'update_momentum', None))]


def epoch_row(nn, info, rates=True):
    """The log's row of one epoch: :func:`epoch_values` as text."""
    return ['' if cell is None else repr(cell) if isinstance(cell, float) else str(cell)
            for cell in epoch_values(nn, info, rates)]


def read_epoch_log(path):
    """The rows of an epoch log, as dicts of floats (the epoch an int, an
    empty cell None); a cell that is no number is an error naming the file,
    its line and its column."""
    with open(path, newline='') as f:
        rows = list(csv.DictReader(f))
    read = []
    for line, row in enumerate(rows, 2):
        values = {}
        for name, value in row.items():
            try:
                values[name] = (int(value) if name == 'epoch' else
                                float(value) if value else None)
            except (TypeError, ValueError):
                raise UserError('{}: line {}, column {}: {!r} is not a number'.format(
                    path, line, name, value)) from None
        read.append(values)
    return read


class EpochLog:
    """Append a row to the CSV file ``path`` as each epoch ends.

    Each row is one write, synced, so that a killed run leaves whole rows.
    At its first epoch it keeps the rows of the epochs the net had already
    run and drops any after them (written by a run that was stopped after
    its last checkpoint); an epoch the log lacks gets its row from the
    net's history, its rates unknown. Where the log cannot be written (a
    full disk), it says so once and the training goes on without it.
    """

    def __init__(self, path):
        self.path = path
        self.started = False

    def __call__(self, nn, train_history):
        if self.path is None:
            return
        try:
            if not self.started:
                self._take_up(nn, train_history[:-1])
                self.started = True
            self._append(epoch_row(nn, train_history[-1]))
        except OSError as e:
            print('Not writing the epoch log {} ({}); the training goes on'.format(
                self.path, e.strerror or e))
            self.path = None

    def _take_up(self, nn, history):
        kept = {}
        if os.path.exists(self.path):
            with open(self.path, newline='') as f:
                for row in csv.reader(f):
                    if len(row) == len(COLUMNS) and row[0].isdigit() \
                            and int(row[0]) <= len(history):
                        kept[int(row[0])] = row
        with atomic_write(self.path, 'w') as f:
            writer = csv.writer(f, lineterminator='\n')
            writer.writerow(COLUMNS)
            for info in history:
                writer.writerow(kept.get(info['epoch']) or epoch_row(nn, info, rates=False))

    def _append(self, row):
        text = io.StringIO()
        csv.writer(text, lineterminator='\n').writerow(row)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, text.getvalue().encode())
            os.fsync(fd)
        finally:
            os.close(fd)
