"""Predicting the test set with trained nets, and the tutorial's ``predict``."""
from collections import OrderedDict

import numpy as np
import pandas as pd
from nolearn.lasagne import NeuralNet

from . import persist
from .inputs import load_for, preprocessing_of, takes_images
from .kaggle.datadir import data_file
from .kaggle.format import KEYPOINT_COLUMNS, LOOKUP_FILE, TEST_FILE, to_pixels
from .kaggle.reading import read_csv_cached, read_lookup_table
from .kaggle.submission import submission_frame, write_submission


def as_specialists(models):
    """An OrderedDict {columns: net}: a specialists dict as is, or a single
    30-output net as the one specialist for every column."""
    if isinstance(models, NeuralNet):
        return OrderedDict([(KEYPOINT_COLUMNS, models)])
    return models


def predict_test_set(models):
    """Predict every test image; return a DataFrame in pixels, one column
    per keypoint, indexed by test.csv's ImageId."""
    inputs = {}
    predictions, columns = [], ()
    for cols, model in as_specialists(models).items():
        kind = (takes_images(model), preprocessing_of(model))
        if kind not in inputs:
            inputs[kind] = load_for(model, test=True)[0]
        predictions.append(model.predict(inputs[kind]))
        columns += tuple(cols)

    y_pred = to_pixels(np.hstack(predictions)).clip(0, 96)
    _, ids, _ = read_csv_cached(data_file(TEST_FILE))
    return pd.DataFrame(y_pred, columns=columns,
                        index=pd.Index(ids[:, 0].astype(int), name='ImageId'))


def predict(fname_specialists='net-specialists.pickle', out=None):
    """Write ``submission-<timestamp>.csv`` from a specialists pickle, a
    single-net pickle or their ``.npz``; return the file name."""
    models = persist.load_net(fname_specialists)
    submission = submission_frame(predict_test_set(models),
                                  read_lookup_table(data_file(LOOKUP_FILE)))
    return write_submission(submission, out)
