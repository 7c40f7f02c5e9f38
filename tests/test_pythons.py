"""The stack on the other supported CPythons (`make test-pythons`): in the
virtual environments FKP_OTHER_VENVS names (one per CPython, made by
scripts/bootstrap.sh), net1, net2 and net6 train to the bit as they do
here, and Lasagne 0.1's own suite passes."""
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.pythons

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRIPT = os.path.join(ROOT, 'scripts', 'stack_fingerprint.py')
# Without FKP_OTHER_VENVS, conftest.py skips the tier saying how to run it.
VENVS = os.environ.get('FKP_OTHER_VENVS', '').split() or ['.venv-none']
EPOCHS = 'net1=5,net2=2,net6=2'


def python_of(venv):
    python = os.path.join(ROOT, venv, 'bin', 'python')
    if not os.path.exists(python):
        pytest.fail('no virtual environment {} (make test-pythons makes it)'.format(venv))
    return python


def fingerprint(python, out, data):
    run = subprocess.run([python, SCRIPT, str(out), '--epochs', EPOCHS, '--data', str(data)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    return run.stdout


@pytest.fixture(scope='module')
def here(tmp_path_factory):
    """This interpreter's fingerprint, and the data set it trained on."""
    tmp = tmp_path_factory.mktemp('fingerprint')
    fingerprint(sys.executable, tmp / 'here.npz', tmp / 'data')
    return tmp / 'here.npz', tmp / 'data'


@pytest.mark.parametrize('venv', VENVS)
def test_nets_train_to_the_bit_as_here(venv, here, tmp_path):
    reference, data = here
    python = python_of(venv)
    fingerprint(python, tmp_path / 'there.npz', data)
    run = subprocess.run([sys.executable, SCRIPT, '--compare', str(reference),
                          str(tmp_path / 'there.npz')], capture_output=True, text=True)
    print(run.stdout)
    assert run.returncode == 0, run.stdout + run.stderr
    version = subprocess.run([python, '-c', 'import sys; print(sys.version_info[:2])'],
                             capture_output=True, text=True).stdout.strip()
    assert version != str(tuple(sys.version_info[:2]))  # another CPython


@pytest.mark.parametrize('venv', VENVS)
def test_lasagne_suite_passes(venv):
    run = subprocess.run([python_of(venv), '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
                          '--runslow', 'tests/test_lasagne_suite.py'],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0 and '1 passed' in run.stdout, run.stdout[-3000:]
