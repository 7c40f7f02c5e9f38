"""Long runs: every stop is a pause, and a run continued after any stop
(SIGKILL included, in the middle of an epoch or of a checkpoint's write) is
bit-identical to its twin that never stopped."""
import glob
import http.server
import os
import random
import re
import shutil
import signal
import threading
import time

import numpy as np
import pytest

from facial_keypoints import cli, kfkd
from facial_keypoints.model import persist, record, registry, state
from facial_keypoints.kaggle import datadir

from helpers import (EPOCH_LINE, Run, SignalAt, assert_identical, assert_one_line_error, run_cli,
                     signalled_after, working_in)

def after_epoch(epoch, signum, delay=0.0, net=1):
    """An ``on_line`` that sends ``signum`` once epoch ``epoch`` of the
    ``net``-th net is printed."""
    seen = []

    def on_line(line, process):
        match = EPOCH_LINE.match(line)
        if match and int(match.group(1)) == epoch:
            seen.append(line)
            if len(seen) == net:
                time.sleep(delay)
                process.send_signal(signum)
    return on_line


def fit(args, cwd, data_dir, on_line=None, env=None):
    return Run(['fit'] + args, cwd, data_dir, on_line, env)


@pytest.fixture
def twin_dir(tmp_path):
    return tmp_path / 'twin'


def in_dirs(tmp_path):
    for name in ('twin', 'stopped'):
        (tmp_path / name).mkdir()
    return tmp_path / 'twin', tmp_path / 'stopped'


def test_sigkill_anywhere_then_the_same_command_continues_exactly(train_dir, tmp_path, trains):
    twin, stopped = in_dirs(tmp_path)
    args = ['net1', '--max-epochs', '14', '--checkpoint-every', '1']
    assert fit(args, twin, train_dir).code == 0

    first = fit(args, stopped, train_dir, after_epoch(3, signal.SIGKILL))
    assert first.code == -signal.SIGKILL
    second = fit(args, stopped, train_dir, after_epoch(8, signal.SIGKILL, delay=0.005))
    assert second.code == -signal.SIGKILL
    done = int(re.search(r'after epoch (\d+)', second.out).group(1))
    assert 'Continuing net1.checkpoint.npz after epoch {}: epochs {}..14'.format(
        done, done + 1) in second.out
    assert second.epochs[0] == done + 1 and 2 <= done <= 4

    # SIGKILL while a checkpoint is being written: the previous one stays
    for attempt in range(10):
        third = Run(['fit'] + args, stopped, train_dir,
                    on_line=kill_during_checkpoint_write(stopped))
        if third.code == 0 or glob.glob(str(stopped / '.net1.checkpoint.npz.*.partial')):
            break
    assert third.code == -signal.SIGKILL, 'no kill during a checkpoint write'
    assert persist.load_net(str(stopped / 'net1.checkpoint.npz')).train_history_

    last = fit(args, stopped, train_dir)
    assert last.code == 0 and last.epochs[-1] == 14
    assert not glob.glob(str(stopped / '.net1.checkpoint.npz.*'))  # swept
    assert not os.path.exists(str(stopped / 'net1.checkpoint.npz'))  # done
    assert_identical(persist.load_net(str(twin / 'net1.pickle')),
                     persist.load_net(str(stopped / 'net1.pickle')))


def kill_during_checkpoint_write(directory):
    """An ``on_line`` that, from the first epoch line on, watches for a
    checkpoint's temporary file and kills the process while it exists."""
    def on_line(line, process):
        if not EPOCH_LINE.match(line) or process.returncode is not None:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and process.poll() is None:
            if glob.glob(str(directory / '.net1.checkpoint.npz.*.partial')):
                process.send_signal(signal.SIGKILL)
                return
    return on_line


