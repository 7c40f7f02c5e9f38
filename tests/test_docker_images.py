"""The images, built and run: ``make docker-test`` builds
facial-keypoints:cpu and facial-keypoints:opencl and runs these against
them; in every other run they are skipped (FKP_DOCKER_TEST unset)."""
import os
import re
import subprocess
import sys
import time
import uuid

import numpy as np
import pytest

from facial_keypoints.model import persist

from helpers import EPOCH_LINE, assert_identical

pytestmark = [pytest.mark.docker, pytest.mark.skipif(
    not os.environ.get('FKP_DOCKER_TEST'), reason='the images: run with `make docker-test`')]

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
CPU, OPENCL = 'facial-keypoints:cpu', 'facial-keypoints:opencl'
#: Theano's compile cache, kept between the containers of a run.
CACHE = 'fkp-test-theano-cache'


def docker(*args, check=True, timeout=900):
    run = subprocess.run(['docker'] + list(args), capture_output=True, text=True,
                         timeout=timeout)
    if check:
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run


def kfkd(image, data, work, *args, **kwargs):
    """``kfkd ARGS`` in a container of ``image``, the data and work
    directories mounted as the image expects them."""
    return docker('run', '--rm', '-v', '{}:/data'.format(data), '-v', '{}:/work'.format(work),
                  '-v', CACHE + ':/theano-cache', image, *args, **kwargs)


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    """600 synthetic faces, written by the CPU image's own `synth`."""
    directory = tmp_path_factory.mktemp('docker-data')
    docker('run', '--rm', '-v', '{}:/data'.format(directory), CPU,
           'synth', '--out', '/data', '--n-train', '600', '--n-test', '30')
    return str(directory)


def test_doctor_passes_in_the_cpu_image():
    run = docker('run', '--rm', CPU, 'doctor')
    assert 'Theano works on cpu.' in run.stdout
    assert 'BLAS: OpenBLAS' in run.stdout


def test_fit_and_predict_in_the_cpu_image(data, tmp_path):
    kfkd(CPU, data, tmp_path, 'fit', 'net1', '--max-epochs', '2')
    net = persist.load_net(str(tmp_path / 'net1.pickle'))
    assert len(net.train_history_) == 2
    assert net.train_history_[1]['train_loss'] < net.train_history_[0]['train_loss']
    kfkd(CPU, data, tmp_path, 'predict', 'net1.pickle', '--out', 'submission.csv')
    with open(tmp_path / 'submission.csv') as f:
        lines = f.read().splitlines()
    assert lines[0] == 'RowId,Location' and len(lines) > 1


def epochs_in(logs):
    return [int(m.group(1)) for m in map(EPOCH_LINE.match, logs.splitlines()) if m]


def test_docker_stop_pauses_the_run_and_docker_run_continues_it(data, tmp_path):
    """tini passes docker stop's SIGTERM to the training: it ends its epoch,
    writes its checkpoint and exits 143 within the grace period; the same
    docker run again continues, to the net of a run that never stopped."""
    stopped, twin = tmp_path / 'stopped', tmp_path / 'twin'
    stopped.mkdir()
    twin.mkdir()
    args = ('fit', 'net1', '--max-epochs', '1000', '--seed', '7')
    name = 'fkp-stop-' + uuid.uuid4().hex[:8]
    docker('run', '-d', '--name', name, '-v', '{}:/data'.format(data),
           '-v', '{}:/work'.format(stopped), '-v', CACHE + ':/theano-cache', CPU, *args)
    try:
        deadline = time.time() + 300
        while time.time() < deadline and not [e for e in epochs_in(docker('logs', name).stdout)
                                              if e >= 20]:
            time.sleep(0.2)
        began = time.time()
        docker('stop', '-t', '30', name)
        took = time.time() - began
        state = docker('inspect', '-f', '{{.State.ExitCode}}', name).stdout.strip()
        logs = docker('logs', name)
    finally:
        docker('rm', '-f', name, check=False)
    assert state == '143', logs.stdout[-2000:] + logs.stderr[-2000:]
    assert took < 30, 'docker stop waited {:.0f} s: the signal did not reach the run'.format(took)
    assert 'Paused after epoch' in logs.stderr + logs.stdout
    done = max(epochs_in(logs.stdout))
    assert 20 <= done < 1000
    again = kfkd(CPU, data, stopped, *args)
    assert 'Continuing net1.checkpoint.npz after epoch {}'.format(done) in again.stdout
    assert epochs_in(again.stdout) == list(range(done + 1, 1001))
    kfkd(CPU, data, twin, *args)
    assert_identical(persist.load_net(str(twin / 'net1.pickle')),
                     persist.load_net(str(stopped / 'net1.pickle')))


def test_doctor_passes_in_the_opencl_image():
    run = docker('run', '--rm', OPENCL, 'doctor')
    assert 'Theano works on opencl0:0.' in run.stdout
    assert 'OpenCL platform: Portable Computing Language' in run.stdout


def test_the_opencl_tier_passes_in_the_opencl_image():
    """`make test-opencl`'s tests, in the image, from this checkout (pytest
    from the wheels `make docker-test` serves)."""
    wheels = os.environ['FKP_DOCKER_WHEELS']
    host = re.sub(r'^\w+://([^:/]+).*', r'\1', wheels)
    script = ('python -m pip install -q --no-index --find-links {} --trusted-host {} '
              'pytest==8.4.2 && cd /src && python -m pytest -q -p no:cacheprovider -m opencl '
              'tests/test_opencl.py').format(wheels, host)
    run = docker('run', '--rm', '--network', 'host', '-v', '{}:/src:ro'.format(ROOT),
                 '-v', CACHE + '-opencl:/theano-cache', '--entrypoint', 'sh', OPENCL,
                 '-c', script, check=False, timeout=1800)
    tail = run.stdout[-3000:] + run.stderr[-2000:]
    assert run.returncode == 0, tail
    assert re.search(r'\b1[0-9] passed\b', run.stdout), tail
    assert 'skipped' not in run.stdout.splitlines()[-1], tail
    print(run.stdout.splitlines()[-1], file=sys.stderr)


def test_the_numbers_of_the_cpu_image_are_this_machine_s(data, tmp_path):
    """net1 trained in the CPU image and here, from the same seed: the same
    numbers within float32 rounding (another CPython, the same pins)."""
    kfkd(CPU, data, tmp_path, 'fit', 'net1', '--max-epochs', '3', '--out', 'image.pickle')
    here = subprocess.run([sys.executable, '-m', 'facial_keypoints.kfkd', 'fit', 'net1',
                           '--max-epochs', '3', '--out', 'here.pickle', '--data-dir', data],
                          cwd=str(tmp_path), capture_output=True, text=True)
    assert here.returncode == 0, here.stderr
    a = persist.load_net(str(tmp_path / 'image.pickle'))
    b = persist.load_net(str(tmp_path / 'here.pickle'))
    np.testing.assert_allclose([h['valid_loss'] for h in a.train_history_],
                               [h['valid_loss'] for h in b.train_history_], rtol=1e-5)
