import json
import os
import subprocess
import sys

import numpy as np
import pytest

import facial_keypoints  # noqa: F401  (applies the compatibility patches)
from facial_keypoints import kfkd
import helpers
from helpers import working_in

#: The project's shared files (the real Kaggle labels among them):
#: $FKP_SHARED, else the folder ``shared`` beside this checkout.
SHARED = os.environ.get('FKP_SHARED') or os.path.join(
    os.path.dirname(__file__), '..', '..', 'shared')


def on_opencl():
    """True when Theano is configured for an OpenCL device (the tier of
    `make test-opencl`), read from THEANO_FLAGS without importing Theano."""
    flags = os.environ.get('THEANO_FLAGS', '').split(',')
    return any(f.strip().startswith('device=opencl') for f in flags)


def pytest_addoption(parser):
    parser.addoption('--runslow', action='store_true', help='run slow tests')


#: Markers of tiers of their own: a test with one is not quick.
OWN_TIERS = ('slow', 'opencl', 'docker', 'pythons', 'platforms')


@pytest.hookimpl(tryfirst=True)  # before `-m quick` selects
def pytest_collection_modifyitems(config, items):
    for item in items:
        if 'trains' not in item.fixturenames and not any(
                item.get_closest_marker(tier) for tier in OWN_TIERS):
            item.add_marker(pytest.mark.quick)
    if not on_opencl():
        skip = pytest.mark.skip(reason='OpenCL tier: run with `make test-opencl`')
        for item in items:
            if 'opencl' in item.keywords:
                item.add_marker(skip)
    if not os.environ.get('FKP_OTHER_VENVS'):
        skip = pytest.mark.skip(reason='other CPythons: run with `make test-pythons`')
        for item in items:
            if 'pythons' in item.keywords:
                item.add_marker(skip)
    if not os.environ.get('FKP_PLATFORMS'):
        skip = pytest.mark.skip(reason='notebook platforms: run with `make test-platforms`')
        for item in items:
            if 'platforms' in item.keywords:
                item.add_marker(skip)
    if config.getoption('--runslow'):
        return
    skip = pytest.mark.skip(reason='slow: run with --runslow')
    for item in items:
        if 'slow' in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope='session')
def trains():
    """Asked for by every test and fixture that trains a net (directly, by
    another fixture, or with ``@pytest.mark.usefixtures('trains')``): the
    tests that use it are the default tier, and every other test without a
    tier of its own (:data:`OWN_TIERS`) is quick."""


#: How many times a net has been trained in this process.
FITS = [0]


def _counted(fit):
    def counting_fit(self, *args, **kwargs):
        FITS[0] += 1
        return fit(self, *args, **kwargs)
    return counting_fit


@pytest.fixture(autouse=True)
def _trains_only_when_it_says_so(request):
    """A quick test that trains a net fails: the quick tier stays the
    tests that train nothing."""
    if request.node.get_closest_marker('quick') is None:
        yield
        return
    before = FITS[0]
    helpers.training_allowed[0] = False
    try:
        yield
    finally:
        helpers.training_allowed[0] = True
    assert FITS[0] == before, ('{} trains a net: use the fixture `trains`'.format(
        request.node.nodeid))


def pytest_configure(config):
    from nolearn.lasagne import NeuralNet
    NeuralNet.fit = _counted(NeuralNet.fit)


@pytest.fixture(scope='session')
def kaggle_labels():
    """The real Kaggle label files, where the shared files have them."""
    path = os.path.abspath(os.path.join(SHARED, 'data', 'kaggle-labels'))
    if not os.path.exists(os.path.join(path, 'training_keypoints.csv')):
        pytest.skip('real Kaggle labels not found at ' + path)
    return path


@pytest.fixture(scope='session')
def train_dir(tmp_path_factory):
    """A small synthetic data set: 600 training faces, 30 test faces."""
    from facial_keypoints.kaggle import synthetic
    return synthetic.write_dataset(str(tmp_path_factory.mktemp('train')),
                                   n_train=600, n_test=30, seed=5)


@pytest.fixture
def in_data(train_dir, tmp_path):
    """Run in a scratch directory on the small synthetic data set."""
    with working_in(tmp_path, train_dir):
        yield train_dir


@pytest.fixture
def omp_threads():
    """omp_threads(n): a context in which OpenMP's parallel regions (those
    of our ops) run on n threads."""
    import contextlib
    import ctypes
    gomp = ctypes.CDLL('libgomp.so.1')

    @contextlib.contextmanager
    def threads(n):
        saved = gomp.omp_get_max_threads()
        gomp.omp_set_num_threads(n)
        try:
            yield
        finally:
            gomp.omp_set_num_threads(saved)
    return threads


HISTORY = '''
import facial_keypoints, contextlib, io, json, numpy as np
from facial_keypoints import nets
from facial_keypoints.model.inputs import load_for
from facial_keypoints.kaggle import datadir
datadir.set_data_dir({data_dir!r})
net = nets.get_net({name!r})
with contextlib.redirect_stdout(io.StringIO()):
    X, y = load_for(net)
np.random.seed(42)
net = nets.get_net({name!r})
net.max_epochs, net.verbose = {epochs}, 0
net.fit(X, y)
print(json.dumps([[h['train_loss'], h['valid_loss']] for h in net.train_history_]))
'''


@pytest.fixture(scope='session')
def histories(train_dir, trains):
    """histories(name, epochs, flags): for each THEANO_FLAGS string in
    flags, the (train loss, valid loss) of each epoch of the net fitted on
    train_dir in a fresh process, as an array."""
    def fit(name, epochs, flags):
        result = []
        for flag in flags:
            run = subprocess.run(
                [sys.executable, '-c', HISTORY.format(data_dir=train_dir, name=name,
                                                      epochs=epochs)],
                env=dict(os.environ, THEANO_FLAGS=flag), capture_output=True, text=True,
                check=True)
            result.append(np.array(json.loads(run.stdout.strip().splitlines()[-1])))
        return result
    return fit


@pytest.fixture(scope='session')
def trained(train_dir, tmp_path_factory, trains):
    """net1 (2 epochs) and specialists from it (1 epoch each), as files
    that tests read and do not change (copy them to change them)."""
    directory = tmp_path_factory.mktemp('trained')
    with working_in(directory, train_dir):
        kfkd.fit('net1', max_epochs=2)
        kfkd.fit_specialists('net1.pickle', max_epochs=1)
    return {'net1': str(directory / 'net1.pickle'),
            'specialists': str(directory / 'net-specialists.pickle')}
