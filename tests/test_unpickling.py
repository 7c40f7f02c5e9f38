"""Loading a trained net never runs code from the file: a corpus of hostile
pickles is refused by every command that reads a net, and every pickle the
package writes names only globals of the allowlist."""
import collections
import os
import pickle
import shutil
import subprocess
import sys

import numpy as np
import pytest

from facial_keypoints import kfkd
from facial_keypoints.model import allowlist, persist, record, registry, state, unpickling
from helpers import assert_identical, assert_one_line_error, run_cli, small_net1

MARKER = 'payload-ran'


def _global(module, name):
    """Protocol 0's GLOBAL opcode."""
    return 'c{}\n{}\n'.format(module, name).encode()


def _call(module, name, *args):
    """A protocol-0 pickle that calls ``module.name(*args)`` (strings)."""
    return _global(module, name) + b'(' + b''.join(
        "V{}\n".format(a).encode() for a in args) + b'tR'


def _stack_global(module, name, *args):
    """A protocol-4 pickle that calls ``module.name(*args)`` by STACK_GLOBAL,
    where ``name`` may be dotted (pickle walks its attributes)."""
    def text(s):
        data = s.encode()
        return b'\x8c' + bytes([len(data)]) + data
    return (b'\x80\x04' + text(module) + text(name) + b'\x93' + b''.join(map(text, args))
            + bytes([0x85 + len(args) - 1]) + b'R.')


def corpus(directory):
    """name -> pickle bytes; each would create ``MARKER`` in ``directory``."""
    marker = os.path.join(directory, MARKER)
    touch = 'touch ' + marker
    code = "open({!r}, 'w').close()".format(marker)
    second = os.path.join(directory, 'second.pkl')
    with open(second, 'wb') as f:
        f.write(_call('os', 'system', touch) + b'.')
    files = {
        'os.system': _call('os', 'system', touch) + b'.',
        'posix.system': _call('posix', 'system', touch) + b'.',
        'builtins.eval': _call('builtins', 'eval', code) + b'.',
        'builtins.exec': _call('builtins', 'exec', code) + b'.',
        'builtins.__import__+getattr': (
            _global('builtins', 'getattr') + b'(' + _call('builtins', '__import__', 'os')
            + b'Vsystem\ntR(V' + touch.encode() + b'\ntR.'),
        'subprocess.getoutput': _call('subprocess', 'getoutput', touch) + b'.',
        'dotted through the package': _stack_global(
            'facial_keypoints.base.atomic', 'os.system', touch),
        'dotted through NumPy': _stack_global('numpy.lib._datasource', 'os.system', touch),
        'dotted through Theano': _stack_global('theano.configparser', 'os.system', touch),
        'numpy.load of a second file': (
            _global('numpy', 'load') + b'(V' + second.encode() + b'\nNI01\ntR.'),
        'pandas.read_pickle of a second file': _call('pandas', 'read_pickle', second) + b'.',
    }
    return files


class Payload:
    def __init__(self, directory):
        self.command = 'touch ' + os.path.join(directory, MARKER)

    def __reduce__(self):
        return os.system, (self.command,)


@pytest.fixture(scope='module')
def hostile(trained, tmp_path_factory):
    """The corpus as files, a genuine net1 beside a payload in a
    specialists dict among them, and one named .npz."""
    directory = str(tmp_path_factory.mktemp('hostile'))
    paths = []
    for i, data in enumerate(corpus(directory).values()):
        paths.append(os.path.join(directory, 'hostile-{}.pickle'.format(i)))
        with open(paths[-1], 'wb') as f:
            f.write(data)
    net = persist.load_net(trained['net1'])
    paths.append(os.path.join(directory, 'beside-a-net.pickle'))
    with open(paths[-1], 'wb') as f:
        pickle.dump(collections.OrderedDict([(('a_x',), net), (('b_x',), Payload(directory))]),
                    f, -1)
    paths.append(os.path.join(directory, 'hostile.npz'))
    shutil.copy(paths[0], paths[-1])
    return directory, paths


def test_the_corpus_is_live(tmp_path):
    """Each file, plainly unpickled, runs its payload (so that its refusal
    below means something)."""
    for name, data in corpus(str(tmp_path)).items():
        run = subprocess.run([sys.executable, '-c', 'import pickle, sys; '
                              'pickle.loads(sys.stdin.buffer.read())'],
                             input=data, capture_output=True, cwd=str(tmp_path))
        assert os.path.exists(str(tmp_path / MARKER)), (name, run.stderr[-300:])
        os.remove(str(tmp_path / MARKER))


