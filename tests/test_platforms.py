"""What a notebook user does (`make test-platforms`): in an environment
shaped like a hosted notebook platform, a fresh clone installed by the
documented cell, ``%run CLONE/install.py``, run in that environment's own
kernel; the platform's packages unchanged; then notebooks 01 and 02 in that
kernel, their nets' losses falling.

The platforms (:data:`PLATFORMS`): a Kaggle-style CPython 3.11 with NumPy
1.26-era packages; Colab's CPython 3.12 with NumPy 2.0 (its runtime from
2025 to August 2026) and its CPython 3.13 with NumPy 2.1 (since then), as
googlecolab/backend-info's pip-freeze.txt lists them; and a CPython 3.15
with the newest releases, from Debian sid in the root of scripts/sid-root.sh
(FKP_SID_ROOT).
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.platforms

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SID_ROOT = os.environ.get('FKP_SID_ROOT', '')

#: name: (CPython, what the platform has installed). ipykernel is there
#: because a notebook platform runs one.
PLATFORMS = {
    'kaggle-3.11-numpy1.26': ('3.11', [
        'numpy==1.26.4', 'pandas==2.2.3', 'scipy==1.13.1', 'scikit-learn==1.3.2',
        'matplotlib==3.7.5', 'scikit-image==0.24.0', 'dask==2024.8.2', 'joblib==1.4.2',
        'six==1.16.0', 'tabulate==0.9.0', 'ipykernel==6.29.5']),
    'colab-3.12-numpy2.0': ('3.12', [
        'numpy==2.0.2', 'pandas==2.2.2', 'scipy==1.16.3', 'scikit-learn==1.6.1',
        'matplotlib==3.10.0', 'scikit-image==0.25.2', 'dask==2026.7.1', 'joblib==1.5.3',
        'setuptools==75.2.0', 'six==1.17.0', 'tabulate==0.9.0', 'ipykernel==6.17.1',
        'ipython==7.34.0']),
    'colab-3.13-numpy2.1': ('3.13', [
        'numpy==2.1.3', 'pandas==2.2.3', 'scipy==1.16.3', 'scikit-learn==1.6.1',
        'matplotlib==3.10.0', 'scikit-image==0.25.2', 'dask==2026.7.1', 'joblib==1.5.3',
        'setuptools==75.2.0', 'six==1.17.0', 'tabulate==0.9.0', 'ipykernel==6.17.1',
        'ipython==7.34.0']),
    # An older scikit-learn than the package's range: the one package
    # install.py replaces, saying so (see REPLACED).
    'kaggle-3.11-sklearn1.2': ('3.11', [
        'numpy==1.26.4', 'pandas==2.2.3', 'scipy==1.13.1', 'scikit-learn==1.2.2',
        'matplotlib==3.7.5', 'ipykernel==6.29.5']),
    'newest-3.15': ('3.15', [
        'numpy==2.5.5', 'pandas==3.1.1', 'scipy==1.18.1', 'scikit-learn==1.9.1',
        'matplotlib==3.11.2', 'ipykernel']),
}
#: What install.py replaces on a platform: {name: {package: (line it says,
#: the version it installs, as a prefix)}}. Nothing elsewhere.
REPLACED = {'kaggle-3.11-sklearn1.2': {'scikit-learn': (
    'install.py: scikit-learn 1.2.2 is older than the tested range (>=1.3,<1.10): installing '
    'the nearest tested release (scikit-learn>=1.3,<1.4)', '1.3.')}}
NOTEBOOKS = ('01-data-and-net1.ipynb', '02-convnets-net2.ipynb')


def in_sid(version):
    return version in ('3.14', '3.15')


def host_python(version):
    """A CPython ``version`` of this machine: pyenv's, or on PATH (where
    pyenv's shims may stand for another version, so each is tried)."""
    pyenv = os.path.expanduser('~/.pyenv/versions')
    candidates = [os.path.join(pyenv, v, 'bin', 'python' + version)
                  for v in sorted(os.listdir(pyenv)) if v.startswith(version + '.')] \
        if os.path.isdir(pyenv) else []
    candidates += [shutil.which('python' + version) or 'python' + version]
    for candidate in candidates:
        try:
            if subprocess.run([candidate, '-c', ''], capture_output=True).returncode == 0:
                return candidate
        except OSError:
            continue
    pytest.fail('no CPython {} on this machine'.format(version))


def runner(version):
    """The command prefix that runs a program where ``version`` lives."""
    if not in_sid(version):
        return []
    if not os.path.exists(os.path.join(SID_ROOT, '.ready')):
        pytest.fail('no Debian sid root at FKP_SID_ROOT={!r} (make test-platforms makes it)'
                    .format(SID_ROOT))
    return [os.path.join(ROOT, 'scripts', 'in-root.sh'), SID_ROOT]