@pytest.mark.parametrize('name,signum,status', [
    ('net3', signal.SIGTERM, 143),   # flips half of each batch
    ('net1', signal.SIGHUP, 129),
    pytest.param('net6', signal.SIGHUP, 129, marks=pytest.mark.slow),  # dropout, schedules
])
def test_sigterm_and_sighup_pause_and_the_run_continues_exactly(
        name, signum, status, train_dir, tmp_path, trains):
    twin, stopped = in_dirs(tmp_path)
    epochs = 200 if name == 'net1' else 5  # net1's epochs take a hundredth of a second
    args = [name, '--max-epochs', str(epochs)]
    assert fit(args, twin, train_dir).code == 0
    paused = fit(args, stopped, train_dir, after_epoch(2, signum))
    assert paused.code == status
    line = paused.err.strip().splitlines()[-1]
    assert re.match(r'Paused after epoch \d+ of {1} \(SIG(TERM|HUP)\): checkpoint {0}.'
                    r'checkpoint.npz; the net so far is in {0}.pickle; run the same '
                    r'command again to continue$'.format(name, epochs), line), line
    done = paused.epochs[-1]
    again = fit(args, stopped, train_dir)
    assert again.code == 0 and again.epochs == list(range(done + 1, epochs + 1))
    assert_identical(persist.load_net(str(twin / (name + '.pickle'))),
                     persist.load_net(str(stopped / (name + '.pickle'))))


def test_an_all_rows_net_continues_exactly(train_dir, tmp_path, trains):
    twin, stopped = in_dirs(tmp_path)
    args = ['net1', '--all-rows', '--max-epochs', '30', '--checkpoint-every', '5']
    assert fit(args, twin, train_dir).code == 0
    assert fit(args, stopped, train_dir, after_epoch(12, signal.SIGKILL)).code < 0
    again = fit(args, stopped, train_dir)
    assert again.code == 0 and again.epochs[0] in (11, 16)  # after the 10th or 15th
    assert_identical(persist.load_net(str(twin / 'net1.pickle')),
                     persist.load_net(str(stopped / 'net1.pickle')))


def test_fit_specialists_keeps_the_finished_and_continues_the_one_in_flight(
        train_dir, tmp_path, trains):
    twin, stopped = in_dirs(tmp_path)
    for directory in (twin, stopped):
        assert fit(['net1', '--max-epochs', '2'], directory, train_dir).code == 0
    args = ['fit_specialists', 'net1.pickle', '--epochs', '6', '--checkpoint-every', '2']
    assert Run(args, twin, train_dir).code == 0

    starts = []

    def kill_in_the_third(line, process):
        if line.startswith('Training model for columns'):
            starts.append(line)
        match = EPOCH_LINE.match(line)
        if len(starts) == 3 and match and int(match.group(1)) == 3:
            process.send_signal(signal.SIGKILL)
    assert Run(args, stopped, train_dir, kill_in_the_third).code == -signal.SIGKILL
    work = stopped / 'net-specialists.checkpoints'
    assert len(glob.glob(str(work / 'specialist-*.npz'))) == 3  # 2 done, 1 checkpoint

    again = Run(args, stopped, train_dir)
    assert again.code == 0
    assert ('Continuing net-specialists.checkpoints/specialist-3-mouth_left_corner.'
            'checkpoint.npz after epoch 2') in again.out
    assert again.out.count('Training model for columns') == 3  # the last three
    assert not work.exists()
    assert_identical(persist.load_net(str(twin / 'net-specialists.pickle')),
                     persist.load_net(str(stopped / 'net-specialists.pickle')))


@pytest.mark.slow
def test_the_tutorials_specialists_with_early_stopping_continue_exactly(
        train_dir, tmp_path):
    # copies of the tutorial's `net` (net8's layers, EarlyStopping), no pretraining
    twin, stopped = in_dirs(tmp_path)
    args = ['fit_specialists', '--epochs', '3', '--checkpoint-every', '1']
    assert Run(args, twin, train_dir).code == 0
    assert Run(args, stopped, train_dir, after_epoch(2, signal.SIGKILL, net=2)).code < 0
    assert Run(args, stopped, train_dir, after_epoch(1, signal.SIGTERM, net=2)).code == 143
    assert Run(args, stopped, train_dir).code == 0
    assert_identical(persist.load_net(str(twin / 'net-specialists.pickle')),
                     persist.load_net(str(stopped / 'net-specialists.pickle')))


# -- every command that trains ------------------------------------------------------

def specialists_of_net1(directory, data_dir):
    """net1.pickle, 2 epochs, in ``directory``: what the specialists start
    from."""
    assert Run(['fit', 'net1', '--max-epochs', '2'], directory, data_dir).code == 0


