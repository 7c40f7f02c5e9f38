"""A net trained on any number of threads is the same to the bit: our CPU
ops cut their work by the shape of their operands, never by the number of
threads, and every BLAS call in them is single-threaded."""
import os
import subprocess
import sys

import numpy as np

TRAIN = '''
import contextlib, io, sys
import numpy as np
import facial_keypoints
from facial_keypoints.model import registry
from facial_keypoints.model.inputs import load_for
from facial_keypoints.kaggle import datadir
from facial_keypoints.tutorial.nets import quiet
datadir.set_data_dir(sys.argv[1])
np.random.seed(42)
net = quiet(registry.get_net('net6'))
net.max_epochs = 2
with contextlib.redirect_stdout(io.StringIO()):
    X, y = load_for(net)
net.fit(X, y)
params = net.get_all_params_values()
np.savez(sys.argv[2], history=[[h['train_loss'], h['valid_loss']] for h in net.train_history_],
         **{'{}:{}'.format(k, i): v for k in params for i, v in enumerate(params[k])})
'''


def test_net6_on_one_two_and_three_threads_is_the_same(train_dir, tmp_path, trains):
    results = []
    for threads in (1, 2, 3):
        out = str(tmp_path / '{}.npz'.format(threads))
        subprocess.run([sys.executable, '-c', TRAIN, train_dir, out], check=True,
                       env=dict(os.environ, OMP_NUM_THREADS=str(threads)),
                       capture_output=True)
        results.append(np.load(out))
    names = results[0].files
    assert len(names) == 13  # the history and twelve parameter arrays
    for other in results[1:]:
        assert [n for n in names if not np.array_equal(results[0][n], other[n])] == []
