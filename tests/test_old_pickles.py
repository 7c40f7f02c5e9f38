"""Nets pickled by earlier releases load and predict the same.

``data/net1-before-layout.pickle`` is net1 (with 10 hidden units, to keep
the file small) trained for one epoch with ``--all-rows`` on synthetic faces
by the release before the modules moved into packages by role: its pickle
names ``facial_keypoints.settings``, ``.state`` and ``.masked``. Beside it,
a few test rows and the predictions that release made of them.
"""
import os

import numpy as np

from facial_keypoints.model import persist, record, unpickling
from facial_keypoints.model.masked import masked_squared_error, uses_masked_loss


DATA = os.path.join(os.path.dirname(__file__), 'data')


def test_a_net_pickled_before_the_layout_loads_and_predicts_the_same():
    net = persist.load_net(os.path.join(DATA, 'net1-before-layout.pickle'))
    assert record.settings_of(net).net == 'net1'
    assert net.objective_loss_function is masked_squared_error and uses_masked_loss(net)
    expected = np.load(os.path.join(DATA, 'net1-before-layout.predictions.npz'))
    np.testing.assert_allclose(net.predict(expected['X']), expected['y'], rtol=1e-5)


def test_every_old_path_names_a_module_of_today():
    import importlib
    for old, new in unpickling.MOVED.items():
        assert importlib.import_module(new).__name__ == new, old
