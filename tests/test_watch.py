"""Watching a run: the epoch log beside each trained output (whole rows
after any stop, the same log for a paused and continued run as for one
that never stopped), progress within an epoch on a terminal only, the live
learning curve in a notebook, TensorBoard's event files."""
import csv
import glob
import io
import os
import pty
import signal
import struct
import subprocess
import sys
import time
import types

import pytest

from facial_keypoints import cli, kfkd
from facial_keypoints.base.errors import UserError
from facial_keypoints.longrun import watch
from facial_keypoints.model.epoch_log import COLUMNS, EpochLog, read_epoch_log
from facial_keypoints.model.registry import get_net
from facial_keypoints.outputs import figures

from helpers import EPOCH_LINE, Run, signalled_after


def fake_net(learning_rate=0.01, momentum=0.9):
    return types.SimpleNamespace(update_learning_rate=learning_rate, update_momentum=momentum)


def history(epochs):
    return [dict(epoch=e, train_loss=1.0 / e, valid_loss=2.0 / e, dur=0.5)
            for e in range(1, epochs + 1)]


def without_seconds(path):
    """An epoch log's rows without the seconds each epoch took."""
    with open(path, newline='') as f:
        return [row[:4] + row[5:] for row in csv.reader(f)]


def test_a_continued_epoch_log_keeps_the_epochs_before_it_and_drops_those_after(tmp_path):
    path = str(tmp_path / 'net.epochs.csv')
    first = EpochLog(path)
    for epochs in range(1, 6):
        first(fake_net(), history(epochs))
    second = EpochLog(path)  # continued from a checkpoint of epoch 3
    second(fake_net(learning_rate=0.5), history(4))
    rows = read_epoch_log(path)
    assert [row['epoch'] for row in rows] == [1, 2, 3, 4]
    assert [row['learning_rate'] for row in rows] == [0.01, 0.01, 0.01, 0.5]
    assert list(rows[0]) == list(COLUMNS)
    assert rows[3]['train/val'] == pytest.approx(0.5)


def test_epochs_the_log_lacks_come_from_the_history_without_rates(tmp_path):
    path = str(tmp_path / 'net.epochs.csv')
    EpochLog(path)(fake_net(), history(3))
    rows = read_epoch_log(path)
    assert [row['epoch'] for row in rows] == [1, 2, 3]
    assert [row['learning_rate'] for row in rows] == [None, None, 0.01]
    assert rows[0]['valid_loss'] == 2.0


def test_a_bad_cell_of_an_epoch_log_names_the_file_line_and_column(tmp_path):
    path = tmp_path / 'net.epochs.csv'
    path.write_text(','.join(COLUMNS) + '\n1,0.5,0.6,0.8,1.0,0.01,0.9\n2,0.4,oops,0.8,1.0,,\n')
    with pytest.raises(UserError, match=r"net.epochs.csv: line 3, column valid_loss: "
                                        r"'oops' is not a number"):
        read_epoch_log(str(path))


def test_watching_adds_its_handlers_for_the_block_only(tmp_path):
    net = get_net('net1')
    before = (list(net.on_epoch_finished), net.on_batch_finished, net.on_training_started)
    with watch.watching(net, log=str(tmp_path / 'log.csv'), progress=False):
        assert isinstance(net.on_epoch_finished[0], EpochLog)
        assert net.on_epoch_finished[1:] == before[0]
    assert (net.on_epoch_finished, net.on_batch_finished, net.on_training_started) == before


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_on_a_terminal_is_one_line_cleared_as_the_epoch_ends():
    progress = watch.progress_for(Terminal())
    progress.training_started(None, [])
    for _ in range(3):
        progress.batch_finished(None, [])
    progress.epoch_finished(None, history(1))
    progress.batch_finished(None, history(1))
    text = progress.stream.getvalue()
    assert '\n' not in text and '\x1b' not in text
    assert text.startswith('\repoch 1: batch 1, 0.0 s')
    drawn = [part.rstrip() for part in text.split('\r') if part.strip()]
    assert drawn == ['epoch 1: batch 1, 0.0 s', 'epoch 2: batch 1/3, 0.0 s']
    assert '\r' + ' ' * len('epoch 1: batch 1, 0.0 s') + '\r' in text


def test_no_progress_where_output_goes_to_a_file_or_a_pipe():
    assert watch.progress_for(io.StringIO()) is None


