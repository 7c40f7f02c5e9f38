"""`make clean` and `make distclean`, run on a scratch copy of the Makefile."""
import os
import shutil
import subprocess

import pytest

MAKEFILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'Makefile')

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")

WRITTEN = ['repo/runs/demo/net1.pickle', 'repo/.cache/lasagne/setup.py',
           'repo/.pytest_cache/README.md', 'repo/facial_keypoints/__pycache__/x.pyc',
           'repo/data/training.csv.parsed.npz', 'fkp-data/test.csv.parsed.npz',
           'home/data/kaggle-facial-keypoint-detection/training.csv.parsed.npz',
           'xdg/facial_keypoints/synthetic/training.csv']
KEPT = ['repo/data/training.csv', 'fkp-data/test.csv',
        'home/data/kaggle-facial-keypoint-detection/training.csv',
        'home/.theano/compiledir_x/lock', 'xdg/pip/http/x',
        'repo/.venv/lib/python3.11/site-packages/x/__pycache__/x.pyc']
INSTALLED = ['repo/.venv/bin/python', 'repo/facial_keypoints.egg-info/PKG-INFO']


def make(root, target):
    env = dict(os.environ, HOME=os.path.join(root, 'home'),
               XDG_CACHE_HOME=os.path.join(root, 'xdg'),
               FKP_DATA_DIR=os.path.join(root, 'fkp-data'))
    env.pop('VENV', None)
    subprocess.run(['make', '-s', target], cwd=os.path.join(root, 'repo'), env=env,
                   check=True, capture_output=True, timeout=60)


def existing(root, paths):
    return [p for p in paths if os.path.exists(os.path.join(root, p))]


@pytest.fixture
def root(tmp_path):
    for path in WRITTEN + KEPT + INSTALLED:
        path = tmp_path / path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('x')
    shutil.copy(MAKEFILE, tmp_path / 'repo' / 'Makefile')
    return str(tmp_path)


def test_clean(root):
    make(root, 'clean')
    assert existing(root, WRITTEN) == []
    assert existing(root, KEPT + INSTALLED) == KEPT + INSTALLED


def test_distclean(root):
    make(root, 'distclean')
    assert existing(root, WRITTEN + INSTALLED) == []
    assert existing(root, KEPT[:-1]) == KEPT[:-1]
    assert not os.path.exists(os.path.join(root, 'repo', '.venv'))