def same_nets(*names):
    """A check that the trained nets in files ``names`` are identical in both
    directories."""
    def check(twin, stopped):
        for name in names:
            assert_identical(persist.load_net(str(twin / name)),
                             persist.load_net(str(stopped / name)))
    return check


def same_table(name):
    """A check that the table of ``evaluate --out name`` is the same in both
    directories, but for the comment line's seconds of training."""
    def check(twin, stopped):
        tables = [(d / name).read_text().splitlines() for d in (twin, stopped)]
        assert tables[0][1:] == tables[1][1:] and len(tables[0]) > 10
    return check


def same_sweep(twin_run, again_run):
    """The sweep's table in both runs' output, but for its s/epoch column."""
    def rows(run):
        return [line.split()[:3] for line in run.out.splitlines()
                if line.split() and line.split()[0] in ('20', '30')]
    assert rows(twin_run) == rows(again_run) and len(rows(twin_run)) == 2


#: Each command that trains, as the tests run it on the small data set: its
#: arguments, what it needs first, the checkpoint of a later unit (a SIGTERM
#: lands once it is written), and what must end identical.
COMMANDS = {
    'fit': (['fit', 'net1', '--max-epochs', '120', '--checkpoint-every', '10'], None,
            'net1.checkpoint.npz', same_nets('net1.pickle')),
    'fit_specialists': (
        ['fit_specialists', 'net1.pickle', '--max-epochs', '40', '--checkpoint-every', '5'],
        specialists_of_net1, 'net-specialists.checkpoints/specialist-2-*.checkpoint.npz',
        same_nets('net-specialists.pickle')),
    'evaluate': (['evaluate', 'net1', '--folds', '3', '--max-epochs', '80',
                  '--checkpoint-every', '5', '--out', 't.csv'], None,
                 't.checkpoints/fold-2-net1.checkpoint.npz', same_table('t.csv')),
    'sweep': (['sweep', 'net1', 'hidden_num_units', '20', '30', '--max-epochs', '200',
               '--checkpoint-every', '5', '--out', 's.png'], None,
              's.checkpoints/hidden_num_units=30.checkpoint.npz', None),
    'reproduce': (['reproduce', 'net1', 'net3', '--max-epochs', '4', '--checkpoint-every', '1'],
                  None, 'report.checkpoints/net3.checkpoint.npz',
                  same_nets('net1.pickle', 'net3.pickle')),
    'demo': (['demo', '--max-epochs', '1', '--checkpoint-every', '1'], None,
             'net-specialists.checkpoints/specialist-2-*.checkpoint.npz',
             same_nets('net1.pickle', 'net6.pickle', 'net-specialists.pickle')),
}


def when_written(directory, pattern, signum):
    """A ``watch`` that sends ``signum`` once a file matching ``pattern``
    is in ``directory``."""
    def watch(process):
        while process.poll() is None:
            if glob.glob(str(directory / pattern)):
                process.send_signal(signum)
                return
            time.sleep(0.002)
    return watch


def uninterrupted(name, twin, data_dir):
    args, prepare, _, _ = COMMANDS[name]
    if prepare:
        prepare(twin, data_dir)
    run = Run(args, twin, data_dir)
    assert run.code == 0, run.err
    return run


def check_ending(name, twin, stopped, twin_run, again):
    check = COMMANDS[name][3]
    assert again.code == 0, again.err
    if check is None:
        same_sweep(twin_run, again)
    else:
        check(twin, stopped)


@pytest.mark.parametrize('name', [
    'fit', 'fit_specialists', 'evaluate', 'sweep', 'reproduce',
    pytest.param('demo', marks=pytest.mark.slow)])
def test_each_command_paused_mid_run_continues_to_the_same_end(name, train_dir, tmp_path, trains):
    twin, stopped = in_dirs(tmp_path)
    twin_run = uninterrupted(name, twin, train_dir)
    args, prepare, checkpoint, _ = COMMANDS[name]
    if prepare:
        prepare(stopped, train_dir)
    paused = Run(args, stopped, train_dir, watch=when_written(stopped, checkpoint,
                                                              signal.SIGTERM))
    assert paused.code == 143, paused.err
    assert 'run the same command again to continue' in paused.err.strip().splitlines()[-1]
    assert glob.glob(str(stopped / checkpoint))
    again = Run(args, stopped, train_dir)
    assert 'Continuing' in again.out
    check_ending(name, twin, stopped, twin_run, again)


