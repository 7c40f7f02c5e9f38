"""Bad files, bad arguments and faults: one line, the right exit code, no
traceback, and nothing lost or half-written."""
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

from facial_keypoints import cli
from facial_keypoints.model import persist
from facial_keypoints.model.epoch_log import read_epoch_log
from helpers import assert_one_line_error, mounted, run_cli


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


@pytest.mark.parametrize('command', COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize('case', ['missing', 'directory', 'empty', 'truncated',
                                  'text', 'dict', 'array', 'int'])
def test_bad_trained_net_files(command, case, in_data, trained, tmp_path, capsys):
    paths = bad_pickles(tmp_path, trained)
    before = sorted(os.listdir(str(tmp_path)))
    argv = [a.format(paths[case]) for a in command]
    code, out, err = run_cli(capsys, argv)
    expected = 2 if case in ('missing', 'directory') else 1
    if case == 'directory' and command[0] == 'plot_learning_curves':
        expected = 1  # a folder it reads: the specialists' epoch logs
    assert_one_line_error(err, code, expected, os.path.basename(paths[case]))
    assert 'Continuing' not in out
    assert sorted(os.listdir(str(tmp_path))) == before


@pytest.mark.parametrize('argv, expected_code, words', [
    (['fit', 'net1', '--resume', '{specialists}'], 1, ['6 specialists']),
    (['plot_conv1', '{net1}'], 2, ['conv1']),
    (['fit_specialists', '{specialists}'], 1, ['6 specialists']),
])
def test_the_wrong_kind_of_net(argv, expected_code, words, in_data, trained, capsys):
    code, out, err = run_cli(capsys, [a.format(**trained) for a in argv])
    assert_one_line_error(err, code, expected_code, *words)
    assert 'Continuing' not in out


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
    (['sweep', 'net1', 'hidden_num_units', '5', '--out', 'sweep.txt'], ['--out sweep.txt',
                                                                       '.csv']),
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


def test_fit_never_loses_the_trained_net(in_data, tmp_path, monkeypatch, capsys, trains):
    (tmp_path / 'file').write_text('x')
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    os.makedirs(str(tmp_path / 'home'))
    code, out, err = run_cli(capsys, ['fit', 'net1', '--max-epochs', '1', '--out',
                                      str(tmp_path / 'file' / 'net1.pickle')])
    assert_one_line_error(err, code, 1, 'saved to')
    assert 'Not writing the epoch log {}'.format(tmp_path / 'file' / 'net1.epochs.csv') in out
    rescued = [f for f in os.listdir(str(tmp_path / 'home')) if f.endswith('net1.pickle')]
    assert len(rescued) == 1
    net = persist.load_net(str(tmp_path / 'home' / rescued[0]))
    assert len(net.train_history_) == 1


def test_ctrl_c_exits_130_in_one_line(in_data, monkeypatch, capsys):
    from facial_keypoints.longrun import train

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(train, 'load_as', interrupted)
    code, _, err = run_cli(capsys, ['fit', 'net1'])
    assert code == 130 and err.strip() == 'error: interrupted'


@pytest.fixture
def full_disk(tmp_path):
    """A 256 KiB tmpfs."""
    with mounted(tmp_path / 'small', '-t', 'tmpfs', '-o', 'size=256k', 'tmpfs') as mount:
        yield mount


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
    # no part of the pickle; its one epoch's row, whole
    assert sorted(os.listdir(str(full_disk))) == ['net1.epochs.csv', 'net1.npz']
    assert [row['epoch'] for row in read_epoch_log(str(full_disk / 'net1.epochs.csv'))] == [1]


def test_a_log_written_to_a_file_is_plain(in_data, tmp_path, trains):
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
    from facial_keypoints.base.console import is_interactive
    master, slave = pty.openpty()
    with os.fdopen(slave, 'w') as terminal:
        assert is_interactive(terminal)
    os.close(master)
    assert not is_interactive(open(os.devnull, 'w'))


def test_cli_usage_and_help(capsys):
    assert cli.main([]) == 2
    assert 'fit_specialists' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(['fit', '--help'])
    assert '--max-epochs' in capsys.readouterr().out


def test_cli_reports_bad_data_cleanly(tmp_path, capsys):
    assert cli.main(['fit', 'net1', '--data-dir', str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith('error: training.csv: file not found') and len(err.splitlines()) == 1
    assert not os.path.exists('net1.pickle')


HELP = '''
import sys
from facial_keypoints import cli
try:
    cli.main(sys.argv[1:])
except SystemExit:
    pass
print('theano' in sys.modules, 'lasagne' in sys.modules, 'pandas' in sys.modules)
'''


@pytest.mark.parametrize('argv', [['--help'], ['fit', '--help'], ['evaluate', '--help'],
                                  []])
def test_help_loads_no_theano_and_says_nothing_on_stderr(argv):
    run = subprocess.run([sys.executable, '-c', HELP] + argv, capture_output=True,
                         text=True)
    assert run.stderr == ''
    assert run.stdout.split()[-3:] == ['False', 'False', 'False']
    assert 'usage: python -m facial_keypoints.kfkd' in run.stdout


def test_every_command_has_its_options_beside_it():
    names = [c.name for c in cli.COMMANDS]
    assert len(set(names)) == len(names)
    readme = open(os.path.join(os.path.dirname(__file__), '..', 'README.rst')).read()
    assert [name for name in names if name not in readme] == []
    fit = next(c for c in cli.COMMANDS if c.name == 'fit')
    flags = [f for flags, _ in fit.arguments for f in flags]
    assert {'--max-epochs', '--resume', '--restart', '--checkpoint-every'} <= set(flags)
    assert '--workers' not in flags  # one net: nothing to spread
    for name in ('fit_specialists', 'evaluate', 'sweep', 'reproduce'):
        command = next(c for c in cli.COMMANDS if c.name == name)
        assert {'--workers', '--scheduler', '--tls-ca'} <= {
            f for flags, _ in command.arguments for f in flags}, name


def test_library_parameters_become_options_in_errors():
    from facial_keypoints.base.errors import UsageError
    error = UsageError('`max_epochs` must be at least 1; or start over with `restart`; '
                       'see `kfkd export FILE`')
    assert error.describe(cli.option) == ('--max-epochs must be at least 1; or start '
                                          'over with --restart; see `kfkd export FILE`')
    assert cli.option('net') == 'NAME' and cli.option('data') == '--data-dir'


@pytest.mark.parametrize('environ, terminal, colour', [
    ({}, False, False), ({}, True, True),
    ({'NO_COLOR': '1'}, True, False), ({'NO_COLOR': '1', 'FORCE_COLOR': '1'}, False, False),
    ({'FORCE_COLOR': '1'}, False, True), ({'CLICOLOR_FORCE': '1'}, False, True),
    ({'FORCE_COLOR': '0'}, False, False),
])
def test_colour_follows_no_color_and_force_color(environ, terminal, colour, monkeypatch):
    from facial_keypoints.base import console
    monkeypatch.setattr(console, 'is_interactive', lambda stream=None: terminal)
    assert console.use_colour(environ=environ) is colour


def test_nolearns_log_in_colour_only_when_asked(in_data, trains):
    def log(**environ):
        env = {k: v for k, v in os.environ.items()
               if k not in ('NO_COLOR', 'FORCE_COLOR', 'CLICOLOR_FORCE')}
        return subprocess.run([sys.executable, '-m', 'facial_keypoints.kfkd', 'fit', 'net1',
                               '--max-epochs', '2', '--restart', '--data-dir', in_data],
                              env=dict(env, **environ), capture_output=True, text=True,
                              check=True).stdout
    assert '\x1b[' not in log() and '\x1b[' not in log(NO_COLOR='1')
    assert '\x1b[32m' in log(FORCE_COLOR='1')


def test_the_usage_names_the_program_as_it_was_started():
    code = ('import sys; sys.argv[0] = "/usr/local/bin/kfkd"; '
            'from facial_keypoints.cli import main; main(["--help"])')
    run = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert run.stdout.startswith('usage: kfkd '), run.stdout[:200] + run.stderr[-2000:]
    run = subprocess.run([sys.executable, '-m', 'facial_keypoints.kfkd', '--help'],
                         capture_output=True, text=True)
    assert run.stdout.startswith('usage: python -m facial_keypoints.kfkd '), run.stderr


def test_parsing_a_command_line_imports_no_theano():
    code = ('import sys; from facial_keypoints import cli; '
            'cli.build_parser().parse_args(["fit", "net6", "--max-epochs", "2"]); '
            'cli.build_parser().parse_args(["evaluate", "specialists", "--pretrain", "net1"]); '
            'print("theano" in sys.modules, "lasagne" in sys.modules)')
    run = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert run.stdout.split() == ['False', 'False'], run.stderr[-2000:]
