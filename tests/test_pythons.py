"""The stack on the other supported CPythons (`make test-pythons`): in the
virtual environments FKP_OTHER_VENVS names (one per CPython, made by
scripts/other-venv.sh), net1, net2 and net6 train to the bit as they do here
at equal NumPy, the stack imports without a DeprecationWarning, and Lasagne
0.1's own suite passes.

A venv with a ``run`` script lives in the Debian sid root (CPython 3.14 and
3.15): it is run through that script. Its system OpenBLAS is sid's, not
this machine's, and the two round differently in the last bit; so both
sides train with Theano's NumPy C-API BLAS (``blas.ldflags=``), NumPy's own
OpenBLAS, the same at equal NumPy. Where its NumPy is not this one's (3.15
has NumPy 2.5.5 and NumPy 2.5 no wheel for 3.11), the reference is
FKP_REFERENCE_VENV's CPython (default .venv-3.12) with that NumPy, from a
folder of its own put in front of its path. The trainings and suites run
side by side, as many at once as there are cores.
"""
import concurrent.futures
import os
import subprocess
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.pythons

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRIPT = os.path.join(ROOT, 'scripts', 'stack_fingerprint.py')
# Without FKP_OTHER_VENVS, conftest.py skips the tier saying how to run it.
VENVS = os.environ.get('FKP_OTHER_VENVS', '').split() or ['.venv-none']
REFERENCE_VENV = os.environ.get('FKP_REFERENCE_VENV', '.venv-3.12')
EPOCHS = 'net1=5,net2=2,net6=2'
NUMPY_BLAS = 'blas.ldflags='


def command_of(venv):
    """How to run ``venv``'s python from here."""
    run = os.path.join(ROOT, venv, 'run')
    if os.path.exists(run):
        return [run]
    python = os.path.join(ROOT, venv, 'bin', 'python')
    if not os.path.exists(python):
        pytest.fail('no virtual environment {} (make test-pythons makes it)'.format(venv))
    return [python]


def ask(command, code):
    return subprocess.run(command + ['-c', code], capture_output=True, text=True,
                          cwd=ROOT).stdout.strip()


def fingerprint(command, out, data, theano_flags='', pythonpath=None):
    """Run stack_fingerprint.py with ``command``; its CompletedProcess."""
    env = dict(os.environ, THEANO_FLAGS=theano_flags)
    if pythonpath:
        env['PYTHONPATH'] = pythonpath
    return subprocess.run(command + [SCRIPT, str(out), '--epochs', EPOCHS, '--data', str(data)],
                          capture_output=True, text=True, cwd=ROOT, env=env)


def lasagne_suite(command):
    return subprocess.run(command + ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '--runslow',
                                     'tests/test_lasagne_suite.py'],
                          capture_output=True, text=True, cwd=ROOT)


def numpy_folder(version):
    """A folder holding NumPy ``version`` alone, for REFERENCE_VENV's path."""
    folder = os.path.join(ROOT, '.cache', 'numpy-' + version)
    if not os.path.isdir(folder):
        subprocess.run(command_of(REFERENCE_VENV) + [
            '-m', 'pip', 'install', '-q', '--target', folder + '.partial',
            'numpy==' + version], check=True, capture_output=True)
        os.replace(folder + '.partial', folder)
    return folder


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """Every venv's fingerprint and Lasagne suite, and the references they
    are compared with, run side by side (each is one process, busy on one
    core at a time): {('fingerprint' or 'suite' or 'reference', key):
    CompletedProcess}, and the fingerprints' files."""
    tmp = tmp_path_factory.mktemp('fingerprints')
    data = tmp / 'data'
    # The first run writes the data set that every other one reads.
    fingerprint([sys.executable], tmp / 'here.npz', data)
    jobs, files = {}, {}
    for venv in VENVS:
        command = command_of(venv)
        numpy_version = ask(command, 'import numpy; print(numpy.__version__)')
        flags = NUMPY_BLAS if command[0].endswith('run') else ''
        reference = (numpy_version, flags)
        if reference not in files:
            files[reference] = tmp / 'reference-{}.npz'.format(len(files))
            if reference == (np.__version__, ''):
                files[reference] = tmp / 'here.npz'
            elif numpy_version == np.__version__:
                jobs['reference', reference] = (fingerprint, [sys.executable],
                                                files[reference], data, flags)
            else:
                jobs['reference', reference] = (fingerprint, command_of(REFERENCE_VENV),
                                                files[reference], data, flags,
                                                numpy_folder(numpy_version))
        files[venv] = (files[reference], tmp / '{}.npz'.format(venv))
        jobs['fingerprint', venv] = (fingerprint, command, files[venv][1], data, flags)
        jobs['suite', venv] = (lasagne_suite, command)
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        futures = {key: pool.submit(*job) for key, job in jobs.items()}
        done = {key: future.result() for key, future in futures.items()}
    return done, files


