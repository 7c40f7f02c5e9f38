"""Predicting the test set with trained nets, and the tutorial's ``predict``."""
from collections import OrderedDict

import pandas as pd
from nolearn.lasagne import NeuralNet

from ..kaggle.datadir import data_file
from ..kaggle.format import KEYPOINT_COLUMNS, LOOKUP_FILE, TEST_FILE, to_pixels
from ..kaggle.reading import read_csv_cached, read_lookup_table
from ..kaggle.submission import submission_frame, write_submission
from ..model import persist
from ..model.inputs import load_for, preprocessing_of, takes_images
from ..model.settings import SPECIALISTS_PICKLE


def as_specialists(models):
    """An OrderedDict {columns: net}: a specialists dict as is, or a single
    30-output net as the one specialist for every column."""
    if isinstance(models, NeuralNet):
        return OrderedDict([(KEYPOINT_COLUMNS, models)])
    return models


def predict_columns(models, load):
    """Each net's predictions in pixels, clipped to the image as a
    submission is: a dict {column: values}. ``load(net)`` gives the inputs
    a net takes; it is called once per kind of input (flat or images, and
    preprocessing), however many nets share it."""
    inputs, predicted = {}, {}
    for cols, model in as_specialists(models).items():
        kind = (takes_images(model), preprocessing_of(model))
        if kind not in inputs:
            inputs[kind] = load(model)
        values = to_pixels(model.predict(inputs[kind])).clip(0, 96)
        predicted.update(zip(cols, values.T))
    return predicted


def predict_test_set(models):
    """Predict every test image; return a DataFrame in pixels, one column
    per keypoint, indexed by test.csv's ImageId."""
    predicted = predict_columns(models, lambda model: load_for(model, test=True)[0])
    _, ids, _ = read_csv_cached(data_file(TEST_FILE))
    return pd.DataFrame(predicted, index=pd.Index(ids[:, 0].astype(int), name='ImageId'))


def predict(fname_specialists=SPECIALISTS_PICKLE, out=None):
    """Write ``submission-<timestamp>.csv`` from a specialists pickle, a
    single-net pickle or their ``.npz``; return the file name."""
    models = persist.load_net(fname_specialists)
    submission = submission_frame(predict_test_set(models),
                                  read_lookup_table(data_file(LOOKUP_FILE)))
    return write_submission(submission, out)
