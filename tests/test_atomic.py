"""Files are written whole or not at all: an interrupted or failed write
leaves the old file and no partial one (facial_keypoints/base/atomic.py)."""
import json
import os
import signal
import subprocess
import sys

import pytest

from facial_keypoints.base.atomic import atomic_write, is_mount_point, partial_name
from facial_keypoints.base.errors import UsageError
from facial_keypoints.kaggle import synthetic
from helpers import mounted



def test_interrupted_synth_leaves_no_partial_data_set(tmp_path, monkeypatch):
    def fail(*args):
        raise KeyboardInterrupt
    monkeypatch.setattr(synthetic, 'write_lookup_files', fail)
    with pytest.raises(KeyboardInterrupt):
        synthetic.write_dataset(str(tmp_path / 'set'), 10, 2)
    assert os.listdir(str(tmp_path)) == []


def test_stale_partial_files_of_dead_processes_are_swept(tmp_path):
    target = str(tmp_path / 'net.pickle')
    dead = subprocess.run([sys.executable, '-c', 'import os; print(os.getpid())'],
                          capture_output=True, text=True).stdout.strip()
    stale = partial_name(target, int(dead))
    alive = partial_name(target, os.getppid())
    for path in (stale, alive):
        with open(path, 'wb') as f:
            f.write(b'half a pickle')
    with atomic_write(target) as f:
        f.write(b'whole')
    assert not os.path.exists(stale) and os.path.exists(alive)
    assert open(target, 'rb').read() == b'whole'


def test_a_failed_write_leaves_the_old_file_and_no_partial(tmp_path):
    target = tmp_path / 'a.csv'
    target.write_text('old')
    with pytest.raises(RuntimeError):
        with atomic_write(str(target), 'w') as f:
            f.write('new, half')
            raise RuntimeError
    assert target.read_text() == 'old' and os.listdir(str(tmp_path)) == ['a.csv']


KILLED_WRITER = '''
import sys, time
from facial_keypoints.base.atomic import atomic_write
with atomic_write(sys.argv[1]) as f:
    f.write(b'x' * 1000000)
    f.flush()
    print('writing', flush=True)
    time.sleep(60)
'''


def test_kill_9_during_a_save_leaves_the_old_file(tmp_path):
    target = tmp_path / 'net.pickle'
    target.write_bytes(b'the good net')
    writer = subprocess.Popen([sys.executable, '-c', KILLED_WRITER, str(target)],
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == 'writing'
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    writer.stdout.close()
    partials = [p for p in os.listdir(str(tmp_path)) if p.endswith('.partial')]
    assert target.read_bytes() == b'the good net' and len(partials) == 1
    with atomic_write(str(target)) as f:
        f.write(b'the next net')
    assert sorted(os.listdir(str(tmp_path))) == ['net.pickle']


def tmpfs(point):
    return mounted(point, '-t', 'tmpfs', '-o', 'size=64m', 'tmpfs')


def listing(directory):
    return sorted(os.listdir(str(directory)))


SET = sorted(['training.csv', 'test.csv', 'IdLookupTable.csv', 'SampleSubmission.csv',
              synthetic.MARKER])


# A folder given to a container (`docker run -v DIR:/data`) is a mount point,
# which cannot be renamed: synth --out /data failed with "Device or resource busy".
def test_synth_onto_a_mount_point_writes_and_replaces_the_set(tmp_path):
    with tmpfs(tmp_path / 'data') as data:
        synthetic.write_dataset(str(data), 10, 2)
        assert listing(data) == SET
        (data / 'training.csv.parsed.npz').write_bytes(b'a cache of the old set')
        synthetic.write_dataset(str(data), 12, 3, seed=5)
        assert listing(data) == SET
        assert json.loads((data / synthetic.MARKER).read_text())['n_train'] == 12
        assert len((data / 'training.csv').read_text().splitlines()) == 13


def test_a_bind_mount_within_one_filesystem_is_a_mount_point(tmp_path):
    (tmp_path / 'host').mkdir()
    with mounted(tmp_path / 'data', '--bind', str(tmp_path / 'host')) as data:
        assert is_mount_point(str(data)) and not os.path.ismount(str(data))
        synthetic.write_dataset(str(data), 10, 2)
    assert listing(tmp_path / 'host') == SET
    assert not is_mount_point(str(tmp_path / 'host'))


def die_after_moving(monkeypatch, directory, count):
    """os.replace raises KeyboardInterrupt once ``count`` files have been
    moved into ``directory``; returns the names moved."""
    moved, replace = [], os.replace

    def dying(source, target):
        if os.path.dirname(target) == str(directory):
            if len(moved) == count:
                raise KeyboardInterrupt
            moved.append(os.path.basename(target))
        replace(source, target)
    monkeypatch.setattr(os, 'replace', dying)
    return moved


@pytest.mark.parametrize('earlier', [False, True], ids=['empty', 'a set there'])
def test_an_interrupted_synth_onto_a_mount_point_can_be_run_again(tmp_path, monkeypatch,
                                                                  earlier):
    with tmpfs(tmp_path / 'data') as data:
        if earlier:
            synthetic.write_dataset(str(data), 10, 2)
        with monkeypatch.context() as patch:
            moved = die_after_moving(patch, data, 2)
            with pytest.raises(KeyboardInterrupt):
                synthetic.write_dataset(str(data), 12, 3, seed=5)
        # the marker is there throughout: moved first, or replaced last
        assert (moved[0] == synthetic.MARKER) != earlier
        assert synthetic.MARKER in listing(data)
        synthetic.write_dataset(str(data), 12, 3, seed=5)
        assert listing(data) == SET
        assert json.loads((data / synthetic.MARKER).read_text())['n_train'] == 12


@pytest.mark.parametrize('theirs', ['notes.txt', 'training.csv'])
def test_a_mount_point_with_other_files_is_refused(tmp_path, theirs):
    with tmpfs(tmp_path / 'data') as data:
        (data / theirs).write_text('mine')
        with pytest.raises(UsageError, match='holds other files'):
            synthetic.write_dataset(str(data), 10, 2)
        assert listing(data) == [theirs] and (data / theirs).read_text() == 'mine'
