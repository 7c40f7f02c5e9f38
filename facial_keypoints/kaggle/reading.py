"""Reading Kaggle's CSV files: validated, vectorised, cached.

The ``Image`` column is parsed vectorised rather than row by row with the
tutorial's ``np.fromstring`` (deprecated and slow), and the parsed arrays are
cached beside the CSV; the arrays are identical to the tutorial's.
"""
import difflib
import io
import os
import sys
import warnings
import zipfile

import numpy as np
import pandas as pd

from ..base.atomic import save_npz
from ..base.errors import DataError
from .format import IMAGE_SIZE, KEYPOINT_COLUMNS, N_PIXELS, TEST_FILE, TRAIN_FILE

CACHE_SUFFIX = '.parsed.npz'
CACHE_VERSION = 1


def parse_images(strings, path='<data>', first_row=1):
    """Parse Kaggle ``Image`` strings into a uint8 array of shape (n, 9216).

    One C-level parse of all rows joined (NumPy's text-mode ``fromstring``,
    which unlike its binary mode is not deprecated: the tutorial was slow
    because it called it once per row). Raises :class:`DataError` naming the
    row for a missing image, a wrong pixel count, a non-numeric token or a
    value outside 0-255.
    """
    rows = []
    for i, s in enumerate(strings):
        if not isinstance(s, str) or not s.strip():
            raise DataError(path, 'Image is missing', first_row + i, 'Image')
        if s.startswith(' ') or s.endswith(' ') or '  ' in s:
            s = ' '.join(s.split())  # the tutorial's parser allows any spacing
        count = s.count(' ') + 1
        if count != N_PIXELS:
            raise DataError(path, '{} pixel values, expected {} (96x96)'.format(
                count, N_PIXELS), first_row + i, 'Image')
        rows.append(s)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', DeprecationWarning)  # unmatched data
            values = np.fromstring(' '.join(rows), dtype=np.int32, sep=' ')
    except ValueError:  # NumPy >= 2 raises where 1.x warned and stopped
        values = None
    if values is None or values.size != len(rows) * N_PIXELS:  # a non-numeric token
        for i, s in enumerate(rows):
            token = next((t for t in s.split() if not t.isdigit()), None)
            if token is not None:
                raise DataError(path, 'non-numeric pixel value {}'.format(
                    _shown(token)), first_row + i, 'Image')
    values = values.reshape(len(rows), N_PIXELS)
    bad = (values < 0) | (values > 255)
    if bad.any():
        row, column = np.unravel_index(np.argmax(bad), bad.shape)
        raise DataError(path, 'pixel value {} is out of range 0-255'.format(
            values[row, column]), first_row + int(row), 'Image')
    return values.astype(np.uint8)


def _check_columns(path, columns, required):
    missing = [c for c in required if c not in columns]
    if missing:
        extra = [c for c in columns if c not in required]
        hint = difflib.get_close_matches(missing[0], extra, n=1)
        raise DataError(path, 'missing column {!r}{}; the file has {}'.format(
            missing[0], ' (misnamed as {!r}?)'.format(hint[0]) if hint else '',
            ', '.join(columns)), column=missing[0])


def _shown(text, limit=40):
    """``text`` for a message: quoted, and cut short when long."""
    return repr(text if len(text) <= limit else text[:limit] + '...')


def _is_overflow(text):
    try:
        return np.isinf(float(text))
    except ValueError:
        return False


def _numeric(path, frame, columns):
    values = np.empty((len(frame), len(columns)))
    for j, column in enumerate(columns):
        parsed = pd.to_numeric(frame[column], errors='coerce')
        bad = parsed.isna() & frame[column].notna()
        if bad.any():
            row = int(np.argmax(bad.values))
            text = frame[column].iloc[row]
            raise DataError(path, '{} {}'.format(
                'not a finite number:' if _is_overflow(text) else 'non-numeric value',
                _shown(text)), row + 1, column)
        infinite = np.isinf(parsed.values)
        if infinite.any():
            row = int(np.argmax(infinite))
            raise DataError(path, 'not a finite number: {}'.format(
                _shown(frame[column].iloc[row])), row + 1, column)
        values[:, j] = parsed.values
    return values


