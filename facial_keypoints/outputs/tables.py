"""The table of ``kfkd evaluate``: RMSE in pixels per keypoint, as CSV with
a comment line that says what it was computed on."""
import numpy as np
import pandas as pd

from ..base.atomic import atomic_write
from ..base.errors import UsageError

MEAN_FACE = 'mean face'
LABELLED = 'labelled'
OVERALL = 'all keypoints'


def describe(table):
    """One line: the data and folds a table was computed on."""
    attrs = table.attrs
    return 'data: {} ({}); {} folds, seed {}; {:.0f} s of training per fold'.format(
        attrs['data_source'], attrs['data_dir'], len(attrs['folds']), attrs['seed'],
        np.mean([f['seconds'] for f in attrs['folds']]))


def write_table(table, out):
    """Write ``table`` as CSV, its :func:`describe` line first as a ``#``
    comment (``pandas.read_csv(out, comment='#')`` skips it)."""
    with atomic_write(out, 'w') as f:
        f.write('# {}\n'.format(describe(table)))
        table.to_csv(f, float_format='%.4f')
    return out


def read_table(fname):
    """A table of :func:`write_table`, and its comment line."""
    with open(fname) as f:
        first = f.readline()
    try:
        table = pd.read_csv(fname, comment='#', index_col=0)
    except (ValueError, pd.errors.ParserError) as e:
        raise UsageError('{}: not a table of `kfkd evaluate`: {}'.format(fname, e)) from None
    if LABELLED not in table.columns or MEAN_FACE not in table.columns \
            or len(table.columns) != 3:
        raise UsageError('{}: not a table of `kfkd evaluate` (its columns are {})'.format(
            fname, ', '.join(table.columns)))
    return table, first[1:].strip() if first.startswith('#') else ''
