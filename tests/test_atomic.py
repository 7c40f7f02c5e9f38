"""Files are written whole or not at all: an interrupted or failed write
leaves the old file and no partial one (facial_keypoints/atomic.py)."""
import os
import signal
import subprocess
import sys

import pytest

from facial_keypoints.atomic import atomic_write, partial_name
from facial_keypoints.kaggle import synthetic

pytestmark = pytest.mark.quick


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
from facial_keypoints.atomic import atomic_write
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