@pytest.mark.parametrize('venv', VENVS)
def test_nets_train_to_the_bit_as_here(venv, runs):
    done, files = runs
    for key in [k for k in done if k[0] == 'reference'] + [('fingerprint', venv)]:
        assert done[key].returncode == 0, done[key].stdout[-2000:] + done[key].stderr[-3000:]
    reference, there = files[venv]
    run = subprocess.run([sys.executable, SCRIPT, '--compare', str(reference), str(there)],
                         capture_output=True, text=True)
    print(run.stdout)
    assert run.returncode == 0, run.stdout + run.stderr
    version = ask(command_of(venv), 'import sys; print(sys.version_info[:2])')
    assert version != str(tuple(sys.version_info[:2]))  # another CPython


@pytest.mark.parametrize('venv', VENVS)
def test_the_stack_imports_without_a_deprecation_warning(venv):
    run = subprocess.run(command_of(venv) + [
        '-W', 'error::DeprecationWarning', '-c',
        'import facial_keypoints, theano, lasagne, nolearn.lasagne; print("ok")'],
        capture_output=True, text=True, cwd=ROOT)
    assert run.stdout.strip() == 'ok', run.stderr[-3000:]


@pytest.mark.parametrize('venv', VENVS)
def test_lasagne_suite_passes(venv, runs):
    run = runs[0]['suite', venv]
    assert run.returncode == 0 and '1 passed' in run.stdout, run.stdout[-3000:]


ROUND_TRIP = r'''
import os, pickle, sys
import numpy as np
from facial_keypoints.kaggle import datadir, synthetic
from facial_keypoints.model import persist, registry, unpickling
datadir.set_data_dir(synthetic.write_dataset(sys.argv[1], n_train=60, n_test=5, seed=5))
from facial_keypoints.tutorial.data import load
X, y = load()
net = registry.get_net('net1')
net.max_epochs, net.verbose, net.hidden_num_units = 1, 0, 10
net.fit(X, y)
new, old = (os.path.join(sys.argv[1], f) for f in ('new.pickle', 'old.pickle'))
persist.save_net(net, new)
sys.setrecursionlimit(10000)
with open(old, 'wb') as f:
    pickle.dump(net, f, -1)  # with its compiled functions
for path in (new, old):
    assert 'refused' not in dict(unpickling.inspect(path)).values(), path
    assert np.array_equal(persist.load_net(path).predict(X), net.predict(X)), path
with open(old, 'wb') as f:
    f.write(b"cos\nsystem\n(Vtouch " + os.path.join(sys.argv[1], 'ran').encode() + b"\ntR.")
try:
    persist.load_net(old)
except unpickling.RefusedGlobal:
    print('refused' if not os.path.exists(os.path.join(sys.argv[1], 'ran')) else 'ran')
'''


@pytest.mark.parametrize('venv', VENVS)
def test_nets_pickle_and_load_through_the_allowlist(venv, tmp_path):
    """The pickler and the restricted unpickler on that CPython and NumPy."""
    run = subprocess.run(command_of(venv) + ['-c', ROUND_TRIP, str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.stdout.strip().splitlines()[-1:] == ['refused'], run.stderr[-3000:]