COMMANDS = [
    ['predict', '{}'], ['export', '{}', '--out', 'exported.npz'],
    ['export', '{}', '--format', 'onnx', '--out', 'exported.onnx'],
    ['detect', 'face.png', '--box', '150,150,100,100', '--net', '{}'],
    ['report', '{}'], ['plot_learning_curves', '{}'], ['plot_predictions', '{}'],
    ['plot_conv1', '{}'], ['fit', 'net1', '--resume', '{}'], ['fit_specialists', '{}'],
    ['evaluate', 'net1', '--folds', '2', '--pretrained', '{}']]


@pytest.mark.parametrize('command', COMMANDS, ids=lambda c: c[0])
def test_every_command_refuses_every_hostile_file(command, hostile, in_data, capsys):
    from PIL import Image
    Image.new('L', (400, 400), 128).save('face.png')
    directory, paths = hostile
    for path in paths:
        code, out, err = run_cli(capsys, [a.format(path) for a in command])
        assert_one_line_error(err, code, 1, path)
        assert not os.path.exists(os.path.join(directory, MARKER)), (command, path, err)
        assert 'not loaded and nothing in it ran' in err or (
            path.endswith('.npz') and 'never unpickled' in err), err


def test_a_refusal_names_the_global_and_how_to_load_a_trusted_file(tmp_path, capsys):
    path = str(tmp_path / 'net.pickle')
    with open(path, 'wb') as f:
        f.write(_stack_global('facial_keypoints.base.atomic', 'os.system', 'true'))
    code, out, err = run_cli(capsys, ['predict', path])
    assert_one_line_error(err, code, 1, 'names facial_keypoints.base.atomic.os.system',
                          '--trust ' + path, '$FKP_TRUSTED_PICKLES')


def test_inspect_lists_what_a_pickle_names_without_loading_it(tmp_path, capsys):
    path = str(tmp_path / 'net.pickle')
    with open(path, 'wb') as f:
        f.write(_call('os', 'system', 'touch ' + str(tmp_path / MARKER)) + b'.')
    code, out, err = run_cli(capsys, ['inspect', path])
    assert code == 1 and out == '{}: refused   os.system\n'.format(path)
    assert not os.path.exists(str(tmp_path / MARKER))
    np.savez(str(tmp_path / 'params.npz'), a=np.zeros(3))
    code, out, err = run_cli(capsys, ['inspect', str(tmp_path / 'params.npz')])
    assert code == 0 and 'names no global' in out


@pytest.mark.parametrize('how', ['option', 'environment'])
def test_a_trusted_file_loads_with_the_plain_unpickler(how, tmp_path, capsys, monkeypatch):
    path = str(tmp_path / 'counter.pickle')
    with open(path, 'wb') as f:
        pickle.dump(collections.Counter('ab'), f)
    if how == 'environment':
        monkeypatch.setenv(unpickling.TRUSTED_VARIABLE, os.pathsep.join(['elsewhere', path]))
    code, out, err = run_cli(capsys, (['--trust', path] if how == 'option' else [])
                             + ['predict', path])
    assert_one_line_error(err, code, 1, 'holds a Counter, not a trained net')


def test_the_name_decides_the_format(tmp_path, capsys):
    for name, words in [('net.npz', 'never unpickled'), ('net.onnx', 'ONNX model')]:
        path = str(tmp_path / name)
        with open(path, 'wb') as f:
            f.write(b'not what its name says')
        code, out, err = run_cli(capsys, ['predict', path])
        assert_one_line_error(err, code, 1, words)


def assert_all_allowed(path):
    kinds = {name: kind for name, kind in unpickling.inspect(path)}
    assert [name for name, kind in kinds.items() if kind == 'refused'] == [], path
    return kinds


def old_style_pickle(net, path):
    """``net`` pickled as the tutorial and earlier releases did: whole, with
    its compiled functions, and a training state without the update
    variables (which were in the functions)."""
    training = getattr(net, state.ATTRIBUTE, None)
    if training is not None:
        training.meta.pop('update', None)
        training.arrays = {k: v for k, v in training.arrays.items()
                           if not k.startswith('update/')}
    net.initialize()
    with open(path, 'wb') as f:
        pickle.dump(net, f, -1)


