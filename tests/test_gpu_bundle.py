"""The GPU check rehearsed the way it runs on a lent GPU machine: a CPython
3.12 with NumPy 2 and the lent machine's other packages but no Theano, no
network (``unshare -n``), runs ``gpu-bundle/check.sh`` on POCL's OpenCL
device. Part of the OpenCL tier (``make test-opencl``), which sets up POCL.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.opencl

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
#: What the lent machine's python3 has of what the check needs (its NumPy;
#: the others as the registry serves them today), and no Theano.
REHEARSAL_PACKAGES = ['numpy==2.5.2', 'scipy==1.18.1', 'scikit-learn==1.9.1', 'pandas==3.1.1',
                      'matplotlib==3.11.2', 'scikit-image==0.26.0', 'joblib==1.6.0',
                      'six==1.17.0', 'tabulate==0.10.0', 'MarkupSafe==3.0.4',
                      'setuptools==84.2.1']
REHEARSAL_VENV = os.path.join(ROOT, '.cache', 'gpu-rehearsal-3.12')
MAX_BUNDLE_BYTES = 60 * 2 ** 20


def python312():
    """A CPython 3.12: pyenv's (not its shim, which runs the version pyenv
    has selected), else the system's."""
    candidates = sorted(glob.glob(os.path.expanduser('~/.pyenv/versions/3.12*/bin/python3.12')))
    candidates += ['/usr/local/bin/python3.12', '/usr/bin/python3.12']
    for python in candidates:
        if os.access(python, os.X_OK):
            return python
    pytest.skip('no CPython 3.12 here (pyenv install 3.12)')


@pytest.fixture(scope='module')
def rehearsal_python():
    """A CPython 3.12 virtual environment with REHEARSAL_PACKAGES, made once
    (from the package registry) and kept in .cache."""
    python = os.path.join(REHEARSAL_VENV, 'bin', 'python')
    marker = os.path.join(REHEARSAL_VENV, 'packages.txt')
    wanted = '\n'.join(REHEARSAL_PACKAGES)
    if not os.path.exists(marker) or open(marker).read() != wanted:
        shutil.rmtree(REHEARSAL_VENV, ignore_errors=True)
        subprocess.run([python312(), '-m', 'venv', REHEARSAL_VENV], check=True)
        install = subprocess.run([python, '-m', 'pip', 'install', '-q',
                                  '--disable-pip-version-check'] + REHEARSAL_PACKAGES,
                                 capture_output=True, text=True)
        assert install.returncode == 0, install.stderr[-3000:]
        with open(marker, 'w') as f:
            f.write(wanted)
    return python


@pytest.fixture(scope='module')
def bundle(tmp_path_factory):
    """`make gpu-bundle`'s script, into a folder of its own."""
    out = str(tmp_path_factory.mktemp('bundle') / 'gpu-bundle')
    run = subprocess.run([os.path.join(ROOT, 'scripts', 'gpu-bundle.sh'), out], cwd=ROOT,
                         capture_output=True, text=True,
                         env=dict(os.environ, VENV=os.path.dirname(os.path.dirname(
                             sys.executable))))
    assert run.returncode == 0, run.stderr[-3000:]
    return out


def machine_env():
    """The environment of a GPU machine's shell: no Theano flags, and no
    mark of this process's GPU (Theano refuses a device in a child of a
    process that has one)."""
    return {k: v for k, v in os.environ.items()
            if k not in ('THEANO_FLAGS', 'THEANO_GPU_IS_ALREADY_ACTIVE')}


def offline():
    """The command prefix that runs without a network, or a skip."""
    if shutil.which('unshare') is None or subprocess.run(
            ['unshare', '-n', 'true'], capture_output=True).returncode:
        pytest.skip('unshare -n needs root (CI runs as root)')
    return ['unshare', '-n']


def test_the_bundle_is_small_and_holds_what_the_check_needs(bundle):
    size = sum(os.path.getsize(os.path.join(folder, name))
               for folder, _, names in os.walk(bundle) for name in names)
    assert size <= MAX_BUNDLE_BYTES
    names = {os.path.relpath(os.path.join(folder, name), bundle)
             for folder, _, files in os.walk(bundle) for name in files}
    assert {'check.sh', 'lib.sh', 'build-pygpu.sh', 'cuda_links.py', 'benchmarks/gpu_check.py',
            'benchmarks/bench_training.py'} <= names
    assert {n.split('_')[0] for n in names if n.startswith('debs/')} == {
        'debs/libgpuarray3', 'debs/libgpuarray-dev', 'debs/python3-pygpu'}
    wheels = {n.split('/')[1].split('-')[0].lower() for n in names if n.startswith('wheels/')}
    assert wheels == {'theano', 'lasagne', 'nolearn', 'mako', 'facial_keypoints'}


def test_the_gpu_check_passes_offline_on_python_3_12_and_numpy_2(rehearsal_python, bundle):
    prefix = offline()
    assert subprocess.run([rehearsal_python, '-c', 'import theano'],
                          capture_output=True).returncode != 0
    connect = 'import socket; socket.create_connection(("pypi.org", 443), 5)'
    no_network = subprocess.run(prefix + [rehearsal_python, '-c', connect],
                                capture_output=True, text=True)
    assert no_network.returncode != 0
    run = subprocess.run(prefix + ['env', 'PYTHON=' + rehearsal_python,
                                   os.path.join(bundle, 'check.sh'), 'opencl0:0',
                                   '--faces', '400', '--epochs', '4'],
                         capture_output=True, text=True, timeout=2400, env=machine_env())
    out = run.stdout
    print(out[out.find('| net'):], file=sys.stderr)
    assert run.returncode == 0, out[-4000:] + run.stderr[-3000:]
    assert '== Python 3.12.' in out and 'NumPy 2.' in out
    assert 'Theano works on opencl0:0.' in out
    rows = re.findall(r'^\| (net\d) +\| +4 \|.*\| ok +\|$', out, re.M)
    assert rows == ['net1', 'net2', 'net6'], out[-3000:]
    assert out.splitlines()[-1] == 'GPU check: passed on opencl0:0'
