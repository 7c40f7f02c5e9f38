"""Figures of trained nets and of the data, from their files to PNG."""
from ..kaggle.format import KEYPOINT_COLUMNS, to_unit
from ..model import persist
from ..model.epoch_log import EPOCH_LOG_SUFFIX, read_epoch_log
from ..model.settings import (CONV1_PNG, LEARNING_CURVES_PNG, NET_PICKLE, PREDICTIONS_PNG,
                              SAMPLES_PNG, SPECIALISTS_PICKLE)
from ..tutorial import plots
from ..tutorial.data import load
from .prediction import predict_test_set


def plot_learning_curves(fname_specialists=SPECIALISTS_PICKLE, out=LEARNING_CURVES_PNG):
    """The specialists' learning curves (or one net's), written to ``out``;
    one net's from its epoch log (``net6.epochs.csv``) too, which a run
    writes as it trains."""
    if fname_specialists.endswith(EPOCH_LOG_SUFFIX):
        history = read_epoch_log(fname_specialists)
        return plots.save_figure(plots.learning_curve_figure(history, fname_specialists), out)
    models = persist.load_net(fname_specialists)
    if isinstance(models, dict):
        return plots.plot_learning_curves(models, out)
    return plots.plot_net_learning_curve(models, out, title=fname_specialists)


def plot_samples(out=SAMPLES_PNG, test=False):
    """A grid of 16 images with their keypoints (training data) or without."""
    X, y = load(test=test)
    return plots.plot_samples(X, y, out)


def plot_predictions(net_file=NET_PICKLE, out=PREDICTIONS_PNG):
    """A grid of 16 test images with a net's predicted keypoints."""
    predictions = predict_test_set(persist.load_net(net_file))
    X, _ = load(test=True)
    y = to_unit(predictions.reindex(columns=list(KEYPOINT_COLUMNS)).values)
    return plots.plot_samples(X, y, out)


def plot_conv1(net_file=NET_PICKLE, out=CONV1_PNG):
    """The first convolution layer's learned filters."""
    return plots.plot_conv1_weights(persist.load_single_net(net_file), out)
