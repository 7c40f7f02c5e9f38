"""The images, built and run: ``make docker-test`` builds
facial-keypoints:cpu, facial-keypoints:opencl and the CUDA images
facial-keypoints:gpu and facial-keypoints:g2 and runs these against them; in
every other run they are skipped (FKP_DOCKER_TEST unset). The CUDA images are
tested without a GPU: all but the driver."""
import os
import re
import subprocess
import sys
import time
import uuid

import numpy as np
import pytest

from facial_keypoints.commands.doctor.images import IMAGES, image_with_nvrtc
from facial_keypoints.model import persist

from helpers import EPOCH_LINE, assert_identical

pytestmark = [pytest.mark.docker, pytest.mark.skipif(
    not os.environ.get('FKP_DOCKER_TEST'), reason='the images: run with `make docker-test`')]

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
CPU, OPENCL = 'facial-keypoints:cpu', 'facial-keypoints:opencl'
GPU, G2 = (image_with_nvrtc(nvrtc).name for nvrtc in ((11, 8), (10, 2)))
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


@pytest.mark.parametrize('image', IMAGES, ids=lambda image: image.name)
def test_doctor_in_a_cuda_image_says_only_that_the_driver_is_missing(image):
    run = docker('run', '--rm', image.name, 'doctor', check=False)
    assert run.returncode == 1, run.stdout + run.stderr
    failed = [line for line in run.stdout.splitlines() if ': FAILED: ' in line]
    assert len(failed) == 1, run.stdout
    assert 'no NVIDIA driver' in failed[0] and 'docker run --gpus all' in failed[0]
    assert '  GPU back-end: pygpu 0.7.6 present' in run.stdout
    assert run.stdout.splitlines()[-1] == 'Theano does not work on cuda0: see FAILED above.'
    assert 'Traceback' not in run.stderr and 'pygpu' not in run.stderr, run.stderr


@pytest.mark.parametrize('image', IMAGES, ids=lambda image: image.name)
def test_a_cuda_image_has_its_nvrtc_by_libgpuarray_s_names_and_no_driver(image):
    """libgpuarray dlopens libnvrtc.so and libcublas.so by those names; the
    NVRTC is the one images.py says; the driver's libcuda must come from
    the host, never from the image."""
    script = (
        'import ctypes, glob\n'
        'for name in ("libgpuarray.so.3", "libnvrtc.so", "libcublas.so"): ctypes.CDLL(name)\n'
        'major, minor = ctypes.c_int(), ctypes.c_int()\n'
        'ctypes.CDLL("libnvrtc.so").nvrtcVersion(ctypes.byref(major), ctypes.byref(minor))\n'
        'print("NVRTC", major.value, minor.value)\n'
        'print("libcuda", [p for d in ("/usr", "/opt", "/lib") '
        'for p in glob.glob(d + "/**/libcuda.so*", recursive=True)])\n')
    run = docker('run', '--rm', '--entrypoint', 'python', image.name, '-c', script)
    assert run.stdout.splitlines() == ['NVRTC {} {}'.format(*image.nvrtc), 'libcuda []'], \
        run.stdout


@pytest.fixture(scope='module')
def net2_kernels(tmp_path_factory):
    """The kernels of net2's training and prediction functions, as Theano
    makes them on the OpenCL image's device: a folder holding them."""
    folder = tmp_path_factory.mktemp('kernels')
    docker('run', '--rm', '-v', '{}:/out'.format(folder), '-v', CACHE + '-opencl:/theano-cache',
           '--entrypoint', 'python', OPENCL, '-m', 'facial_keypoints.kfkd',
           'capture_kernels', 'net2', '/out/net2-kernels.json')
    return folder


def compile_net2(image, folder, arch, capability=None):
    """``kfkd compile_kernels`` of net2's kernels for ``arch`` in ``image``;
    with ``capability``, a stand-in driver (tests/c/fake_libcuda.c) reports
    a current GPU of it, as the driver does while libgpuarray compiles."""
    script = 'python -m facial_keypoints.kfkd compile_kernels /in/net2-kernels.json --arch ' + arch
    environment = []
    if capability:
        script = ('cc -shared -fPIC -Wl,-soname,libcuda.so.1 -o /tmp/libcuda.so.1 '
                  '/c/fake_libcuda.c && LD_PRELOAD=/tmp/libcuda.so.1 ' + script)
        environment = ['-e', 'FKP_FAKE_CAPABILITY=' + capability]
    return docker('run', '--rm', '-v', '{}:/in:ro'.format(folder),
                  '-v', '{}:/c:ro'.format(os.path.join(ROOT, 'tests', 'c')), *environment,
                  '--entrypoint', 'sh', image, '-c', script, check=False)


