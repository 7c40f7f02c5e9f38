"""Units of work: one net to train, described in JSON, run in this process
or on the workers of a Dask cluster.

``fit_specialists`` (each specialist), ``evaluate`` (each fold's nets),
``sweep`` (each value) and ``reproduce`` (each net) describe their
trainings as :class:`Unit` s and give them to a runner:

- :class:`Serial` (the default) trains them one after another in this
  process, as :func:`.train.run_unit` does;
- :class:`.cluster.OnCluster` submits them to Dask distributed: each unit
  runs :func:`execute` on a worker, which
  trains the net with its checkpoints in the command's work directory,
  writes the finished net as a pickle-free ``.npz`` there, and returns a
  small manifest (JSON values, and the ``.npz``'s bytes when the submitting
  machine does not share the work directory).

Either way a unit's numbers depend only on its settings (its seed among
them, :meth:`.settings.RunSettings.unit_seed`) and its data, never on
where or in which order it ran: the nets and tables are the same to the bit.
"""
import contextlib
import dataclasses
import hashlib
import os
import time

from ..model import persist
from ..model.registry import net_for
from ..model.settings import RunSettings
from ..tutorial.specialists import SPECIALIST_SETTINGS, make_specialist, specialist_index
from .checkpoints import WorkDir
from .train import run_unit


@dataclasses.dataclass(frozen=True)
class Unit:
    """One net to train.

    Attributes
    ----------
    key : str
        Its name in the work directory (``fold-2-net6``).
    settings : RunSettings
        What to train; a specialist's settings have its ``columns``.
    held_out : tuple of int or None
        Training rows (1-based) left out: ``evaluate``'s held-out fold.
    after : str or None
        The key of the unit whose net this one starts from (a fold's net to
        pretrain the specialists from); else ``settings.pretrained`` names
        the file, if any.
    quietly : bool
        No layer table or epoch log (``evaluate``, ``sweep``).
    """

    key: str
    settings: RunSettings
    held_out: tuple = None
    after: str = None
    quietly: bool = False

    def to_json(self):
        return dict(key=self.key, settings=self.settings.to_dict(),
                    held_out=list(self.held_out) if self.held_out is not None else None,
                    after=self.after, quietly=self.quietly)

    @classmethod
    def from_json(cls, values):
        values = dict(values)
        values['settings'] = RunSettings.from_dict(values['settings'])
        if values['held_out'] is not None:
            values['held_out'] = tuple(values['held_out'])
        return cls(**values)


def _start(unit, pretrained_net):
    """The function :func:`.train.run_unit` builds the fresh net with."""
    if unit.settings.columns is None:
        return lambda settings, X, y: net_for(settings)
    setting = SPECIALIST_SETTINGS[specialist_index(unit.settings.columns)]

    def start(settings, X, y):
        base = net_for(settings.replace(columns=None))
        model = make_specialist(setting, y.shape[0], base, pretrained_net, settings.max_epochs)
        print("Training model for columns {} for {} epochs".format(
            settings.columns, model.max_epochs))
        return model
    return start


def train(unit, work, pretrained_net=None, checkpoint_every=None):
    """Train ``unit`` in this process (see :func:`.train.run_unit`);
    ``pretrained_net`` is the net it starts from, if any."""
    return run_unit(unit, work, _start(unit, pretrained_net), checkpoint_every)


class Serial:
    """Units one after another, in this process."""

    def run(self, units, work, checkpoint_every=None, nets=None):
        """Train ``units`` in order; return {key: net}. ``nets`` holds nets
        already loaded, by file name (the pretrained net)."""
        nets, trained = dict(nets or {}), {}
        for unit in units:
            trained[unit.key] = train(unit, work, _pretrained_net(unit, trained, nets),
                                      checkpoint_every)
        return trained


