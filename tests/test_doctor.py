"""The doctor: a clean report on the CPU, one clear line when the GPU
configured is not usable.

The command-line runs happen in subprocesses because Theano reads its device
once, at import.
"""
import ctypes
import importlib.metadata
import importlib.util
import io
import os
import subprocess
import sys
import types

import numpy as np
import pytest

from facial_keypoints.commands import doctor
from facial_keypoints.commands.doctor import cuda, gpu, opencl
from facial_keypoints.commands.doctor.report import Report, first_line

ROOT = os.path.join(os.path.dirname(__file__), '..')


def run_doctor(theano_flags):
    env = dict(os.environ, THEANO_FLAGS=theano_flags)
    return subprocess.run([sys.executable, '-m', 'facial_keypoints.kfkd', 'doctor'],
                          capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=600)


def gpu_may_work():
    if importlib.util.find_spec('pygpu') is None:
        return False
    try:
        ctypes.CDLL('libcuda.so.1')
    except OSError:
        return False
    return True


@pytest.fixture(scope='module')
def on_cpu():
    return run_doctor('device=cpu')


def test_doctor_passes_on_the_cpu(on_cpu):
    assert on_cpu.returncode == 0, on_cpu.stdout + on_cpu.stderr
    lines = on_cpu.stdout.splitlines()
    assert '  device: cpu' in lines
    assert '  compiled Theano function (x * 2 + 1): ok' in lines
    assert '  net2 forward pass (batch of 2 96x96 images): ok' in lines
    assert lines[-1] == 'Theano works on cpu.'
    assert 'FAILED' not in on_cpu.stdout


def test_doctor_names_the_versions_and_the_blas(on_cpu):
    lines = on_cpu.stdout.splitlines()
    for name in ('Theano', 'Lasagne', 'nolearn', 'numpy', 'facial_keypoints'):
        assert '  {}: {}'.format(name, importlib.metadata.version(name)) in lines
    assert '  numpy: {}'.format(np.__version__) in lines
    assert '  Python: {} ({})'.format(sys.version.split()[0],
                                      sys.executable) in lines
    blas = [line for line in lines if line.startswith('  BLAS: ')]
    assert len(blas) == 1
    assert 'OpenBLAS' in blas[0] or 'NumPy C-API fallback' in blas[0]


def test_doctor_says_whether_pygpu_is_there(on_cpu):
    backend = [line for line in on_cpu.stdout.splitlines()
               if line.startswith('  GPU back-end: ')]
    assert len(backend) == 1
    if importlib.util.find_spec('pygpu') is None:
        assert backend[0] == '  GPU back-end: not installed (pygpu not importable)'
    else:
        assert 'pygpu 0.7.6' in backend[0]


def test_an_unusable_gpu_fails_with_one_clear_line():
    if gpu_may_work():
        pytest.skip('pygpu and an NVIDIA driver are here: cuda0 may work')
    run = run_doctor('device=cuda0')
    assert run.returncode != 0
    failed = [line for line in run.stdout.splitlines()
              if ': FAILED: ' in line]
    assert len(failed) == 1, run.stdout
    assert 'device=cuda0' in failed[0]
    assert 'THEANO_FLAGS=device=cpu' in failed[0]
    if importlib.util.find_spec('pygpu') is None:
        assert 'pygpu not importable' in failed[0]
    assert run.stdout.splitlines()[-1] == (
        'Theano does not work on cuda0: see FAILED above.')
    assert 'Traceback' not in run.stdout
    if importlib.util.find_spec('pygpu') is None:
        # With pygpu present, Theano itself logs the failed GPU set-up with
        # its traceback at import, before the doctor runs.
        assert 'Traceback' not in run.stderr


def fake_pygpu(error):
    """A pygpu module whose ``init`` raises ``error``."""
    module = types.ModuleType('pygpu')
    module.__version__ = '0.7.6'
    module.gpuarray = types.SimpleNamespace(api_version=lambda: (2, 0),
                                            abi_version=lambda: (3, 0))

    def init(device):
        raise error
    module.init = init
    return module


def test_pygpu_without_a_gpu_is_reported_with_the_reason(monkeypatch):
    error = RuntimeError(b'Could not load "libcuda.so": no such file')
    pygpu = fake_pygpu(error)
    monkeypatch.setitem(sys.modules, 'pygpu', pygpu)
    monkeypatch.setitem(sys.modules, 'pygpu.gpuarray', pygpu.gpuarray)
    out = io.StringIO()
    report = Report(out)
    assert gpu.report_gpu(report, 'cpu') is True
    assert ('  GPU back-end: pygpu 0.7.6 present; no GPU: RuntimeError: '
            'Could not load "libcuda.so": no such file') in out.getvalue()
    assert report.failed == []


def test_a_failed_check_names_the_problem_and_the_remedy():
    out = io.StringIO()
    report = Report(out)
    report.check('thing')
    report.check('other', 'it broke', 'mend it')
    assert out.getvalue().splitlines() == [
        '  thing: ok', '  other: FAILED: it broke; mend it']
    assert report.failed == ['other']