def at_random(seconds, signum):
    """A ``watch`` that sends ``signum`` after ``seconds``."""
    def watch(process):
        time.sleep(seconds)
        if process.poll() is None:
            process.send_signal(signum)
    return watch


def while_writing(directory, signum=signal.SIGKILL):
    """A ``watch`` that sends ``signum`` while any file is being written in
    ``directory`` (its temporary ``.NAME.PID.partial``, renamed when whole)."""
    return when_written(directory, '.*.partial', signum)


@pytest.mark.slow
@pytest.mark.parametrize('name', list(COMMANDS))
def test_each_command_stopped_at_random_moments_continues_to_the_same_end(
        name, train_dir, tmp_path):
    twin, stopped = in_dirs(tmp_path)
    began = time.monotonic()
    twin_run = uninterrupted(name, twin, train_dir)
    seconds = time.monotonic() - began
    args, prepare, checkpoint, _ = COMMANDS[name]
    if prepare:
        prepare(stopped, train_dir)
    draw = random.Random(name)
    stops = [at_random(draw.uniform(0.2, 0.6) * seconds, signal.SIGTERM),
             at_random(draw.uniform(0.3, 0.9) * seconds, signal.SIGKILL),
             when_written(stopped, checkpoint, draw.choice([signal.SIGTERM, signal.SIGKILL])),
             while_writing(stopped)]
    codes = [Run(args, stopped, train_dir, watch=stop).code for stop in stops]
    assert set(codes) <= {0, 143, -signal.SIGTERM, -signal.SIGKILL}, codes
    assert sum(code != 0 for code in codes) >= 2, codes  # stops that landed
    again = Run(args, stopped, train_dir)
    check_ending(name, twin, stopped, twin_run, again)


# -- in one process ------------------------------------------------------------------

def test_resume_of_a_finished_net_is_as_if_it_had_asked_for_more(in_data, trains):
    longer = kfkd.fit('net3', max_epochs=4, out='longer.pickle')
    kfkd.fit('net3', max_epochs=2, out='net3.pickle')
    resumed = kfkd.fit(max_epochs=4, resume='net3.pickle')
    assert_identical(longer, resumed)


def piece_of_state(name):
    """A change to a checkpoint's training state that breaks one piece."""
    def velocities(s):
        for key, value in s.arrays.items():
            if key.startswith('update/') and value.dtype == np.float32 and value.ndim:
                s.arrays[key] = np.zeros_like(value)

    def dropout_streams(s):
        for key, value in s.arrays.items():
            if key.startswith('update/') and value.dtype == np.int32:
                s.arrays[key] = value[::-1].copy()

    def generator(s):
        s.arrays['rng_keys'] = np.random.RandomState(7).get_state()[1]

    def flipped_rows(s):
        s.arrays['flipped'] = s.arrays['flipped'][:-1]

    return {'nothing': lambda s: None, 'velocities': velocities,
            'dropout streams': dropout_streams, 'generator': generator,
            'flipped rows': flipped_rows}[name]


def assert_needed(piece, twin, continued):
    """``continued`` is ``twin`` to the bit when nothing of its state was
    taken away, and differs when ``piece`` was."""
    if piece == 'nothing':
        assert_identical(twin, continued)
    else:
        with pytest.raises(AssertionError):
            assert_identical(twin, continued)


@pytest.fixture(scope='module')
def net6_paused(train_dir, tmp_path_factory, trains):
    """net6 trained for 4 epochs (the twin), and paused by SIGTERM after its
    second: (the twin, the directory holding net6.checkpoint.npz)."""
    directory = tmp_path_factory.mktemp('net6')
    with working_in(directory, train_dir):
        twin = kfkd.fit('net6', max_epochs=4, out='twin.pickle')
        with signalled_after(2), pytest.raises(KeyboardInterrupt,
                                               match='Paused after epoch 2 of 4'):
            kfkd.fit('net6', max_epochs=4)
    return twin, directory


@pytest.mark.parametrize('piece', ['nothing', 'velocities', 'dropout streams',
                                   'generator', 'flipped rows'])