def test_the_packages_pickles_name_only_allowed_globals(trained, in_data):
    for path in trained.values():
        assert set(assert_all_allowed(path).values()) == {'allowed'}, path
    X, _ = kfkd.load()
    for name, flags in [('net6', {}), ('net1', {'all_rows': True})]:
        net = kfkd.fit(name, max_epochs=1, **flags)
        assert set(assert_all_allowed(name + '.pickle').values()) == {'allowed'}
        updated = [v.get_value() for v in state.update_variables(net)]
        old_style_pickle(net, 'old.pickle')
        assert 'compiled' in assert_all_allowed('old.pickle').values()
        inputs = X if name == 'net1' else X.reshape(-1, 1, 96, 96)
        for path in (name + '.pickle', 'old.pickle'):
            loaded = persist.load_net(path)
            np.testing.assert_array_equal(loaded.predict(inputs), net.predict(inputs))
            # the velocities (and net6's dropout streams), from the file's
            # compiled training function where it had one
            kept = getattr(loaded, state.ATTRIBUTE).arrays
            assert len(updated) == len([k for k in kept if k.startswith('update/')])
            for i, value in enumerate(updated):
                np.testing.assert_array_equal(kept['update/{}'.format(i)], value)


def test_a_net_pickled_with_any_protocol_from_2_loads(in_data, trains):
    """Protocol 2 names Python 2's modules (``__builtin__.set``), as
    ``pickle.dump(net, f, 2)`` writes them."""
    X, y = kfkd.load()
    net = small_net1(1)
    net.fit(X, y)
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        with open('net.pickle', 'wb') as f:
            pickle.dump(net, f, protocol)
        assert_all_allowed('net.pickle')
        np.testing.assert_array_equal(persist.load_net('net.pickle').predict(X[:5]),
                                      net.predict(X[:5]))


def test_an_old_style_pickle_continues_as_if_never_stopped(in_data, trains):
    """Its velocities were in its compiled training function."""
    longer = kfkd.fit('net3', max_epochs=4, out='longer.pickle')
    old_style_pickle(kfkd.fit('net3', max_epochs=2, out='old.pickle'), 'old.pickle')
    assert 'compiled' in assert_all_allowed('old.pickle').values()
    resumed = kfkd.fit(max_epochs=4, resume='old.pickle')
    assert_identical(longer, resumed)


@pytest.mark.slow
@pytest.mark.parametrize('name', registry.net_names())
def test_every_net_of_the_registry_pickles_to_allowed_globals(name, in_data):
    from facial_keypoints.model.inputs import load_for
    net = registry.get_net(name)
    net.max_epochs, net.verbose = 1, 0
    X, y = load_for(net)
    net.fit(X[:64], y[:64])
    persist.save_net(net, 'new.pickle')
    old_style_pickle(net, 'old.pickle')
    for path in ('new.pickle', 'old.pickle'):
        assert_all_allowed(path)
        np.testing.assert_array_equal(persist.load_net(path).predict(X[:8]), net.predict(X[:8]))
        os.remove(path)  # (some are of hundreds of MB)


def test_the_allowlist_names_each_global_once():
    both = {(m, n) for m, names in allowlist.ALLOWED.items() for n in names} & {
        (m, n) for m, names in allowlist.COMPILED.items() for n in names}
    assert both == set()
    assert all('.' not in n for names in list(allowlist.ALLOWED.values())
               + list(allowlist.COMPILED.values()) for n in names)


LOAD = '''
import sys
import numpy as np
from facial_keypoints.model import persist
print(persist.load_net(sys.argv[1]).predict(np.zeros((2, 9216), np.float32)).shape)
'''


@pytest.mark.slow
def test_processes_loading_against_a_cold_compile_directory_at_once(trained, tmp_path):
    flags = 'base_compiledir={}'.format(tmp_path / 'cold')
    env = dict(os.environ, THEANO_FLAGS=','.join(
        f for f in [os.environ.get('THEANO_FLAGS', ''), flags] if f))
    runs = [subprocess.Popen([sys.executable, '-c', LOAD, trained['net1']], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(4)]
    results = [run.communicate() + (run.returncode,) for run in runs]
    assert [(out.strip(), code) for out, err, code in results] == [('(2, 30)', 0)] * 4, [
        err[-500:] for out, err, code in results]
    assert record.settings_of(persist.load_net(trained['net1'])).net == 'net1'


def test_a_failing_compile_is_blamed_on_the_machine(trained, monkeypatch, capsys):
    """As when another process's compilation left Theano's compile
    directory unreadable for a moment: one line that blames the machine."""
    import theano
    from facial_keypoints.upstream import pickled

    def cache_in_use(net):
        raise ImportError('{}/tmpabc/lazylinker_ext.so: cannot open shared object '
                          'file'.format(theano.config.compiledir))
    monkeypatch.setattr(pickled, '_predict_function', cache_in_use)
    code, out, err = run_cli(capsys, ['predict', trained['net1']])
    assert_one_line_error(err, code, 1, 'could not compile its functions',
                          'the machine is at fault, not the file', theano.config.compiledir)
