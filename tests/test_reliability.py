"""Bad files, bad arguments and faults: one line, the right exit code, no
traceback, and nothing lost or half-written."""
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

from facial_keypoints import cli, kfkd, persist
from facial_keypoints.atomic import atomic_write, partial_name
from facial_keypoints.kaggle import datadir, reading, synthetic


@pytest.fixture(scope='module')
def trained(train_dir, tmp_path_factory):
    """net1 (1 epoch) and specialists from it (1 epoch each), as files."""
    directory = tmp_path_factory.mktemp('trained')
    cwd = os.getcwd()
    os.chdir(str(directory))
    datadir.set_data_dir(train_dir)
    try:
        kfkd.fit('net1', max_epochs=1)
        kfkd.fit_specialists('net1.pickle', epochs=1)
    finally:
        datadir.set_data_dir(None)
        os.chdir(cwd)
    return {'net1': str(directory / 'net1.pickle'),
            'specialists': str(directory / 'net-specialists.pickle')}


def bad_pickles(directory, trained):
    with open(trained['net1'], 'rb') as f:
        good = f.read()
    files = {
        'empty': b'',
        'truncated': good[:len(good) // 2],
        'text': b'net1 is not here\n',
        'dict': pickle.dumps({'a': 1}),
        'array': pickle.dumps(np.arange(3)),
        'int': pickle.dumps(7),
    }
    paths = {}
    for name, content in files.items():
        paths[name] = str(directory / (name + '.pickle'))
        with open(paths[name], 'wb') as f:
            f.write(content)
    paths['missing'] = str(directory / 'missing.pickle')
    paths['directory'] = str(directory)
    return paths


COMMANDS = [
    ['predict', '{}'],
    ['export', '{}'],
    ['plot_learning_curves', '{}'],
    ['plot_conv1', '{}'],
    ['plot_predictions', '{}'],
    ['report', '{}'],
    ['clean', '{}'],
    ['fit', 'net1', '--resume', '{}'],
    ['fit_specialists', '{}'],
]


def run_cli(capsys, argv):
    try:
        code = cli.main(argv)
    except SystemExit as e:  # argparse's errors
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err, code, expected_code, *words):
    assert code == expected_code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: '), err
    assert 'Traceback' not in err
    for word in words:
        assert word in lines[0], (word, lines[0])


