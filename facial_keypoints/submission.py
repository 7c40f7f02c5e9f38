"""Predicting the test set and writing a Kaggle submission."""
from collections import OrderedDict
from datetime import datetime

import numpy as np
import pandas as pd
from nolearn.lasagne import NeuralNet

from .atomic import atomic_write
from .data import (KEYPOINT_COLUMNS, TEST_FILE, DataError, data_file, load, load2d,
                   read_csv_cached, read_lookup_table)
from .nets import input_is_2d
from .persist import load_net


def as_specialists(models):
    """An OrderedDict {columns: net}: a specialists pickle's content as is,
    or a single 30-output net as the one specialist for every column."""
    if isinstance(models, NeuralNet):
        return OrderedDict([(KEYPOINT_COLUMNS, models)])
    if isinstance(models, dict):
        return models
    raise ValueError('expected a NeuralNet or a specialists dict, not a '
                     '{}'.format(type(models).__name__))


def predict_test_set(models):
    """Predict every test image; return a DataFrame in pixels, one column
    per keypoint, indexed by test.csv's ImageId."""
    specialists = as_specialists(models)
    X, kind = None, None
    predictions, columns = [], ()
    for cols, model in specialists.items():
        preprocess = getattr(model, 'preprocess_', None)
        if (input_is_2d(model), preprocess) != kind:
            kind = (input_is_2d(model), preprocess)
            X = (load2d if kind[0] else load)(test=True, preprocess=preprocess)[0]
        predictions.append(model.predict(X))
        columns += tuple(cols)

    y_pred = np.hstack(predictions) * 48 + 48
    y_pred = y_pred.clip(0, 96)
    _, ids, _ = read_csv_cached(data_file(TEST_FILE))
    return pd.DataFrame(y_pred, columns=columns,
                        index=pd.Index(ids[:, 0].astype(int), name='ImageId'))


def submission_frame(predictions, lookup_table):
    """RowId, Location for each row of the lookup table, in its order.

    (The tutorial looked up each row with ``df.ix``, which pandas removed;
    this takes all rows at once.)
    """
    image_ids = lookup_table['ImageId'].values
    unknown = ~np.isin(image_ids, predictions.index.values)
    if unknown.any():
        row = int(np.argmax(unknown))
        raise DataError('IdLookupTable.csv', 'ImageId {} is not in the test set '
                        '({} images)'.format(image_ids[row], len(predictions)),
                        row + 1, 'ImageId')
    missing = sorted(set(lookup_table['FeatureName']) - set(predictions.columns))
    if missing:
        raise ValueError('the models predict no {}'.format(', '.join(missing)))
    rows = predictions.index.get_indexer(image_ids)
    cols = predictions.columns.get_indexer(lookup_table['FeatureName'])
    submission = pd.DataFrame({'RowId': lookup_table['RowId'].values,
                               'Location': predictions.values[rows, cols]})
    if len(submission) != len(lookup_table) or submission['Location'].isna().any():
        raise ValueError('the submission does not answer every lookup row')
    return submission


def predict(fname_specialists='net-specialists.pickle', out=None):
    """Write ``submission-<timestamp>.csv`` from a specialists pickle or a
    single-net pickle; return the file name."""
    models = load_net(fname_specialists)
    submission = submission_frame(predict_test_set(models), read_lookup_table())
    if out is None:
        now_str = datetime.now().isoformat().replace(':', '-')
        out = 'submission-{}.csv'.format(now_str)
    with atomic_write(out, 'w', newline='') as f:
        submission.to_csv(f, index=False)
    print("Wrote {}".format(out))
    return out