def test_an_empty_blas_ldflags_is_the_numpy_fallback():
    assert doctor.blas_description('').startswith('NumPy C-API fallback')
    assert doctor.blas_description('-lopenblas').startswith('OpenBLAS')
    assert doctor.blas_description('-L/opt/x -lmkl_rt').startswith('MKL')


def test_nvrtc_newer_than_the_driver_is_a_problem():
    assert cuda.nvrtc_driver_problem((12, 6), (12, 6)) is None
    assert cuda.nvrtc_driver_problem((12, 2), (12, 4)) is None
    assert cuda.nvrtc_driver_problem(None, (12, 4)) is None
    problem, advice = cuda.nvrtc_driver_problem((12, 6), (12, 2))
    assert 'NVRTC 12.6' in problem and "driver's CUDA 12.2" in problem
    assert 'no newer than CUDA 12.2' in advice


def test_first_line_decodes_bytes_and_drops_the_rest():
    assert first_line(ValueError('one\ntwo')) == 'ValueError: one'
    assert first_line(OSError(b'gone'), with_type=False) == 'gone'
    assert first_line(KeyError()) == 'KeyError'


def test_no_cudnn_is_one_line():
    message = ("cannot compile with cuDNN. We got this error:\nb'/tmp/try_flags_x.c:4:10: "
               "fatal error: cudnn.h: No such file or directory\\n    4 | #include <cudnn.h>"
               "\\n      |          ^~~~~~~~~\\ncompilation terminated.\\n'")
    assert cuda.cudnn_problem(message) == (
        'cannot compile with cuDNN: cudnn.h: No such file or directory')
    assert cuda.cudnn_problem('cuDNN disabled\nmore') == 'cuDNN disabled'


def test_opencl_lines_name_the_icds_and_the_blas(tmp_path):
    (tmp_path / 'pocl.icd').write_text('libpocl.so.2.10.0\n')
    assert opencl.opencl_icds(str(tmp_path)) == 'pocl.icd'
    assert opencl.opencl_icds(str(tmp_path / 'none')).startswith('none in ')
    assert opencl.opencl_blas_state().startswith(('clBLAS', 'CLBlast', 'none found'))


@pytest.mark.parametrize('capability, words', [
    ((9, 0), 'compute capability 9.0 (Hopper): kernels compiled for compute_90'),
    ((5, 0), 'compute capability 5.0 (Maxwell): kernels compiled for compute_50'),
    ((10, 0), 'compute capability 10.0 (Blackwell), newer than NVRTC 11.8 knows: kernels '
              'compiled as PTX for compute_90, which the driver compiles for sm_100'),
    ((12, 0), 'compute capability 12.0 (Blackwell), newer than NVRTC 11.8 knows: kernels '
              'compiled as PTX for compute_90, which the driver compiles for sm_120')])
def test_the_doctor_says_how_kernels_reach_the_gpu(capability, words):
    assert cuda.kernel_path(capability, (11, 8)) == (words, None)


@pytest.mark.parametrize('capability, nvrtc, image', [
    ((3, 0), (11, 8), 'facial-keypoints:g2 (docker/Dockerfile.g2)'),
    ((3, 7), (11, 8), 'facial-keypoints:g2 (docker/Dockerfile.g2)'),
    ((8, 0), (10, 2), 'facial-keypoints:gpu (docker/Dockerfile.gpu)'),
    ((12, 0), (10, 2), 'facial-keypoints:gpu (docker/Dockerfile.gpu)')])
def test_a_gpu_outside_the_image_names_the_image_that_fits(capability, nvrtc, image):
    words, (problem, advice) = cuda.kernel_path(capability, nvrtc)
    assert words is None
    assert 'compute capability {}.{}'.format(*capability) in problem
    assert 'NVRTC {}.{}'.format(*nvrtc) in problem
    assert advice == 'use the image ' + image


def test_a_set_up_of_no_image_reports_the_architecture_alone():
    assert cuda.kernel_path((8, 6), (12, 4)) == (
        'compute capability 8.6 (Ampere): kernels compiled for compute_86', None)


@pytest.mark.parametrize('container', [True, False])
def test_no_driver_is_one_line_that_says_what_to_do(monkeypatch, container):
    monkeypatch.setattr(cuda, 'driver_state', lambda: (None, 'not found (libcuda.so.1: none)'))
    monkeypatch.setattr(cuda, 'in_container', lambda: container)
    out = io.StringIO()
    report = Report(out)
    assert cuda.report_cuda(report, fake_pygpu(RuntimeError()), 'cuda0') is False
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and report.failed == ['NVIDIA driver']
    assert 'device=cuda0, and there is no NVIDIA driver: not found' in lines[0]
    assert ('docker run --gpus all' in lines[0]) == container
    assert 'THEANO_FLAGS=device=cpu' in lines[0]
