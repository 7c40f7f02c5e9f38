"""Units of work on Dask distributed: the embedded cluster (``--workers``),
a real ``dask scheduler`` with ``kfkd worker`` processes, TLS, and the
faults a cluster meets. Every result is the serial run's, to the bit."""
import glob
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from facial_keypoints import cli
from facial_keypoints.longrun import cluster
from facial_keypoints.model import persist
from facial_keypoints.longrun.cluster import Spec

from helpers import Run, assert_identical, assert_one_line_error, run_cli

DASK = os.path.join(os.path.dirname(sys.executable), 'dask')
STARTED = re.compile(r'^unit (\S+) started on (\S+)')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Background:
    """A process serving in the background until :meth:`stop`; ``wait_for``
    a line of its output (stdout and stderr together)."""

    def __init__(self, argv, cwd, env=None):
        self.process = subprocess.Popen(
            argv, cwd=str(cwd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env=dict(os.environ, PYTHONUNBUFFERED='1', **(env or {})))
        self.lines, self.seen = [], threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            with self.seen:
                self.lines.append(line)
                self.seen.notify_all()

    def wait_for(self, text, count=1, timeout=60):
        with self.seen:
            assert self.seen.wait_for(
                lambda: sum(text in line for line in self.lines) >= count, timeout), \
                ''.join(self.lines)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def kfkd(*args):
    return [sys.executable, '-m', 'facial_keypoints.kfkd'] + list(args)


@pytest.fixture
def start(tmp_path):
    """start(argv, env=None): a :class:`Background` process, stopped after
    the test."""
    started = []

    def start(argv, env=None):
        started.append(Background(argv, tmp_path, env))
        return started[-1]
    yield start
    for process in reversed(started):
        process.stop()


def scheduler(start, *tls):
    """A ``dask scheduler`` on 127.0.0.1 (TLS with the files ``tls``, CA,
    certificate and key); its address."""
    protocol, port = 'tls' if tls else 'tcp', free_port()
    files = ['--tls-ca-file', tls[0], '--tls-cert', tls[1], '--tls-key', tls[2]] if tls else []
    start([DASK, 'scheduler', '--host', '127.0.0.1', '--port', str(port), '--protocol',
           protocol, '--no-dashboard'] + files).wait_for('Scheduler at')
    return '{}://127.0.0.1:{}'.format(protocol, port)


def table(csv):
    """The rows of an ``evaluate`` CSV (not its first line, which says how
    many seconds the folds took)."""
    with open(csv) as f:
        return f.read().split('\n', 1)[1]


def evaluate_args(out, *more):
    return ['evaluate', 'net1', '--folds', '3', '--max-epochs', '4', '--out', out] + list(more)


# -- the embedded cluster -----------------------------------------------------

def test_fit_specialists_on_two_workers_is_the_serial_run(in_data, trained, capsys):
    """Six specialists on an embedded cluster of two workers: the nets of
    the serial run, to the bit; the cluster listens on 127.0.0.1 only."""
    serial = persist.load_net(trained['specialists'])
    code, out, err = run_cli(capsys, ['fit_specialists', trained['net1'], '--epochs', '1',
                                      '--out', 'two.pickle', '--workers', '2'])
    assert code == 0, err
    assert_identical(serial, persist.load_net('two.pickle'))
    addresses = re.findall(r'tcp://([\d.]+):\d+', out)
    assert addresses and set(addresses) == {'127.0.0.1'}, out
    assert len({a for _, a in (STARTED.match(line).groups() for line in out.splitlines()
                               if STARTED.match(line))}) == 2, out
    assert out.count(' done on ') == 6, out
    keys = re.findall(r'unit (\S+) done on', out)
    assert sorted(os.listdir('two.logs')) == sorted(
        [k + '.log' for k in keys] + [k + '.epochs.csv' for k in keys])


def test_evaluate_on_two_workers_is_the_serial_table(in_data, capsys, trains):
    assert cli.main(evaluate_args('serial.csv')) == 0
    assert cli.main(evaluate_args('two.csv', '--workers', '2')) == 0
    capsys.readouterr()
    assert table('two.csv') == table('serial.csv')


def test_the_embedded_cluster_listens_on_loopback_only(in_data):
    """The scheduler, the workers and, where bokeh is installed, the
    dashboard, which then is printed and answers."""
    said = []
    with cluster.runner(Spec(workers=1), say=said.append) as runner:
        info = runner.client.scheduler_info()
        addresses = [info['address']] + list(info['workers'])
        listening = runner.client.run_on_scheduler(
            lambda dask_scheduler: [s.listen_address for s in dask_scheduler.listeners])
        dashboard = re.search(r'; dashboard (\S+)$', said[0])
        if importlib.util.find_spec('bokeh'):
            assert dashboard and dashboard.group(1).startswith('http://127.0.0.1:'), said
            direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            with direct.open(dashboard.group(1), timeout=30) as page:
                assert page.status == 200
        else:
            assert not dashboard, said
    assert all(a.startswith('tcp://127.0.0.1:') for a in addresses + listening), addresses


def test_workers_spread_the_cores_and_gpus_each_see_their_own():
    cpu = cluster.worker_specs(nworkers=2, environ={})
    assert len(cpu) == 2 and all(resources == {} for _, resources in cpu)
    gpus = cluster.worker_specs(gpus=[2, 5], environ={'THEANO_FLAGS': 'floatX=float32,device=cpu'})
    assert [env['CUDA_VISIBLE_DEVICES'] for env, _ in gpus] == ['2', '5']
    assert {env['THEANO_FLAGS'] for env, _ in gpus} == {'floatX=float32,device=cuda0'}
    assert all(resources == {'GPU': 1} for _, resources in gpus)


def test_kfkd_worker_pins_each_worker_to_its_gpu(start):
    """``kfkd worker --gpus 0,1``: each worker process sees one GPU, as
    CUDA_VISIBLE_DEVICES and Theano's cuda0, and offers one GPU resource
    (no GPU needed: the environment is what is tested)."""
    from distributed import Client
    address = scheduler(start)
    start(kfkd('worker', address, '--gpus', '0,1'),
          env={'THEANO_FLAGS': 'floatX=float32'}).wait_for('worker tcp://', count=2)
    with Client(address, timeout=30) as client:
        seen = client.run(lambda: {k: os.environ.get(k) for k in (
            'CUDA_VISIBLE_DEVICES', 'THEANO_FLAGS', 'OMP_NUM_THREADS')})
        resources = [w['resources'] for w in client.scheduler_info()['workers'].values()]
    assert sorted(env['CUDA_VISIBLE_DEVICES'] for env in seen.values()) == ['0', '1']
    for env in seen.values():
        flags = env['THEANO_FLAGS'].split(',')
        assert 'floatX=float32' in flags
        assert [f for f in flags if f.startswith('device=')] == ['device=cuda0']
    assert resources == [{'GPU': 1}, {'GPU': 1}]


# -- a cluster of its own: dask scheduler and kfkd worker ---------------------

@pytest.mark.slow
def test_a_dask_cluster_gives_the_serial_table(in_data, start):
    address = scheduler(start)
    start(kfkd('worker', address, '--nworkers', '2')).wait_for('worker tcp://', count=2)
    assert cli.main(evaluate_args('serial.csv')) == 0
    assert cli.main(evaluate_args('cluster.csv', '--scheduler', address)) == 0
    assert table('cluster.csv') == table('serial.csv')


@pytest.mark.slow
def test_a_unit_failing_of_its_own_fails_the_command_in_one_line(in_data, start, capsys):
    """A damaged checkpoint is the unit's own fault: one line, no retry."""
    address = scheduler(start)
    start(kfkd('worker', address)).wait_for('worker tcp://')
    os.makedirs('bad.checkpoints')
    with open('bad.checkpoints/fold-2-net1.checkpoint.npz', 'w') as f:
        f.write('not a checkpoint')
    code, out, err = run_cli(capsys, evaluate_args('bad.csv', '--scheduler', address))
    assert_one_line_error(err, code, 1, 'fold-2-net1.checkpoint.npz')
    assert 'started again' not in out


@pytest.mark.slow
def test_a_worker_killed_mid_run_leaves_the_table_as_it_was(in_data, start, tmp_path):
    """SIGKILL to the worker training fold 1, once its checkpoint is
    written: Dask runs the unit again, it continues from the checkpoint,
    and the table is the serial run's."""
    from distributed import Client
    address = scheduler(start)
    start(kfkd('worker', address, '--nworkers', '2')).wait_for('worker tcp://', count=2)
    args = ['evaluate', 'net1', '--folds', '3', '--max-epochs', '400', '--checkpoint-every', '20']
    assert cli.main(args + ['--out', 'serial.csv']) == 0
    killed = []

    def on_line(line, process):
        match = STARTED.match(line)
        if match and match.group(1) == 'fold-1-net1' and not killed:
            with Client(address, timeout=30) as client:
                pid = client.run(os.getpid, workers=[match.group(2)])[match.group(2)]
            checkpoint = tmp_path / 'cluster.checkpoints' / 'fold-1-net1.checkpoint.npz'
            while not checkpoint.exists():
                time.sleep(0.05)
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
    run = Run(args + ['--out', 'cluster.csv', '--scheduler', address], tmp_path, in_data, on_line)
    assert run.code == 0, run.err
    assert killed and 'unit fold-1-net1 started again' in run.out, run.out
    with open(tmp_path / 'cluster.logs' / 'fold-1-net1.log') as f:
        assert 'Continuing' in f.read()
    assert table('cluster.csv') == table('serial.csv')


@pytest.mark.slow
@pytest.mark.parametrize('signum, code', [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGTERM, 143)])
def test_the_submitting_process_stopped_and_run_again_keeps_the_finished_units(
        signum, code, in_data, tmp_path):
    """Stopped once one unit is done: SIGKILL leaves the last checkpoints
    of the units in flight, SIGTERM has them write one at the end of their
    epoch. Run again, the finished unit is kept and the others continue."""
    args = ['evaluate', 'net1', '--folds', '3', '--max-epochs', '300', '--checkpoint-every', '20',
            '--out', 'cluster.csv', '--workers', '2']

    def on_line(line, process):
        if ' done on ' in line:
            process.send_signal(signum)
    stopped = Run(args, tmp_path, in_data, on_line)
    assert stopped.code == code, stopped.err
    if signum == signal.SIGTERM:
        assert 'units in flight wrote their checkpoints' in stopped.err, stopped.err
        assert glob.glob(str(tmp_path / 'cluster.checkpoints' / '*.checkpoint.npz'))
    again = Run(args, tmp_path, in_data)
    assert again.code == 0, again.err
    assert re.search(r'unit fold-\d-net1 kept from an earlier run', again.out), again.out
    assert cli.main(args[:-2] + ['--out', 'serial.csv']) == 0
    assert table('cluster.csv') == table('serial.csv')


