"""The GPU code path on Theano's gpuarray back-end, run on OpenCL (POCL on
the CPU): ``make test-opencl`` runs these with ``device=opencl0:0``; in
every other run they are skipped. Each net trained on the device is
compared with its twin trained on the CPU, in another process, from the
same seed."""
import contextlib
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from facial_keypoints import cli
from facial_keypoints.commands import fit
from facial_keypoints.model import persist, registry
from facial_keypoints.model.inputs import load_for
from facial_keypoints.kaggle import datadir

from helpers import signalled_after, working_in

pytestmark = pytest.mark.opencl

#: The nets of the tier, and the epochs each trains.
NETS = {'net1': 3, 'net2': 2, 'net6': 2, 'Net6LP': 2}

#: How close a device run comes to the CPU's: float32 rounding, summed in
#: another order and carried through a few epochs of momentum, relative to
#: each loss and to the largest value of each layer's parameters (seen on
#: 200 faces: up to 8e-6 in net6's losses, 1e-4 in its first filters).
LOSS_RTOL, PARAM_RTOL = 1e-4, 1e-3

TWIN = r'''
import contextlib, io, json, sys
import numpy as np
import facial_keypoints
from facial_keypoints.model import registry
from facial_keypoints.model.inputs import load_for
from facial_keypoints.kaggle import datadir
datadir.set_data_dir(sys.argv[1])
name, epochs, out = sys.argv[2], int(sys.argv[3]), sys.argv[4]
np.random.seed(42)
net = registry.get_net(name)
net.max_epochs, net.verbose = epochs, 0
with contextlib.redirect_stdout(io.StringIO()):
    X, y = load_for(net)
net.fit(X, y)
values = net.get_all_params_values()
np.savez(out, **{'{}:{}'.format(layer, i): v for layer in values
                 for i, v in enumerate(values[layer])})
print(json.dumps([[h['train_loss'], h['valid_loss']] for h in net.train_history_]))
'''


def on_cpu(**more):
    """The environment of a process that runs Theano on the CPU."""
    return dict(os.environ, THEANO_FLAGS='device=cpu,floatX=float32', **more)


@pytest.fixture(scope='module')
def device_data(tmp_path_factory):
    """200 synthetic faces: the device is slow, the numbers are the point."""
    from facial_keypoints.kaggle import synthetic
    return synthetic.write_dataset(str(tmp_path_factory.mktemp('opencl-data')),
                                   n_train=200, n_test=20, seed=7)


@pytest.fixture(scope='module')
def on_device(device_data, tmp_path_factory):
    """Each net of :data:`NETS` trained here, on the device, and its CPU
    twin: {name: (net, twin losses, twin parameters)}."""
    directory = tmp_path_factory.mktemp('twins')
    datadir.set_data_dir(device_data)
    trained = {}
    try:
        for name, epochs in NETS.items():
            np.random.seed(42)
            net = registry.get_net(name)
            net.max_epochs, net.verbose = epochs, 0
            with contextlib.redirect_stdout(io.StringIO()):
                X, y = load_for(net)
            net.fit(X, y)
            out = str(directory / (name + '.npz'))
            run = subprocess.run([sys.executable, '-c', TWIN, device_data, name, str(epochs), out],
                                 env=on_cpu(), capture_output=True, text=True, check=True)
            losses = np.array(json.loads(run.stdout.strip().splitlines()[-1]))
            trained[name] = (net, losses, dict(np.load(out)))
    finally:
        datadir.set_data_dir(None)
    return trained


@pytest.fixture
def in_device_data(device_data, tmp_path):
    with working_in(tmp_path, device_data):
        yield device_data


def test_theano_runs_on_the_opencl_device():
    import theano
    assert theano.config.device.startswith('opencl')
    import theano.gpuarray
    assert theano.gpuarray.pygpu_activated


def test_doctor_passes_on_the_device():
    from facial_keypoints.commands import doctor
    out = io.StringIO()
    assert doctor.run_doctor(out) == 0, out.getvalue()
    report = out.getvalue()
    assert 'OpenCL platform: Portable Computing Language' in report
    assert 'OpenCL BLAS: CLBlast' in report
    assert 'NVIDIA driver' not in report and 'libcublas' not in report
    assert 'Theano works on opencl0:0.' in report


