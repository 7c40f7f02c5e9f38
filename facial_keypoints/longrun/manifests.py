"""What a unit of work run on a Dask worker reports, and how it runs there.

Each unit runs :func:`execute` on a worker: it trains the net with its
checkpoints in the command's work directory, writes the finished net as a
pickle-free ``.npz`` there, and returns a small manifest (JSON values, and
the ``.npz``'s bytes when the submitting machine does not share the work
directory), which :func:`place` makes a file of the submitting machine's
work directory again.
"""
import contextlib
import hashlib
import os
import time

from ..base.atomic import atomic_write
from ..kaggle import datadir
from ..model import persist
from ..model.settings import RunControl
from .checkpoints import WorkDir
from .units import Unit, run_unit


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
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with atomic_write(path) as f:
        f.write(data)


_loaded = {}  # on a worker: the nets units start from, by checksum


def execute(unit_json, work_dir, data_dir, control=RunControl(), start_from=None,
            with_bytes=False):
    """Run one unit on a worker as ``control`` says: train it (continuing
    its checkpoint in ``work_dir``, or taking the result an earlier run left
    there), its printout to ``KEY.log`` beside the results; return its
    manifest.
    ``start_from`` is the manifest of the net it starts from, if any."""
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
        model = run_unit(unit, work, pretrained_net, control)
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