def test_tensorboard_without_tensorboardx_is_one_line_saying_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'tensorboardX', None)
    assert 'pip install "facial-keypoints[tensorboard]"' in watch.tensorboard_missing()


def test_the_specialists_curves_come_from_their_logs_while_they_train(tmp_path, capsys):
    folder = tmp_path / 'net-specialists.logs'
    folder.mkdir()
    with pytest.raises(UserError, match="no trained net, and no specialist's epoch log"):
        figures.logged_specialists(str(folder))
    (folder / 'specialist-2-nose_tip.epochs.csv').write_text(','.join(COLUMNS) + '\n')
    with pytest.raises(UserError, match='no specialist has finished an epoch yet'):
        figures.logged_specialists(str(folder))
    for key, epochs in (('specialist-1-left_eye_center', 3), ('specialist-3-mouth_left_corner', 2),
                        ('specialist-4-mouth_center_bottom_lip', 0)):
        log = EpochLog(str(folder / (key + '.epochs.csv')))
        for epoch in range(1, epochs + 1):
            log(fake_net(), history(epoch))
    logged = figures.logged_specialists(str(folder))
    assert [columns[0] for columns in logged] == ['left_eye_center_x', 'mouth_left_corner_x']
    assert [len(net.train_history_) for net in logged.values()] == [3, 2]
    assert [net.output_num_units for net in logged.values()] == [4, 6]
    assert cli.main(['plot_learning_curves', str(folder), '--out',
                     str(tmp_path / 'curves.png')]) == 0
    with open(str(tmp_path / 'curves.png'), 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'


# -- runs -----------------------------------------------------------------------------

def test_a_paused_and_continued_run_logs_what_an_uninterrupted_one_does(in_data, trains):
    kfkd.fit('net6', max_epochs=4, out='twin.pickle')
    with signalled_after(2), pytest.raises(KeyboardInterrupt, match='Paused after epoch 2'):
        kfkd.fit('net6', max_epochs=4)
    assert [row['epoch'] for row in read_epoch_log('net6.epochs.csv')] == [1, 2]
    kfkd.fit('net6', max_epochs=4)
    assert without_seconds('net6.epochs.csv') == without_seconds('twin.epochs.csv')
    rows = read_epoch_log('net6.epochs.csv')
    assert [row['epoch'] for row in rows] == [1, 2, 3, 4]
    # net6's schedules: the rate falls and the momentum rises, epoch by epoch
    rates = [row['learning_rate'] for row in rows]
    momenta = [row['momentum'] for row in rows]
    assert rates[0] == pytest.approx(0.03) and rates == sorted(rates, reverse=True)
    assert momenta[0] == pytest.approx(0.9) and momenta == sorted(momenta)
    assert all(row['seconds'] > 0 for row in rows)
    # its curve, drawn from the log as it would be while the run goes on
    assert figures.plot_learning_curves('net6.epochs.csv', 'curve.png') == 'curve.png'
    with open('curve.png', 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'


def test_sigkill_leaves_whole_rows_and_the_run_continued_logs_every_epoch_once(
        train_dir, tmp_path, trains):
    twin, stopped = tmp_path / 'twin', tmp_path / 'stopped'
    twin.mkdir()
    stopped.mkdir()
    args = ['fit', 'net1', '--max-epochs', '60', '--checkpoint-every', '7']

    def kill_soon(line, process):
        match = EPOCH_LINE.match(line)
        if match and int(match.group(1)) >= 10 and process.returncode is None:
            time.sleep(0.003)
            process.send_signal(signal.SIGKILL)
    assert Run(args, stopped, train_dir, on_line=kill_soon).code == -signal.SIGKILL
    with open(str(stopped / 'net1.epochs.csv')) as f:
        text = f.read()
    assert text.endswith('\n')
    lines = text.splitlines()
    assert all(len(line.split(',')) == len(COLUMNS) for line in lines)
    epochs = [int(line.split(',')[0]) for line in lines[1:]]
    assert epochs == list(range(1, len(epochs) + 1)) and len(epochs) >= 10
    assert Run(args, stopped, train_dir).code == 0
    assert Run(args, twin, train_dir).code == 0
    assert without_seconds(str(stopped / 'net1.epochs.csv')) == \
        without_seconds(str(twin / 'net1.epochs.csv'))


def test_a_piped_run_has_no_progress_line_and_no_ansi(train_dir, tmp_path, trains):
    run = Run(['fit', 'net2', '--max-epochs', '2'], tmp_path, train_dir)
    assert run.code == 0 and run.epochs == [1, 2]
    assert '\r' not in run.out and '\x1b' not in run.out + run.err


def on_a_terminal(args, cwd):
    """The output of ``kfkd ARGS`` run on a pseudo-terminal."""
    main, child = pty.openpty()
    process = subprocess.Popen([sys.executable, '-m', 'facial_keypoints.kfkd'] + args,
                               cwd=str(cwd), stdin=child, stdout=child, stderr=child,
                               env=dict(os.environ, PYTHONUNBUFFERED='1'))
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert process.wait() == 0, b''.join(chunks)[-3000:]
    return b''.join(chunks).decode(errors='replace')


def test_on_a_terminal_the_progress_line_appears_and_off_it_does_not(
        train_dir, tmp_path, trains):
    args = ['fit', 'net2', '--max-epochs', '2', '--data-dir', train_dir]
    shown = on_a_terminal(args, tmp_path)
    assert '\repoch 1: batch 1, ' in shown and '\repoch 2: batch 1/' in shown
    quiet = on_a_terminal(args + ['--no-progress', '--restart'], tmp_path)
    assert '\repoch' not in quiet


def tensorboard_scalars(directory):
    """{run: {tag: [(step, value), ...]}} from the event files under
    ``directory``, read record by record (TFRecord: length, its CRC, the
    event, its CRC)."""
    from tensorboardX.proto import event_pb2
    found = {}
    for path in sorted(glob.glob(os.path.join(directory, '*', 'events.out.tfevents.*'))):
        run = found.setdefault(os.path.basename(os.path.dirname(path)), {})
        with open(path, 'rb') as f:
            data = f.read()
        at = 0
        while at < len(data):
            (length,) = struct.unpack('<Q', data[at:at + 8])
            event = event_pb2.Event.FromString(data[at + 12:at + 12 + length])
            at += 12 + length + 4
            for value in event.summary.value:
                run.setdefault(value.tag, []).append((event.step, value.simple_value))
    return found


def test_tensorboard_gets_one_scalar_per_epoch_in_a_run_per_net(train_dir, tmp_path, trains):
    pytest.importorskip('tensorboardX')
    run = Run(['fit', 'net1', '--max-epochs', '3', '--tensorboard', 'board'], tmp_path,
              train_dir)
    assert run.code == 0, run.err
    scalars = tensorboard_scalars(str(tmp_path / 'board'))
    assert list(scalars) == ['net1']
    assert sorted(scalars['net1']) == sorted(COLUMNS[1:])
    logged = read_epoch_log(str(tmp_path / 'net1.epochs.csv'))
    for tag in ('train_loss', 'valid_loss', 'learning_rate'):
        assert scalars['net1'][tag] == [(row['epoch'], pytest.approx(row[tag]))
                                        for row in logged]


def test_the_live_curve_in_a_notebook_changes_between_epochs(train_dir, tmp_path, trains):
    import nbformat
    from nbclient import NotebookClient

    images = []

    class Recording(NotebookClient):
        def process_message(self, msg, cell, cell_index):
            kind = msg['header']['msg_type']
            png = msg['content'].get('data', {}).get('image/png')
            if kind in ('display_data', 'update_display_data') and png:
                images.append((kind, png))
            return super().process_message(msg, cell, cell_index)

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        'from facial_keypoints.kaggle import datadir\n'
        'from facial_keypoints.kfkd import load, net1\n'
        'from facial_keypoints.longrun.watch import watching\n'
        'datadir.set_data_dir({!r})\n'
        'X, y = load()\n'
        'net1.max_epochs = 3\n'
        'with watching(net1, live=True):\n'
        '    net1.fit(X, y)\n'.format(train_dir))])
    Recording(nb, timeout=600, kernel_name='python3',
              resources={'metadata': {'path': str(tmp_path)}}).execute()
    outputs = nb.cells[0].outputs
    assert not [o for o in outputs if o.output_type == 'error'], outputs
    assert [kind for kind, _ in images] == ['display_data'] + ['update_display_data'] * 2
    assert len({png for _, png in images}) == 3  # a new curve each epoch
    shown = [o for o in outputs if 'image/png' in o.get('data', {})]
    assert len(shown) == 1 and shown[0]['data']['image/png'] == images[-1][1]