@pytest.mark.parametrize('command', COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize('case', ['missing', 'directory', 'empty', 'truncated',
                                  'text', 'dict', 'array', 'int'])
def test_bad_trained_net_files(command, case, in_data, trained, tmp_path, capsys):
    paths = bad_pickles(tmp_path, trained)
    before = sorted(os.listdir(str(tmp_path)))
    argv = [a.format(paths[case]) for a in command]
    code, out, err = run_cli(capsys, argv)
    expected = 2 if case in ('missing', 'directory') else 1
    assert_one_line_error(err, code, expected, os.path.basename(paths[case]))
    assert 'Resuming' not in out
    assert sorted(os.listdir(str(tmp_path))) == before


@pytest.mark.parametrize('argv, expected_code, words', [
    (['fit', 'net1', '--resume', '{specialists}'], 1, ['6 specialists']),
    (['plot_conv1', '{net1}'], 2, ['conv1']),
    (['fit_specialists', '{specialists}'], 1, ['6 specialists']),
])
def test_the_wrong_kind_of_net(argv, expected_code, words, in_data, trained, capsys):
    code, out, err = run_cli(capsys, [a.format(**trained) for a in argv])
    assert_one_line_error(err, code, expected_code, *words)
    assert 'Resuming' not in out


@pytest.mark.parametrize('argv, words', [
    (['fit', 'net1', '--max-epochs', '0'], ['--max-epochs', 'at least 1']),
    (['fit', 'net1', '--max-epochs', '-3'], ['--max-epochs']),
    (['fit', 'net9'], ['unknown net']),
    (['fit', 'net1', '--exclude', '/missing/rows.txt'], ['/missing/rows.txt']),
    (['synth', '--out', 'x', '--n-train', '0'], ['--n-train']),
    (['synth', '--out', 'x', '--n-train', '-1'], ['--n-train']),
    (['synth', '--out', 'x', '--n-test', 'many'], ['--n-test', 'many']),
    (['sweep', 'net1', 'no_such_param', '1', '2'], ['no_such_param']),
    (['sweep', 'net1', 'hidden_num_units', 'abc'], ['hidden_num_units', 'abc']),
    (['sweep', 'net1', 'preprocess', 'sharpen'], ['sharpen']),
    (['demo', '--max-epochs', '0'], ['--max-epochs']),
])
def test_bad_arguments_exit_2(argv, words, in_data, capsys):
    before = sorted(os.listdir('.'))
    code, _, err = run_cli(capsys, argv)
    assert_one_line_error(err, code, 2, *words)
    assert sorted(os.listdir('.')) == before


def test_synth_refuses_a_file_and_a_foreign_directory(tmp_path, capsys):
    (tmp_path / 'file').write_text('x')
    (tmp_path / 'other').mkdir()
    (tmp_path / 'other' / 'notes.txt').write_text('mine')
    for target in ('file', 'other'):
        code, _, err = run_cli(capsys, ['synth', '--out', str(tmp_path / target),
                                        '--n-train', '5', '--n-test', '2'])
        assert_one_line_error(err, code, 2, target)
    assert (tmp_path / 'file').read_text() == 'x'
    assert os.listdir(str(tmp_path / 'other')) == ['notes.txt']


def test_interrupted_synth_leaves_no_partial_data_set(tmp_path, monkeypatch):
    def fail(*args):
        raise KeyboardInterrupt
    monkeypatch.setattr(synthetic, 'write_lookup_files', fail)
    with pytest.raises(KeyboardInterrupt):
        synthetic.write_dataset(str(tmp_path / 'set'), 10, 2)
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize('argv', [
    ['plot_samples', '--out', '{file}/x.png'],
    ['plot_learning_curves', '{net1}', '--out', '/proc/version/x.png'],
    ['export', '{net1}', '--out', '{file}/net1.npz'],
])
def test_unwritable_outputs(argv, in_data, trained, tmp_path, capsys):
    (tmp_path / 'file').write_text('x')
    argv = [a.format(file=tmp_path / 'file', **trained) for a in argv]
    code, _, err = run_cli(capsys, argv)
    assert_one_line_error(err, code, 1)
    assert (tmp_path / 'file').read_text() == 'x'


def test_fit_never_loses_the_trained_net(in_data, tmp_path, monkeypatch, capsys):
    (tmp_path / 'file').write_text('x')
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    os.makedirs(str(tmp_path / 'home'))
    code, _, err = run_cli(capsys, ['fit', 'net1', '--max-epochs', '1', '--out',
                                    str(tmp_path / 'file' / 'net1.pickle')])
    assert_one_line_error(err, code, 1, 'saved to')
    rescued = [f for f in os.listdir(str(tmp_path / 'home')) if f.endswith('net1.pickle')]
    assert len(rescued) == 1
    net = persist.load_net(str(tmp_path / 'home' / rescued[0]))
    assert len(net.train_history_) == 1


def test_ctrl_c_exits_130_in_one_line(in_data, monkeypatch, capsys):
    from facial_keypoints import training

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(training, 'load_for', interrupted)
    code, _, err = run_cli(capsys, ['fit', 'net1'])
    assert code == 130 and err.strip() == 'error: interrupted'


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
    from facial_keypoints.errors import DataError
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
    from facial_keypoints.errors import DataError
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
    from facial_keypoints.errors import DataError
    from facial_keypoints.tutorial.data import read_exclusions
    path = tmp_path / 'rows.txt'
    path.write_text('# header\n3\nfour\n')
    with pytest.raises(DataError) as error:
        read_exclusions(str(path))
    assert 'line 3' in str(error.value) and "'four'" in str(error.value)


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
    import signal
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


@pytest.fixture
def full_disk(tmp_path):
    """A 256 KiB tmpfs, where this machine lets the tests mount one."""
    mount = tmp_path / 'small'
    mount.mkdir()
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip('cannot mount a tmpfs here')
    yield mount
    subprocess.run(['umount', str(mount)], check=True)


# numpy's savez left its zip archive open on a failed write; the garbage
# collector then printed a traceback after the one-line error.
@pytest.mark.filterwarnings('error::pytest.PytestUnraisableExceptionWarning')
def test_disk_full_during_a_save(in_data, trained, full_disk, capsys, monkeypatch):
    (full_disk / 'net1.npz').write_bytes(b'old')
    code, _, err = run_cli(capsys, ['export', trained['net1'], '--out',
                                    str(full_disk / 'net1.npz')])
    assert_one_line_error(err, code, 1, 'No space left on device')
    assert os.listdir(str(full_disk)) == ['net1.npz']
    assert (full_disk / 'net1.npz').read_bytes() == b'old'
    monkeypatch.setenv('HOME', str(full_disk.parent))
    code, _, err = run_cli(capsys, ['fit', 'net1', '--max-epochs', '1', '--out',
                                    str(full_disk / 'net1.pickle')])
    assert_one_line_error(err, code, 1, 'No space left on device', 'saved to')
    assert os.listdir(str(full_disk)) == ['net1.npz']


def test_a_log_written_to_a_file_is_plain(in_data, tmp_path):
    log = tmp_path / 'log'
    with open(str(log), 'w') as f:
        subprocess.run([sys.executable, '-m', 'facial_keypoints.kfkd', 'fit', 'net2',
                        '--max-epochs', '1', '--data-dir', in_data],
                       stdout=f, stderr=subprocess.STDOUT, check=True)
    text = log.read_text()
    assert 'Warning' not in text and '\x1b' not in text
    assert 'trn loss' in text and '      1  ' in text
    assert 'training.csv: 600 rows' in text and 'dtype: int64' not in text


def test_a_terminal_is_interactive_and_a_file_is_not():
    import pty
    from facial_keypoints.console import is_interactive
    master, slave = pty.openpty()
    with os.fdopen(slave, 'w') as terminal:
        assert is_interactive(terminal)
    os.close(master)
    assert not is_interactive(open(os.devnull, 'w'))
