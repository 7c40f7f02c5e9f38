"""Kaggle's submission file: one Location per row of ``IdLookupTable.csv``."""
from datetime import datetime

import numpy as np
import pandas as pd

from ..base.atomic import atomic_write
from ..base.errors import DataError


def submission_frame(predictions, lookup_table):
    """RowId, Location for each row of the lookup table, in its order.

    ``predictions`` is a DataFrame in pixels, one column per keypoint,
    indexed by ImageId. (The tutorial looked up each row with ``df.ix``,
    which pandas removed; this takes all rows at once.)
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
        raise DataError('IdLookupTable.csv', 'the nets predict no {}'.format(
            ', '.join(missing)), column='FeatureName')
    rows = predictions.index.get_indexer(image_ids)
    cols = predictions.columns.get_indexer(lookup_table['FeatureName'])
    submission = pd.DataFrame({'RowId': lookup_table['RowId'].values,
                               'Location': predictions.values[rows, cols]})
    if len(submission) != len(lookup_table) or submission['Location'].isna().any():
        raise ValueError('the submission does not answer every lookup row')
    return submission


def default_submission_name():
    """``submission-<timestamp>.csv``, as the tutorial names it."""
    now_str = datetime.now().isoformat().replace(':', '-')
    return 'submission-{}.csv'.format(now_str)


def write_submission(submission, out=None):
    """Write the submission to ``out`` (default: a timestamped name)."""
    out = out or default_submission_name()
    with atomic_write(out, 'w', newline='') as f:
        submission.to_csv(f, index=False)
    return out
