"""Reading the Kaggle CSV files: corner cases, caches, and errors that name
the file, row and column (facial_keypoints/kaggle/reading.py)."""
import os

import numpy as np
import pytest

from facial_keypoints.base.errors import DataError
from facial_keypoints.kaggle import reading, synthetic



def test_truncated_cache_is_rebuilt_with_a_notice(tmp_path, capsys):
    directory = synthetic.write_dataset(str(tmp_path / 'd'), 20, 3)
    path = os.path.join(directory, 'training.csv')
    first = reading.read_csv_cached(path)
    cache = path + reading.CACHE_SUFFIX
    with open(cache, 'r+b') as f:
        f.truncate(os.path.getsize(cache) // 2)
    again = reading.read_csv_cached(path)
    assert 'unreadable cache' in capsys.readouterr().err
    np.testing.assert_array_equal(first[2], again[2])
    assert reading.read_csv_cached(path)[1].shape == first[1].shape
    assert capsys.readouterr().err == ''


def test_same_size_edit_with_mtime_restored_is_not_served_stale(tmp_path):
    directory = synthetic.write_dataset(str(tmp_path / 'd'), 20, 3)
    path = os.path.join(directory, 'training.csv')
    reading.read_csv_cached(path)
    stat = os.stat(path)
    text = open(path).read()
    row = text.splitlines()[1]
    first_value = row.split(',')[0]
    changed = '{:.10f}'.format(float(first_value) + 1)[:len(first_value)]
    assert len(changed) == len(first_value) and changed != first_value
    with open(path, 'w') as f:
        f.write(text.replace(row, changed + row[len(first_value):], 1))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert os.path.getsize(path) == stat.st_size
    assert reading.read_csv_cached(path)[1][0, 0] == pytest.approx(float(changed))


@pytest.mark.parametrize('name, content, words', [
    ('training.csv', '\ufeff' + 'BOM', None),
    ('training.csv', 'binary', ['binary file']),
    ('training.csv', 'inf', ['row 1', 'left_eye_center_x', 'finite']),
    ('training.csv', '1e400', ['row 1', 'left_eye_center_x', 'finite']),
    ('test.csv', 'no ImageId', ['ImageId']),
])
def test_csv_corner_cases(name, content, words, tmp_path):
    directory = synthetic.write_dataset(str(tmp_path / 'd'), 5, 2)
    path = os.path.join(directory, name)
    text = open(path).read()
    header, first, rest = text.split('\n', 2)
    if content.startswith('\ufeff'):
        with open(path, 'w', encoding='utf-8') as f:
            f.write('\ufeff' + text)
        assert reading.read_csv_file(path)[1].shape == (5, 30)
        return
    if content == 'binary':
        with open(path, 'wb') as f:
            f.write(b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR' * 10)
    elif content == 'no ImageId':
        with open(path, 'w') as f:
            f.write(text.replace('ImageId,Image', 'Id,Image', 1))
    else:
        with open(path, 'w') as f:
            f.write(header + '\n' + content + first[first.index(','):] + '\n' + rest)
    with pytest.raises(DataError) as error:
        reading.read_csv_file(path)
    message = str(error.value)
    assert '\\x' not in message and len(message) < 300
    for word in words:
        assert word in message


def test_lookup_table_bad_image_id_names_its_row(tmp_path):
    directory = synthetic.write_dataset(str(tmp_path / 'd'), 5, 10)
    path = os.path.join(directory, 'IdLookupTable.csv')
    lines = open(path).read().split('\n')
    parts = lines[5].split(',')
    lines[5] = ','.join([parts[0], 'abc'] + parts[2:])
    with open(path, 'w') as f:
        f.write('\n'.join(lines))
    with pytest.raises(DataError, match="row 5 .*column ImageId.*'abc'|row 5.*ImageId"):
        reading.read_lookup_table(path)


def test_exclusion_file_errors_name_the_line(tmp_path):
    from facial_keypoints.tutorial.data import read_exclusions
    path = tmp_path / 'rows.txt'
    path.write_text('# header\n3\nfour\n')
    with pytest.raises(DataError) as error:
        read_exclusions(str(path))
    assert 'line 3' in str(error.value) and "'four'" in str(error.value)