@pytest.mark.parametrize('name', list(NETS))
def test_a_net_trains_on_the_device_as_on_the_cpu(name, on_device):
    net, twin, twin_params = on_device[name]
    losses = np.array([[h['train_loss'], h['valid_loss']] for h in net.train_history_])
    assert losses[-1, 0] < losses[0, 0]  # it learns
    np.testing.assert_allclose(losses, twin, rtol=LOSS_RTOL)
    values = net.get_all_params_values()
    ours = {'{}:{}'.format(layer, i): v for layer in values for i, v in enumerate(values[layer])}
    assert sorted(ours) == sorted(twin_params)
    loss_gap = np.max(np.abs(losses - twin) / np.abs(twin))
    scale = {}  # a layer's biases start at 0: measured against its weights
    for key, value in twin_params.items():
        layer = key.split(':')[0]
        scale[layer] = max(scale.get(layer, 0), np.max(np.abs(value)))
    param_gap = max(np.max(np.abs(v - twin_params[k])) / scale[k.split(':')[0]]
                    for k, v in ours.items())
    print('{}: losses within {:.1e} relative, parameters within {:.1e} of their '
          'scale'.format(name, loss_gap, param_gap))
    assert param_gap <= PARAM_RTOL


@pytest.mark.parametrize('name', list(NETS))
def test_every_compute_op_runs_on_the_device(name, on_device):
    """No silent fallback to the host: every op of the compiled training,
    validation and prediction functions that computes the net's numbers
    is a GPU op; only shape bookkeeping and the transfers stay here."""
    net = on_device[name][0]
    for function in (net.train_iter_, net.eval_iter_, net.predict_iter_):
        nodes = function.maker.fgraph.toposort()
        computing = {type(node.op).__name__ for node in nodes if computes_on_the_host(node)}
        assert not computing, computing
        assert any(type(node.op).__name__ in ('GpuGemm', 'GpuDot22') for node in nodes)


def computes_on_the_host(node):
    """True for an op that makes a floating-point array in the host's
    memory (a TensorType, not a GpuArrayType): the host's ops on shapes,
    integer vectors, are bookkeeping, and a generic op such as Rebroadcast
    on a device array stays on the device; the transfer of the results
    back is not computing."""
    from theano.tensor import TensorType
    if type(node.op).__name__ == 'HostFromGpu':
        return False
    return any(isinstance(out.type, TensorType) and out.type.dtype.startswith('float')
               and out.type.ndim >= 1 for out in node.outputs)


def test_a_net_trained_on_the_device_is_saved_and_loaded_there(on_device, in_device_data):
    """As the package saves it, and whole with its compiled functions, as
    ``pickle.dump`` does (which fails without the reduction-kernel patch:
    'Cannot pickle GpuContext object'): each names only allowed globals and
    loads with no flag."""
    from facial_keypoints.model import unpickling
    from test_unpickling import old_style_pickle
    net = on_device['net6'][0]
    X, _ = load_for(net)
    persist.save_net(net, 'net6.pickle')
    old_style_pickle(net, 'old.pickle')
    for path in ('net6.pickle', 'old.pickle'):
        assert 'refused' not in dict(unpickling.inspect(path)).values()
        again = persist.load_net(path)
        np.testing.assert_array_equal(again.predict(X[:16]), net.predict(X[:16]))


def test_an_export_on_the_device_predicts_on_the_cpu(in_device_data):
    """export on the device, predict the .npz on the CPU: the submission of
    predicting on the device, within rounding; the device's own pickle
    there is the one-line export hint."""
    import pandas as pd
    fit.fit('net1', max_epochs=2)
    assert cli.main(['export', 'net1.pickle']) == 0
    assert cli.main(['predict', 'net1.npz', '--out', 'device.csv']) == 0
    kfkd = [sys.executable, '-m', 'facial_keypoints.kfkd']
    cpu = subprocess.run(kfkd + ['predict', 'net1.npz', '--out', 'cpu.csv', '--data-dir',
                                 in_device_data], env=on_cpu(), capture_output=True, text=True)
    assert cpu.returncode == 0, cpu.stderr
    device, here = pd.read_csv('device.csv'), pd.read_csv('cpu.csv')
    assert list(device.RowId) == list(here.RowId)
    np.testing.assert_allclose(here.Location, device.Location, rtol=0, atol=1e-3)
    pickle_on_cpu = subprocess.run(kfkd + ['predict', 'net1.pickle', '--data-dir',
                                           in_device_data], env=on_cpu(), capture_output=True,
                                   text=True)
    assert pickle_on_cpu.returncode == 1
    assert 'written on a GPU' in pickle_on_cpu.stderr and 'kfkd export' in pickle_on_cpu.stderr
    assert len(pickle_on_cpu.stderr.strip().splitlines()) == 1


