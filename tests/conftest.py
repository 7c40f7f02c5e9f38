import os

import pytest

import facial_keypoints  # noqa: F401  (applies the compatibility patches)

KAGGLE_LABELS = os.path.join(os.path.dirname(__file__), '..', '..', 'shared',
                             'data', 'kaggle-labels')


def pytest_addoption(parser):
    parser.addoption('--runslow', action='store_true', help='run slow tests')


def pytest_collection_modifyitems(config, items):
    if config.getoption('--runslow'):
        return
    skip = pytest.mark.skip(reason='slow: run with --runslow')
    for item in items:
        if 'slow' in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope='session')
def kaggle_labels():
    """The real Kaggle label files, when this checkout has them beside it."""
    path = os.path.abspath(KAGGLE_LABELS)
    if not os.path.exists(os.path.join(path, 'training_keypoints.csv')):
        pytest.skip('real Kaggle labels not found at ' + path)
    return path