def _pretrained_net(unit, trained, nets):
    if unit.after is not None:
        return trained[unit.after]
    pretrained = unit.settings.pretrained
    if pretrained is None:
        return None
    if pretrained not in nets:  # loaded once for all the units that start from it
        nets[pretrained] = persist.load_single_net(pretrained)
    return nets[pretrained]


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def manifest(unit, work, model, seconds, kept, with_bytes):
    """What a finished unit reports: JSON values, and the bytes of its
    ``.npz`` and log where the submitting machine cannot read the work
    directory. ``kept``: an earlier run had finished it."""
    path = work.result(unit.key)
    history = model.train_history_
    found = dict(key=unit.key, file=os.path.basename(path), sha256=sha256(path),
                 epochs=len(history), seconds=float(seconds), kept=kept,
                 best_valid=float(min(h['valid_loss'] for h in history)) if history else None)
    if with_bytes:
        found['npz'] = _read(path)
        if os.path.exists(work.log(unit.key)):
            found['log'] = _read(work.log(unit.key))
    return found


def _read(path):
    with open(path, 'rb') as f:
        return f.read()


def place(found, work):
    """Make the ``.npz`` of a manifest a file of ``work`` (written there
    from its bytes unless it is there already), and its log, if it came
    with one; return the ``.npz``'s path."""
    path = os.path.join(work.path, found['file'])
    if not (os.path.exists(path) and sha256(path) == found['sha256']):
        _write(path, found['npz'])
    if found.get('log') is not None:
        _write(work.log(found['key']), found['log'])
    return path


def _write(path, data):
    from ..base.atomic import atomic_write
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with atomic_write(path) as f:
        f.write(data)


_loaded = {}  # on a worker: the nets units start from, by checksum


def execute(unit_json, work_dir, data_dir, checkpoint_every=None, start_from=None,
            with_bytes=False):
    """Run one unit on a worker: train it (continuing its checkpoint in
    ``work_dir``, or taking the result an earlier run left there), its
    printout to ``KEY.log`` beside the results; return its manifest.
    ``start_from`` is the manifest of the net it starts from, if any."""
    from ..kaggle import datadir
    datadir.set_data_dir(data_dir)
    unit = Unit.from_json(unit_json)
    work = WorkDir(work_dir)
    os.makedirs(work.path, exist_ok=True)
    pretrained_net = None
    if start_from is not None:
        path = place(start_from, work)
        if start_from['sha256'] not in _loaded:
            _loaded[start_from['sha256']] = persist.load_single_net(path)
        pretrained_net = _loaded[start_from['sha256']]
    began = time.perf_counter()
    kept = work.finished(unit.key)
    os.makedirs(work.logs, exist_ok=True)
    # A unit that continues its checkpoint continues its log.
    mode = 'a' if kept or os.path.exists(work.checkpoint(unit.key)) else 'w'
    with open(work.log(unit.key), mode) as f, contextlib.redirect_stdout(f):
        model = train(unit, work, pretrained_net, checkpoint_every)
    return manifest(unit, work, model, time.perf_counter() - began, kept, with_bytes)


def pretrained_manifest(pretrained, work):
    """A manifest for the pretrained file ``pretrained``, as the units that
    start from it take it: its net written to the work directory as ``.npz``
    (workers get arrays and JSON, never a pickle)."""
    path = os.path.join(work.path, 'pretrained-' + os.path.splitext(
        os.path.basename(pretrained))[0] + '.npz')
    if not os.path.exists(path):
        os.makedirs(work.path, exist_ok=True)
        persist.export_npz(persist.load_single_net(pretrained), path)
    with open(path, 'rb') as f:
        data = f.read()
    return dict(key='pretrained', file=os.path.basename(path), npz=data,
                sha256=hashlib.sha256(data).hexdigest())


def describe(found):
    """One line of a finished unit's manifest."""
    best = '{:.6f}'.format(found['best_valid']) if found['best_valid'] is not None else '-'
    return '{} epochs, best valid loss {}, {:.1f} s'.format(found['epochs'], best,
                                                           found['seconds'])
