"""The ONNX export: each net's model in onnxruntime predicts what the net
predicts in Theano, the specialists' model what their submission says."""
import os
import shutil

import numpy as np
import pandas as pd
import pytest

from facial_keypoints import cli
from facial_keypoints.model import persist, record, registry
from facial_keypoints.kaggle.datadir import data_file
from facial_keypoints.kaggle.format import KEYPOINT_COLUMNS, LOOKUP_FILE, to_pixels
from facial_keypoints.kaggle.reading import read_lookup_table
from facial_keypoints.kaggle.submission import submission_frame
from facial_keypoints.outputs.onnx_export import to_onnx
from facial_keypoints.outputs.prediction import predict_test_set
from facial_keypoints.model.settings import RunSettings
from facial_keypoints.tutorial.data import load2d
from helpers import assert_one_line_error, run_cli, working_in

ort = pytest.importorskip('onnxruntime')

#: The keypoints' range, in pixels: the tolerance is relative to it.
RANGE = 96.0
#: Nets that take long in Theano (large hidden layers: no pooling, or stacked
#: convolutions), and the definitions that repeat another's layers (net is
#: net8, Net6 net6, net7 and net8 net6's with wider hidden layers).
SLOW = {'Net6NP', 'Net6NPLF', 'CNet_NPLFXL', 'Net6RHL', 'ConvNet_Stack',
        'ConvNet_Stack_Increase_Filter_Size', 'net', 'Net6', 'net7', 'net8'}


def run_onnx(model, X):
    """``model`` (a ModelProto or a file) on images X in onnxruntime."""
    source = model if isinstance(model, str) else model.SerializeToString()
    session = ort.InferenceSession(source, providers=['CPUExecutionProvider'])
    return session.run(None, {'images': X.reshape(-1, 1, 96, 96)})[0]


def untrained(name, **params):
    """Net ``name`` (with ``params``) with random weights and biases (so that
    a wrongly placed bias or an unflipped filter shows), and its settings."""
    net = registry.net_for(RunSettings(net=name))
    net.set_params(verbose=0, **params)
    net.initialize()
    rng = np.random.RandomState(0)
    for layer_params in net.get_all_params():
        value = layer_params.get_value()
        layer_params.set_value((rng.standard_normal(value.shape)
                                * (0.1 if value.ndim == 1 else value.std() or 0.1)
                                ).astype(value.dtype))
    return net


@pytest.fixture(scope='module')
def test_images(train_dir, tmp_path_factory):
    with working_in(tmp_path_factory.mktemp('images'), train_dir):
        return load2d(test=True)[0]


@pytest.mark.parametrize('name', [
    pytest.param(name, marks=[pytest.mark.slow] if name in SLOW else [])
    for name in registry.net_names()])
def test_each_nets_model_predicts_what_theano_does(name, test_images):
    net = untrained(name)
    X = test_images if registry.definition(name).input_2d else \
        test_images.reshape(len(test_images), -1)
    theano = to_pixels(net.predict(X))
    onnx = run_onnx(to_onnx(net), test_images)
    assert onnx.shape == (len(test_images), 30)
    assert np.abs(onnx - theano).max() / RANGE < 1e-5
    assert theano.std() > 1  # the images give different keypoints: a real check


@pytest.mark.parametrize('nonlinearity', ['tanh', 'sigmoid', 'leaky_rectify'])
def test_other_nonlinearities_export_too(nonlinearity, test_images):
    from lasagne import nonlinearities
    net = untrained('net1', hidden_nonlinearity=getattr(nonlinearities, nonlinearity))
    X = test_images.reshape(len(test_images), -1)
    assert np.abs(run_onnx(to_onnx(net), test_images)
                  - to_pixels(net.predict(X))).max() / RANGE < 1e-5


def test_unflipped_filters_would_differ(test_images):
    # The check above sees the flip: a net whose filters are symmetric would not.
    net = untrained('net2')
    W = net.layers_['conv1'].W
    model = to_onnx(net)
    W.set_value(W.get_value()[:, :, ::-1, ::-1].copy())
    flipped = to_pixels(net.predict(test_images))
    assert np.abs(run_onnx(model, test_images) - flipped).max() / RANGE > 1e-3


def test_specialists_model_gives_the_submissions_values(in_data, trained):
    models = persist.load_net(trained['specialists'])
    X, _ = load2d(test=True)
    ours = pd.DataFrame(run_onnx(to_onnx(models), X).clip(0, 96),
                        columns=list(KEYPOINT_COLUMNS),
                        index=predict_test_set(models).index)
    lookup = read_lookup_table(data_file(LOOKUP_FILE))
    theirs = submission_frame(predict_test_set(models), lookup)
    ours = submission_frame(ours, lookup)
    assert list(ours['RowId']) == list(theirs['RowId'])
    assert np.abs(ours['Location'] - theirs['Location']).max() / RANGE < 1e-5


def test_the_preprocessing_is_named_for_the_caller():
    import onnx
    model = to_onnx(untrained('net1'))
    props = {p.key: p.value for p in model.metadata_props}
    assert props['preprocess'] == '' and props['output'].startswith('pixels')
    net = untrained('net1')
    record.set_settings(net, record.settings_of(net).replace(preprocess='equalize_hist'))
    props = {p.key: p.value for p in to_onnx(net).metadata_props}
    assert props['preprocess'] == 'equalize_hist'
    onnx.checker.check_model(model)


def test_export_format_onnx_on_the_command_line(in_data, trained, capsys):
    shutil.copy(trained['net1'], '.')
    assert cli.main(['export', 'net1.pickle', '--format', 'onnx']) == 0
    assert 'Wrote net1.onnx' in capsys.readouterr().out
    assert cli.main(['export', 'net1.pickle']) == 0  # the .npz stays the default
    assert 'Wrote net1.npz' in capsys.readouterr().out
    X, _ = load2d(test=True)
    net = persist.load_net('net1.npz')
    np.testing.assert_allclose(run_onnx('net1.onnx', X),
                               to_pixels(net.predict(X.reshape(len(X), -1))),
                               atol=1e-5 * RANGE, rtol=0)
    assert not [f for f in os.listdir('.') if f.endswith('.partial')]


def test_a_layer_without_an_onnx_form_is_one_line(in_data, capsys):
    from lasagne.nonlinearities import softmax
    net = untrained('net1')
    net.layers_['hidden'].nonlinearity = softmax
    persist.save_net(net, 'odd.pickle')
    code, out, err = run_cli(capsys, ['export', 'odd.pickle', '--format', 'onnx'])
    assert_one_line_error(err, code, 1, 'odd.pickle', "layer 'hidden'", 'softmax')
    assert not os.path.exists('odd.onnx')
    code, out, err = run_cli(capsys, ['export', 'odd.pickle', '--format', 'tflite'])
    assert_one_line_error(err, code, 2, 'tflite')