# -- TLS ----------------------------------------------------------------------

def certificates(directory, name):
    """A certificate authority and a certificate for 127.0.0.1 it signed,
    made with openssl: (CA, certificate, key)."""
    ca, key, cert = (str(directory / (name + suffix)) for suffix in ('-ca.pem', '.key', '.pem'))
    ssl = ['openssl', 'req', '-newkey', 'rsa:2048', '-nodes', '-days', '1']
    subprocess.run(ssl + ['-x509', '-keyout', ca + '.key', '-out', ca,
                          '-subj', '/CN={} CA'.format(name)], check=True, capture_output=True)
    subprocess.run(ssl + ['-keyout', key, '-out', cert + '.csr', '-subj', '/CN=127.0.0.1'],
                   check=True, capture_output=True)
    subprocess.run(['openssl', 'x509', '-req', '-in', cert + '.csr', '-CA', ca, '-CAkey',
                    ca + '.key', '-CAcreateserial', '-out', cert, '-days', '1'],
                   check=True, capture_output=True)
    return ca, cert, key


@pytest.mark.slow
def test_a_tls_cluster_runs_units_and_refuses_clients_without_its_certificates(
        in_data, start, tmp_path, capsys):
    ours = certificates(tmp_path, 'cluster')
    address = scheduler(start, *ours)
    tls = ['--tls-ca', ours[0], '--tls-cert', ours[1], '--tls-key', ours[2]]
    start(kfkd('worker', address, *tls)).wait_for('worker tls://')
    code, out, err = run_cli(capsys, evaluate_args('tls.csv', '--scheduler', address, *tls))
    assert code == 0, err
    assert out.count(' done on tls://127.0.0.1:') == 3, out

    code, _, err = run_cli(capsys, evaluate_args('none.csv', '--scheduler', address))
    assert_one_line_error(err, code, 2, address, 'tls')
    theirs = certificates(tmp_path, 'other')
    other = ['--tls-ca', theirs[0], '--tls-cert', theirs[1], '--tls-key', theirs[2]]
    code, _, err = run_cli(capsys, evaluate_args('other.csv', '--scheduler', address, *other))
    assert_one_line_error(err, code, 2, address)
    assert not os.path.exists('none.csv') and not os.path.exists('other.csv')