def test_every_piece_of_the_state_is_needed(piece, net6_paused, in_data, monkeypatch):
    twin, paused = net6_paused
    shutil.copy(str(paused / 'net6.checkpoint.npz'), '.')
    load = persist.load_single_net

    def broken(fname):
        net = load(fname)
        piece_of_state(piece)(getattr(net, state.ATTRIBUTE))
        return net
    monkeypatch.setattr(persist, 'load_single_net', broken)
    assert_needed(piece, twin, kfkd.fit('net6', max_epochs=4))


# -- what a continued run refuses ---------------------------------------------------

@pytest.fixture
def paused_net1(in_data, trains):
    """net1 paused by SIGTERM after its second of 6 epochs, with seed 7:
    net1.checkpoint.npz."""
    with signalled_after(2):
        assert cli.main(['fit', 'net1', '--max-epochs', '6', '--seed', '7']) == 143
    return 'net1.checkpoint.npz'


def one_line_error(capsys, argv, code):
    """The one-line error of ``kfkd ARGV``, which exits with ``code``."""
    code_seen, _, err = run_cli(capsys, argv)
    assert_one_line_error(err, code_seen, code)
    return err.strip()


def test_a_changed_setting_is_refused_and_max_epochs_is_applied(paused_net1, capsys):
    capsys.readouterr()
    err = one_line_error(capsys, ['fit', 'net1', '--max-epochs', '6', '--seed', '8'], 2)
    assert err == ('error: net1.checkpoint.npz: holds a run with --seed 7, not 8; give '
                   'that value to continue it, or start over with --restart')
    assert cli.main(['fit', 'net1', '--max-epochs', '4']) == 0
    net = persist.load_net('net1.pickle')
    assert len(net.train_history_) == 4 and net.max_epochs == 4
    assert record.settings_of(net).seed == 7
    assert record.get_record(net)['changes'] == [
        {'epoch': 2, 'name': 'max_epochs', 'old': 6, 'new': 4}]


def test_restart_starts_over(paused_net1, capsys):
    capsys.readouterr()
    assert cli.main(['fit', 'net1', '--max-epochs', '3', '--restart']) == 0
    out = capsys.readouterr().out
    assert 'Continuing' not in out and not os.path.exists(paused_net1)
    net = persist.load_net('net1.pickle')
    assert record.settings_of(net).seed == 42 and len(net.train_history_) == 3


def test_a_checkpoint_of_other_data_is_refused(paused_net1, tmp_path, capsys):
    other = tmp_path / 'other'
    other.mkdir()
    for name in os.listdir(datadir.data_dir()):
        if not name.endswith('.parsed.npz'):
            text = open(os.path.join(datadir.data_dir(), name)).read()
            if name == 'training.csv':  # every image's first pixel one brighter
                lines = text.splitlines()
                for i, line in enumerate(lines[1:], 1):
                    labels, _, image = line.rpartition(',')
                    pixel, _, others = image.partition(' ')
                    lines[i] = '{},{} {}'.format(labels, (int(pixel) + 1) % 256, others)
                text = '\n'.join(lines) + '\n'
            (other / name).write_text(text)
    err = one_line_error(capsys, ['fit', 'net1', '--max-epochs', '6', '--data-dir',
                                  str(other)], 1)
    assert err.startswith('error: net1.checkpoint.npz: it was trained on other data')


def test_a_checkpoint_of_other_versions_is_refused(paused_net1, monkeypatch, capsys):
    versions = state.numeric_versions()
    monkeypatch.setattr(state, 'numeric_versions',
                        lambda: dict(versions, Theano='1.0.4'))
    err = one_line_error(capsys, ['fit', 'net1', '--max-epochs', '6'], 1)
    assert err == ('error: net1.checkpoint.npz: it was written with Theano 1.0.5, and '
                   'this is Theano 1.0.4; continue it with the versions it was written '
                   'with, or start over with --restart')