def test_specialists_pretrained_and_resumed_on_the_device(in_device_data):
    fit.fit('net1', max_epochs=2)
    specialists = fit.fit_specialists('net1.pickle', max_epochs=1)
    assert len(specialists) == 6
    assert all(len(s.train_history_) == 1 for s in specialists.values())
    fit.fit('net1', max_epochs=2, out='resumed.pickle')
    resumed = fit.fit(max_epochs=3, resume='resumed.pickle')
    assert len(resumed.train_history_) == 3
    assert resumed.train_history_[2]['train_loss'] < resumed.train_history_[0]['train_loss']


def test_a_device_checkpoint_continues_on_the_cpu(in_device_data):
    """net1 paused by SIGTERM after 2 of 4 epochs on the device; the same
    command on the CPU continues its checkpoint to epoch 4, as close to the
    device's uninterrupted run as float32 rounding allows."""
    twin = fit.fit('net1', max_epochs=4, out='twin.pickle')
    with signalled_after(2):
        assert cli.main(['fit', 'net1', '--max-epochs', '4']) == 143
    assert os.path.exists('net1.checkpoint.npz')
    kfkd = [sys.executable, '-m', 'facial_keypoints.kfkd']
    cpu = subprocess.run(kfkd + ['fit', 'net1', '--max-epochs', '4', '--data-dir', in_device_data],
                         env=on_cpu(), capture_output=True, text=True)
    assert cpu.returncode == 0, cpu.stderr
    assert 'Continuing net1.checkpoint.npz after epoch 2' in cpu.stdout
    finished = subprocess.run(
        [sys.executable, '-c', 'import json, facial_keypoints; from facial_keypoints.model import '
         'persist; print(json.dumps([[h["train_loss"], h["valid_loss"]] for h in '
         'persist.load_net("net1.pickle").train_history_]))'],
        env=on_cpu(), capture_output=True, text=True, check=True)
    losses = np.array(json.loads(finished.stdout.strip().splitlines()[-1]))
    expected = np.array([[h['train_loss'], h['valid_loss']] for h in twin.train_history_])
    np.testing.assert_allclose(losses, expected, rtol=LOSS_RTOL)


def test_a_reduction_kernel_survives_pickling():
    """A compiled sum on the device (GpuCAReduceCPY, with its kernel cache)
    pickles, and the unpickled function builds its kernel again."""
    import pickle
    import theano
    import theano.tensor as T
    x = T.matrix('x')
    f = theano.function([x], T.sum(x ** 2, axis=1))
    assert any(type(n.op).__name__ == 'GpuCAReduceCPY' for n in f.maker.fgraph.toposort())
    data = np.arange(12, dtype=np.float32).reshape(3, 4)
    expected = f(data)
    again = pickle.loads(pickle.dumps(f, -1))
    np.testing.assert_allclose(again(data), expected)


def test_the_kernels_of_net2_are_captured_in_libgpuarray_s_dialect(tmp_path):
    """What the CUDA image compiles with NVRTC (tests/test_docker_images.py):
    the kernels of net2's functions on the device, each written against
    libgpuarray's cluda.h, for CUDA and OpenCL alike."""
    out = tmp_path / 'net2-kernels.json'
    # Theano refuses a device in a child of a process that has one.
    env = {k: v for k, v in os.environ.items() if k != 'THEANO_GPU_IS_ALREADY_ACTIVE'}
    run = subprocess.run([sys.executable, '-m', 'facial_keypoints.kfkd', 'capture_kernels',
                          'net2', str(out)], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    kernels = json.loads(out.read_text())
    assert run.stdout.strip() == '{} kernels of net2: {}'.format(len(kernels), out)
    assert {'GpuCorrMM', 'GpuPool', 'GpuMaxPoolGrad'} <= {k['op'] for k in kernels}
    assert {'im2col_kernel', 'col2im_kernel', 'max_pool2d_kernel'} <= {k['name'] for k in kernels}
    for kernel in kernels:
        assert '#include "cluda.h"' in kernel['code'] and 'KERNEL' in kernel['code']
    assert len({k['code'] for k in kernels}) == len(kernels)