def run(command, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, '\n'.join([' '.join(command), done.stdout[-3000:],
                                            done.stderr[-3000:]])
    return done.stdout


def freeze(prefix, python):
    lines = run(prefix + [python, '-m', 'pip', 'freeze', '--all']).splitlines()
    return dict(line.split('==', 1) for line in lines if '==' in line)


def make_platform(tmp, name):
    """A virtual environment shaped like platform ``name``: (runner, its
    python)."""
    version, packages = PLATFORMS[name]
    prefix = runner(version)
    venv = os.path.join(tmp, name)
    python = 'python' + version if in_sid(version) else host_python(version)
    run(prefix + [python, '-m', 'venv', venv], cwd=tmp)
    run(prefix + [os.path.join(venv, 'bin', 'python'), '-m', 'pip', 'install', '-q',
                  '--disable-pip-version-check'] + packages, cwd=tmp)
    return prefix, os.path.join(venv, 'bin', 'python')


def kernel_in(jupyter, name, prefix, python):
    """A kernel spec under ``jupyter`` that starts ``python``'s ipykernel."""
    spec = os.path.join(jupyter, 'kernels', name)
    os.makedirs(spec)
    with open(os.path.join(spec, 'kernel.json'), 'w') as f:
        json.dump({'argv': prefix + [python, '-m', 'ipykernel_launcher', '-f',
                                     '{connection_file}'],
                   'display_name': name, 'language': 'python'}, f)


def execute(nb, name, cwd):
    from nbclient import NotebookClient
    NotebookClient(nb, timeout=900, kernel_name=name,
                   resources={'metadata': {'path': cwd}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == 'code' for o in c.outputs]
    errors = [o for o in outputs if o.output_type == 'error']
    assert not errors, errors[0].get('evalue')
    return outputs


def text_of(outputs):
    return ''.join(o.get('text', '') for o in outputs if o.output_type == 'stream')


#: Appended to each notebook: every trained net's train losses, by name.
LOSSES_CELL = '''import json
print('FKP-LOSSES', json.dumps({name: [row['train_loss'] for row in value.train_history_]
                                for name, value in list(globals().items())
                                if getattr(value, 'train_history_', None)}))'''


#: Appended too: the first trained net, pickled as the package saves it and
#: whole as ``pickle.dump`` does, each loaded through the allowlist.
LOADING_CELL = '''import pickle, sys
import numpy as np
from facial_keypoints.model import persist
sys.setrecursionlimit(10000)
trained = next(v for v in list(globals().values()) if getattr(v, 'train_history_', None))
persist.save_net(trained, 'saved.pickle')
with open('whole.pickle', 'wb') as f:
    pickle.dump(trained, f, -1)
images = np.zeros((2,) + tuple(trained.layers_['input'].shape[1:]), np.float32)
print('FKP-LOADED', all(np.array_equal(persist.load_net(path).predict(images),
                                       trained.predict(images))
                        for path in ('saved.pickle', 'whole.pickle')))'''


@pytest.mark.parametrize('name', sorted(PLATFORMS))
def test_a_notebook_user_installs_into_the_platform_and_runs_the_notebooks(
        name, train_dir, tmp_path, monkeypatch):
    import nbformat
    tmp = str(tmp_path)
    clone = os.path.join(tmp, 'facial-keypoints')
    run(['git', 'clone', '--quiet', ROOT, clone])
    prefix, python = make_platform(tmp, name)
    before = freeze(prefix, python)

    jupyter = os.path.join(tmp, 'jupyter')
    kernel_in(jupyter, name, prefix, python)
    monkeypatch.setenv('JUPYTER_PATH', jupyter)
    monkeypatch.setenv('JUPYTER_RUNTIME_DIR', os.path.join(tmp, 'runtime'))
    # One compile cache for the platforms: its keys hold the CPython and NumPy.
    monkeypatch.setenv('THEANO_FLAGS', 'base_compiledir=' + os.path.expanduser(
        '~/.theano/platforms'))
    monkeypatch.delenv('PYTHONPATH', raising=False)

    # The documented cell, as README.rst shows it.
    cell = nbformat.v4.new_code_cell('%run {}/install.py'.format(clone))
    installing = text_of(execute(nbformat.v4.new_notebook(cells=[cell]), name, tmp))
    assert 'install.py: done' in installing, installing
    after = freeze(prefix, python)
    changed = {package: (version, after.get(package)) for package, version in before.items()
               if after.get(package) != version}
    replaced = REPLACED.get(name, {})
    assert set(changed) == set(replaced), changed
    for package, (line, new) in replaced.items():
        assert line in installing.splitlines() and changed[package][1].startswith(new), installing

    for notebook in NOTEBOOKS:
        nb = nbformat.read(os.path.join(clone, 'examples', notebook), as_version=4)
        parameters = [c for c in nb.cells if 'parameters' in c.metadata.get('tags', [])]
        parameters[0].source = 'MAX_EPOCHS = 2\nDATA_DIR = {!r}'.format(train_dir)
        nb.cells.append(nbformat.v4.new_code_cell(LOSSES_CELL))
        nb.cells.append(nbformat.v4.new_code_cell(LOADING_CELL))
        printed = text_of(execute(nb, name, tmp))
        assert 'FKP-LOADED True' in printed, (notebook, printed[-2000:])
        losses = json.loads(printed.split('FKP-LOSSES', 1)[1].splitlines()[0])
        assert losses, notebook
        for net, history in losses.items():
            assert len(history) >= 2 and history[-1] < history[0], (notebook, net, history)
    print(name, 'python', sys.version_info[:2], 'kept', len(before), 'packages;',
          len(set(after) - set(before)), 'added')
