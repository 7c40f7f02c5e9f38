"""Figures of trained nets and of the data, from their files to PNG."""
import os
import types

from ..base.errors import UserError
from ..kaggle.format import KEYPOINT_COLUMNS, to_unit
from ..model import persist
from ..model.epoch_log import EPOCH_LOG_SUFFIX, read_epoch_log
from ..model.settings import (CONV1_PNG, LEARNING_CURVES_PNG, NET_PICKLE, PREDICTIONS_PNG,
                              SAMPLES_PNG, SPECIALISTS_PICKLE)
from ..tutorial import plots
from ..tutorial.data import load
from ..tutorial.specialists import SPECIALIST_SETTINGS, specialist_name
from .prediction import predict_test_set


def plot_learning_curves(fname_specialists=SPECIALISTS_PICKLE, out=LEARNING_CURVES_PNG):
    """The specialists' learning curves (or one net's), written to ``out``;
    while they train, from their epoch logs: the folder of the specialists'
    (``net-specialists.logs``), or one net's (``net6.epochs.csv``)."""
    if os.path.isdir(fname_specialists):
        return plots.plot_learning_curves(logged_specialists(fname_specialists), out)
    if fname_specialists.endswith(EPOCH_LOG_SUFFIX):
        history = read_epoch_log(fname_specialists)
        return plots.save_figure(plots.learning_curve_figure(history, fname_specialists), out)
    models = persist.load_net(fname_specialists)
    if isinstance(models, dict):
        return plots.plot_learning_curves(models, out)
    return plots.plot_net_learning_curve(models, out, title=fname_specialists)


def logged_specialists(folder):
    """The specialists whose epoch logs in ``folder`` have rows, as the
    curves take them: {columns: an object with their ``train_history_``
    and ``output_num_units``}."""
    logs = {tuple(setting['columns']): os.path.join(
        folder, specialist_name(setting['columns']) + EPOCH_LOG_SUFFIX)
        for setting in SPECIALIST_SETTINGS}
    logs = {columns: path for columns, path in logs.items() if os.path.exists(path)}
    if not logs:
        raise UserError('{}: no trained net, and no specialist\'s epoch log '
                        '(specialist-N-....epochs.csv) in it'.format(folder))
    found = {}
    for columns, path in logs.items():
        history = read_epoch_log(path)
        if history:
            found[columns] = types.SimpleNamespace(train_history_=history,
                                                   output_num_units=len(columns))
    if not found:
        raise UserError('{}: no specialist has finished an epoch yet (no rows in its '
                        'specialist-*.epochs.csv)'.format(folder))
    return found


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