def all_compiled(run, arch, target):
    """Every kernel compiled for ``arch`` to PTX for ``target``; the last
    line of compile_kernels, which says so."""
    lines = run.stdout.splitlines()
    compiled = re.fullmatch(r'(\d+) of (\d+) kernels compiled for {} \(PTX for {}\)'.format(
        arch, target), lines[-1] if lines else '')
    assert run.returncode == 0 and compiled, run.stdout[-3000:] + run.stderr[-2000:]
    assert compiled.group(1) == compiled.group(2) and int(compiled.group(1)) >= 10
    ops = {re.search(r'\((\w+)\)', line).group(1) for line in lines[1:-1]}
    assert {'GpuCorrMM', 'GpuPool', 'GpuMaxPoolGrad'} <= ops, run.stdout
    return lines[-1]


def test_the_gpu_image_compiles_net2_s_kernels_for_hopper(net2_kernels):
    """As libgpuarray compiles them on CUDA: its own cluda.h, -arch
    compute_90."""
    run = compile_net2(GPU, net2_kernels, 'compute_90')
    assert run.stdout.startswith('NVRTC 11.8, libgpuarray /usr/lib/libgpuarray.so.3')
    print(all_compiled(run, 'compute_90', 'sm_90'), file=sys.stderr)


@pytest.mark.parametrize('capability', ['10.0', '12.0'])
def test_the_gpu_image_runs_blackwell_on_ptx_for_hopper(net2_kernels, capability):
    """libgpuarray 0.7.6 names capability 10.0 and 12.0 compute_10 and
    compute_12, which NVRTC 11.8 refuses; the image's libnvrtc.so compiles
    them for compute_90, whose PTX the driver compiles for the GPU."""
    arch = 'compute_' + capability.replace('.', '')[:2]
    run = compile_net2(GPU, net2_kernels, arch, capability)
    print(all_compiled(run, arch, 'sm_90'), file=sys.stderr)
    refused = docker('run', '--rm', '--entrypoint', 'python', GPU, '-c',
                     'from facial_keypoints.upstream.gpu_kernels import Nvrtc, cuda_header\n'
                     'Nvrtc("libnvrtc.so.11.2").ptx("", "{}", cuda_header())'.format(arch),
                     check=False)
    assert 'NVRTC_ERROR_INVALID_OPTION' in refused.stderr, refused.stderr[-2000:]


def test_the_gpu_image_s_nvrtc_compiles_for_the_gpu_the_driver_reports(net2_kernels):
    """The architecture comes from the current GPU where a driver is there:
    an Ampere GPU gets Ampere's code whatever libgpuarray wrote."""
    all_compiled(compile_net2(GPU, net2_kernels, 'compute_90', '8.6'), 'compute_90', 'sm_86')


def test_the_g2_image_compiles_net2_s_kernels_for_kepler(net2_kernels):
    """CUDA 10.2's NVRTC compiles for the GRID K520's compute_30 and knows
    nothing of Ampere's compute_80."""
    run = compile_net2(G2, net2_kernels, 'compute_30')
    assert run.stdout.startswith('NVRTC 10.2, libgpuarray /usr/lib/libgpuarray.so.3')
    print(all_compiled(run, 'compute_30', 'sm_30'), file=sys.stderr)
    refused = compile_net2(G2, net2_kernels, 'compute_80')
    assert refused.returncode == 1
    assert refused.stdout.splitlines()[-1].startswith('0 of ')
    assert 'NVRTC_ERROR_INVALID_OPTION' in refused.stdout


def test_net1_trains_on_the_cpu_in_the_gpu_image(data, tmp_path):
    cpu = 'THEANO_FLAGS=device=cpu,floatX=float32,base_compiledir=/theano-cache'
    docker('run', '--rm', '-e', cpu,
           '-v', '{}:/data'.format(data), '-v', '{}:/work'.format(tmp_path),
           '-v', CACHE + ':/theano-cache', GPU, 'fit', 'net1', '--max-epochs', '3')
    history = persist.load_net(str(tmp_path / 'net1.pickle')).train_history_
    assert len(history) == 3
    assert history[2]['train_loss'] < history[0]['train_loss']