@pytest.mark.parametrize('damage', ['truncated', 'foreign zip', 'text'])
def test_a_damaged_checkpoint_is_a_one_line_error(damage, paused_net1, capsys):
    if damage == 'truncated':
        size = os.path.getsize(paused_net1)
        with open(paused_net1, 'r+b') as f:
            f.truncate(size // 2)
    elif damage == 'foreign zip':
        os.remove(paused_net1)
        np.savez(paused_net1, weights=np.zeros(3))
    else:
        with open(paused_net1, 'w') as f:
            f.write('not a checkpoint\n')
    err = one_line_error(capsys, ['fit', 'net1', '--max-epochs', '6'], 1)
    assert err.startswith('error: net1.checkpoint.npz: ')
    assert {'truncated': 'truncated', 'foreign zip': 'parameters only',
            'text': 'not a readable'}[damage] in err


# -- the EC2 spot interruption notice -----------------------------------------------

class MetadataService(http.server.BaseHTTPRequestHandler):
    """EC2's instance metadata, IMDSv2: a token for a PUT, then the spot
    notice (404 until ``server.notice`` is set) for requests that carry it."""

    def do_PUT(self):
        if self.path == '/latest/api/token' and self.headers.get(
                'X-aws-ec2-metadata-token-ttl-seconds'):
            self.reply(200, 'token-1')
        else:
            self.reply(400, '')

    def do_GET(self):
        if self.headers.get('X-aws-ec2-metadata-token') != 'token-1':
            self.reply(401, '')
        elif self.path == '/latest/meta-data/spot/instance-action' and self.server.notice:
            self.server.asked_after_notice = True
            self.reply(200, '{"action": "terminate", "time": "2026-12-02T10:00:00Z"}')
        else:
            self.reply(404, '')

    def reply(self, code, body):
        self.send_response(code)
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


def test_a_spot_interruption_notice_pauses_like_sigterm(train_dir, tmp_path, trains):
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), MetadataService)
    server.notice = server.asked_after_notice = False
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {'FKP_WATCH_SPOT': '1', 'FKP_SPOT_POLL_SECONDS': '0.05',
           'FKP_IMDS_ENDPOINT': 'http://127.0.0.1:{}'.format(server.server_port)}

    def notice_after_epoch_2(line, process):
        match = EPOCH_LINE.match(line)
        if match and int(match.group(1)) == 2:
            server.notice = True
    try:
        run = fit(['net3', '--max-epochs', '8'], tmp_path, train_dir,
                  notice_after_epoch_2, env)
    finally:
        server.shutdown()
    assert run.code == 143 and server.asked_after_notice
    assert 'EC2 spot interruption notice: finishing this epoch' in run.err
    assert 'Paused after epoch' in run.err.strip().splitlines()[-1]
    assert run.epochs[-1] < 8 and os.path.exists(str(tmp_path / 'net3.checkpoint.npz'))


def net1_stopping_early(signal_at=None):
    """net1 at learning rate 0.03 with EarlyStopping(patience=3): on the
    tests' data its best valid loss is at epoch 11, and it stops at 15."""
    from facial_keypoints.tutorial.callbacks import EarlyStopping
    from facial_keypoints.tutorial.nets import make_net1

    def build():
        net = make_net1()
        net.update_learning_rate = 0.03
        net.on_epoch_finished.insert(0, EarlyStopping(patience=3))
        if signal_at:
            net.on_epoch_finished.insert(0, SignalAt(signal_at, signal.SIGTERM))
        return net
    return registry.DEFINITIONS['net1']._replace(build=build)


@pytest.mark.parametrize('piece', ['nothing', 'early stopping'])
def test_early_stopping_continues_exactly(piece, in_data, monkeypatch, trains):
    definitions = registry.DEFINITIONS
    monkeypatch.setitem(definitions, 'net1', net1_stopping_early())
    twin = kfkd.fit('net1', max_epochs=40, out='twin.pickle')
    assert len(twin.train_history_) < 40  # it stopped early
    # paused after its best epoch (11): what EarlyStopping keeps matters
    monkeypatch.setitem(definitions, 'net1', net1_stopping_early(signal_at=13))
    with pytest.raises(KeyboardInterrupt, match='Paused after epoch 13 of 40'):
        kfkd.fit('net1', max_epochs=40)
    monkeypatch.setitem(definitions, 'net1', net1_stopping_early())
    if piece == 'early stopping':
        load = persist.load_single_net

        def forgetting(fname):
            net = load(fname)
            getattr(net, state.ATTRIBUTE).meta['early_stopping'][0]['best_valid'] = np.inf
            return net
        monkeypatch.setattr(persist, 'load_single_net', forgetting)
    assert_needed(piece, twin, kfkd.fit('net1', max_epochs=40))