def read_csv_file(path):
    """Read a Kaggle CSV into (column names, float64 values, uint8 images).

    ``values`` holds every column but ``Image`` (NaN where empty). Each line
    is split at its last comma, since ``Image`` is Kaggle's last column, so
    only the short keypoint part goes through pandas.
    """
    if not os.path.exists(path):
        raise DataError(path, 'file not found')
    with open(path, 'rb') as f:
        content = f.read()
    if b'\0' in content[:65536]:
        raise DataError(path, 'a binary file, not a CSV text file')
    # utf-8-sig drops the byte order mark that Excel writes.
    lines = [line for line in content.decode('utf-8-sig', errors='replace').splitlines()
             if line.strip()]
    if not lines:
        raise DataError(path, 'the file is empty')
    header = [name.strip() for name in lines[0].split(',')]
    if len(lines) == 1:
        raise DataError(path, 'the file has a header but no rows')
    # test.csv is known by its name, other files by their header.
    is_test = (os.path.basename(path) == TEST_FILE if os.path.basename(path)
               in (TEST_FILE, TRAIN_FILE) else 'ImageId' in header)
    columns = ['ImageId'] if is_test else list(KEYPOINT_COLUMNS)
    _check_columns(path, header, columns + ['Image'])
    if header[-1] != 'Image':
        raise DataError(path, 'Image must be the last column, as in Kaggle\'s '
                        'files', column='Image')
    parts = [line.rpartition(',') for line in lines[1:]]
    for i, (head, comma, _) in enumerate(parts):
        if not comma or head.count(',') != len(header) - 2:
            raise DataError(path, '{} fields, expected {}'.format(
                head.count(',') + 1 + bool(comma), len(header)), i + 1)
    frame = pd.read_csv(io.StringIO('\n'.join(
        [','.join(header[:-1])] + [head for head, _, _ in parts])),
        dtype=str, keep_default_na=False, na_values=[''])
    values = _numeric(path, frame, columns)
    images = parse_images([image for _, _, image in parts], path)
    if not is_test:
        _warn_outside_image(path, values)
    return columns, values, images


def _warn_outside_image(path, values):
    outside = (values < 0) | (values > IMAGE_SIZE)
    if outside.any():
        rows = np.flatnonzero(outside.any(axis=1))
        warnings.warn('{}: {} keypoint values in {} rows lie outside the 96x96 '
                      'image (first: row {})'.format(
                          os.path.basename(path), int(outside.sum()), len(rows),
                          rows[0] + 1))


def _source_stamp(path):
    # ctime and inode change with any write or replacement of the file, and
    # cannot be set back by hand as mtime can.
    stat = os.stat(path)
    return [CACHE_VERSION, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns,
            stat.st_ino]


def _read_cache(cache, stamp):
    """The cached arrays when ``cache`` matches ``stamp``, else None."""
    try:
        with np.load(cache, allow_pickle=False) as z:
            if z['stamp'].tolist() == stamp:
                return z['columns'].tolist(), z['values'], z['images']
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
        print('{}: unreadable cache ({}); rebuilding it'.format(
            cache, type(e).__name__), file=sys.stderr)
    return None


def read_csv_cached(path):
    """:func:`read_csv_file`, through an on-disk cache beside ``path``.

    The cache (``<name>.parsed.npz``) is rebuilt when the CSV's size,
    modification or change time or inode differ from when it was made, or
    when it cannot be read; it is written atomically, and a directory we
    cannot write to just goes without.
    """
    path = os.path.expanduser(path)
    if os.path.isdir(path):
        raise DataError(path, 'is a directory, not a CSV file')
    if not os.path.exists(path):
        raise DataError(path, 'file not found')
    cache = path + CACHE_SUFFIX
    stamp = _source_stamp(path)
    if os.path.exists(cache):
        cached = _read_cache(cache, stamp)
        if cached is not None:
            return cached
    columns, values, images = read_csv_file(path)
    try:
        save_npz(cache, dict(stamp=np.array(stamp), columns=np.array(columns),
                             values=values, images=images))
    except OSError:
        pass  # a read-only data directory: parse again next time
    return columns, values, images


def read_lookup_table(path):
    """Read ``IdLookupTable.csv`` (RowId, ImageId, FeatureName, Location)."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False,
                            encoding='utf-8-sig')
    except pd.errors.EmptyDataError:
        raise DataError(path, 'the file is empty') from None
    except (UnicodeDecodeError, pd.errors.ParserError) as e:
        raise DataError(path, 'not a CSV file ({})'.format(
            type(e).__name__)) from None
    _check_columns(path, list(frame.columns), ['RowId', 'ImageId', 'FeatureName'])
    for column in ('RowId', 'ImageId'):
        values = _numeric(path, frame, [column])[:, 0]
        bad = ~np.isfinite(values) | (values != np.round(values))
        if bad.any():
            row = int(np.argmax(bad))
            raise DataError(path, 'not a whole number: {!r}'.format(
                frame[column].iloc[row]), row + 1, column)
        frame[column] = values.astype(np.int64)
    unknown = ~frame['FeatureName'].isin(KEYPOINT_COLUMNS)
    if unknown.any():
        row = int(np.argmax(unknown.values))
        raise DataError(path, 'unknown feature {!r}'.format(
            frame['FeatureName'].iloc[row]), row + 1, 'FeatureName')
    return frame
