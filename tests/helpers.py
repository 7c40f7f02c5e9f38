"""What several test modules share: running the command line in this
process or another and checking its one-line errors, comparing trained
nets to the bit, a small net1, and mounts."""
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest

from facial_keypoints import cli
from facial_keypoints.kaggle import datadir
from facial_keypoints.longrun import units
from facial_keypoints.model import registry


def run_cli(capsys, argv):
    try:
        code = cli.main(argv)
    except SystemExit as e:  # argparse's errors
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err, code, expected_code, *words):
    assert code == expected_code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: '), err
    assert 'Traceback' not in err
    for word in words:
        assert word in lines[0], (word, lines[0])


def small_net1(max_epochs=3):
    """net1 with 10 hidden units, quiet."""
    net = registry.get_net('net1')
    net.max_epochs = max_epochs
    net.hidden_num_units = 10
    net.verbose = 0
    return net


#: The commands that train nets.
TRAINING_COMMANDS = ('fit', 'fit_specialists', 'fit-specialists', 'evaluate', 'sweep',
                     'reproduce', 'demo')
#: Whether the running test may train (it uses the fixture ``trains``); set
#: by tests/conftest.py for each test.
training_allowed = [True]


EPOCH_LINE = re.compile(r'^\s+(\d+)\s+\d+\.\d+\s')


class Run:
    """``kfkd ARGS`` in ``cwd``: ``on_line(line, process)`` sees each line
    of its output as it comes, and ``watch(process)`` runs beside it in a
    thread (either can send it signals)."""

    def __init__(self, args, cwd, data_dir, on_line=None, env=None, watch=None):
        assert training_allowed[0] or args[0] not in TRAINING_COMMANDS, (
            '`kfkd {}` trains a net: use the fixture `trains`'.format(args[0]))
        self.process = subprocess.Popen(
            [sys.executable, '-m', 'facial_keypoints.kfkd'] + args + ['--data-dir', data_dir],
            cwd=str(cwd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, PYTHONUNBUFFERED='1', **(env or {})))
        if watch:
            threading.Thread(target=watch, args=(self.process,), daemon=True).start()
        lines = []
        for line in self.process.stdout:
            lines.append(line)
            if on_line:
                on_line(line, self.process)
        self.out = ''.join(lines)
        self.err = self.process.stderr.read()
        self.code = self.process.wait()

    @property
    def epochs(self):
        """The epochs this run printed, in order."""
        return [int(m.group(1)) for m in map(EPOCH_LINE.match, self.out.splitlines()) if m]


def assert_identical(a, b):
    """Two trained nets (or specialists) with the same losses, epoch by
    epoch, and the same parameters, to the bit."""
    a = a if isinstance(a, dict) else {None: a}
    b = b if isinstance(b, dict) else {None: b}
    assert list(a) == list(b)
    for key in a:
        losses = [[(h['train_loss'], h['valid_loss']) for h in net.train_history_]
                  for net in (a[key], b[key])]
        assert np.array_equal(*losses), key
        ours, theirs = (net.get_all_params_values() for net in (a[key], b[key]))
        assert list(ours) == list(theirs)
        for layer in ours:
            for x, y in zip(ours[layer], theirs[layer]):
                assert np.array_equal(x, y), (key, layer)


class SignalAt:
    """An ``on_epoch_finished`` handler that sends this process ``signum``
    after epoch ``epoch``, as ``kill`` does."""

    def __init__(self, epoch, signum):
        self.epoch, self.signum = epoch, signum

    def __call__(self, nn, history):
        if len(history) == self.epoch:
            signal.raise_signal(self.signum)


@contextlib.contextmanager
def signalled_after(epoch, signum=signal.SIGTERM):
    """Within the block, every net a run builds sends this process
    ``signum`` after its epoch ``epoch``."""
    build = units.net_for

    def net_for(settings):
        net = build(settings)
        net.on_epoch_finished.insert(0, SignalAt(epoch, signum))
        return net
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(units, 'net_for', net_for)
        yield


@contextlib.contextmanager
def working_in(directory, data_dir):
    """Run the block in ``directory`` on the data set ``data_dir``; then
    the working directory and the data directory are as they were."""
    cwd = os.getcwd()
    os.chdir(str(directory))
    datadir.set_data_dir(data_dir)
    try:
        yield directory
    finally:
        datadir.set_data_dir(None)
        os.chdir(cwd)


@contextlib.contextmanager
def mounted(point, *how):
    """``mount *how point`` for the block, where this machine lets the tests
    mount (as root); else the test is skipped."""
    point.mkdir(exist_ok=True)
    if subprocess.run(['mount', *how, str(point)], capture_output=True).returncode != 0:
        pytest.skip('cannot mount here')
    try:
        yield point
    finally:
        subprocess.run(['umount', str(point)], check=True)
