"""Lasagne 0.1's own test suite, run against the compatibility layer.

The suite ships in Lasagne's source distribution (``lasagne/tests``), not in
the installed package, so it is fetched from PyPI into ``.cache/``. Its
tests import the installed ``lasagne``; they run in a fresh interpreter that
imports ``facial_keypoints`` first.
"""
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, '..', '.cache')

#: Tests that need a GPU. Theano 1.0 removed the old CUDA back-end;
#: ``theano.sandbox.cuda`` now only raises nose's SkipTest on import (and
#: nose does not import on Python 3.11), so this test cannot run on CPU.
GPU_ONLY = ['layers/test_conv.py::TestConv2DDNNLayer::'
            'test_import_without_gpu_or_cudnn_raises']
#: Trains on MNIST downloaded from the internet.
NEEDS_INTERNET = ['test_examples.py']


def lasagne_tests(destination):
    """Copy the suite out of the sdist, away from its top-level conftest
    (which uses a pytest hook argument that pytest 9 removed)."""
    sdist = os.path.join(CACHE, 'Lasagne-0.1.tar.gz')
    if not os.path.exists(sdist):
        os.makedirs(CACHE, exist_ok=True)
        # Fetched aside and renamed: suites may start side by side
        # (tests/test_pythons.py).
        fetching = tempfile.mkdtemp(dir=CACHE, prefix='lasagne-sdist.')
        fetched = subprocess.run(
            [sys.executable, '-m', 'pip', 'download', '-q', '--no-deps',
             '--no-binary', ':all:', '-d', fetching, 'Lasagne==0.1'],
            capture_output=True, text=True)
        if fetched.returncode != 0:
            shutil.rmtree(fetching)
            pytest.skip('could not fetch the Lasagne 0.1 sdist: '
                        + fetched.stderr[-300:])
        os.replace(os.path.join(fetching, 'Lasagne-0.1.tar.gz'), sdist)
        shutil.rmtree(fetching)
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers()
                   if m.name.startswith('Lasagne-0.1/lasagne/tests/')]
        tar.extractall(str(destination), members=members, filter='data')
    tests = os.path.join(str(destination), 'lasagne_tests')
    shutil.move(os.path.join(str(destination), 'Lasagne-0.1', 'lasagne',
                             'tests'), tests)
    return tests


@pytest.mark.slow
def test_lasagne_suite_passes_on_cpu(tmp_path):
    tests = lasagne_tests(tmp_path)
    args = [tests, '-q', '-p', 'no:cacheprovider', '--runslow',
            '-o', 'python_files=test*py', '-W', 'ignore']
    args += ['--deselect=lasagne_tests/' + t for t in GPU_ONLY]
    args += ['--ignore=' + os.path.join(tests, t) for t in NEEDS_INTERNET]
    code = ('import sys, facial_keypoints, pytest; '
            'sys.exit(pytest.main(sys.argv[1:]))')
    run = subprocess.run([sys.executable, '-c', code] + args, cwd=str(tmp_path),
                         capture_output=True, text=True)
    summary = run.stdout.strip().splitlines()[-1]
    print(summary)
    assert run.returncode == 0, run.stdout[-3000:]
    passed = int(re.search(r'(\d+) passed', summary).group(1))
    assert passed >= 480 and 'failed' not in summary
