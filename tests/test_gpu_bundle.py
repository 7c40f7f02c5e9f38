"""The GPU check rehearsed the way it runs on a lent GPU machine: a CPython
3.12 with the base set alone (scripts/gpu-base.txt: NumPy 2 and the other
packages such a machine certainly has), no Theano, no network (``unshare
-n``), runs ``gpu-bundle/check.sh`` on POCL's OpenCL device. Part of the
OpenCL tier (``make test-opencl``), which sets up POCL.
"""
import ast
import email.parser
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import warnings
import zipfile

import pytest
from packaging.requirements import Requirement
from packaging.tags import compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

from facial_keypoints import about

pytestmark = pytest.mark.opencl

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
BASE_FILE = os.path.join(ROOT, 'scripts', 'gpu-base.txt')
REHEARSAL_VENV = os.path.join(ROOT, '.cache', 'gpu-rehearsal-3.12')
MAX_BUNDLE_BYTES = 60 * 2 ** 20
#: The platforms of a manylinux x86-64 machine with glibc 2.28 or newer.
PLATFORMS = (['manylinux_2_{}_x86_64'.format(minor) for minor in range(28, 4, -1)]
             + ['manylinux2014_x86_64', 'manylinux2010_x86_64', 'manylinux1_x86_64'])


def base_set():
    """scripts/gpu-base.txt's requirements: what the lent machine has, at
    the versions the rehearsal installs."""
    with open(BASE_FILE) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith('#')]


def python312():
    """A CPython 3.12: pyenv's (not its shim, which runs the version pyenv
    has selected), else the system's."""
    candidates = sorted(glob.glob(os.path.expanduser('~/.pyenv/versions/3.12*/bin/python3.12')))
    candidates += ['/usr/local/bin/python3.12', '/usr/bin/python3.12']
    for python in candidates:
        if os.access(python, os.X_OK):
            return python
    pytest.skip('no CPython 3.12 here (pyenv install 3.12)')


@pytest.fixture(scope='module')
def rehearsal_python():
    """A CPython 3.12 virtual environment with the base set alone, made once
    (from the package registry) and kept in .cache."""
    python = os.path.join(REHEARSAL_VENV, 'bin', 'python')
    marker = os.path.join(REHEARSAL_VENV, 'packages.txt')
    wanted = '\n'.join(base_set())
    if not os.path.exists(marker) or open(marker).read() != wanted:
        shutil.rmtree(REHEARSAL_VENV, ignore_errors=True)
        subprocess.run([python312(), '-m', 'venv', REHEARSAL_VENV], check=True)
        install = subprocess.run([python, '-m', 'pip', 'install', '-q',
                                  '--disable-pip-version-check'] + base_set(),
                                 capture_output=True, text=True)
        assert install.returncode == 0, install.stderr[-3000:]
        with open(marker + '.partial', 'w') as f:
            f.write(wanted)
        os.replace(marker + '.partial', marker)
    return python


@pytest.fixture(scope='module')
def bundle(tmp_path_factory):
    """`make gpu-bundle`'s script, into a folder of its own."""
    out = str(tmp_path_factory.mktemp('bundle') / 'gpu-bundle')
    run = subprocess.run([os.path.join(ROOT, 'scripts', 'gpu-bundle.sh'), out], cwd=ROOT,
                         capture_output=True, text=True,
                         env=dict(os.environ, VENV=os.path.dirname(os.path.dirname(
                             sys.executable))))
    assert run.returncode == 0, run.stderr[-3000:]
    return out


def machine_env():
    """The environment of a GPU machine's shell: no Theano flags, and no
    mark of this process's GPU (Theano refuses a device in a child of a
    process that has one)."""
    return {k: v for k, v in os.environ.items()
            if k not in ('THEANO_FLAGS', 'THEANO_GPU_IS_ALREADY_ACTIVE')}


def offline():
    """The command prefix that runs without a network, or a skip."""
    if shutil.which('unshare') is None or subprocess.run(
            ['unshare', '-n', 'true'], capture_output=True).returncode:
        pytest.skip('unshare -n needs root (CI runs as root)')
    return ['unshare', '-n']


def ask(python, code):
    """What ``code``, run by ``python``, prints as JSON."""
    return json.loads(subprocess.run([python, '-c', code], capture_output=True, text=True,
                                     check=True).stdout)


def carried_lists(bundle):
    """{'3.12': ['name==version', ...]} from the bundle's deps/CPython-*.txt."""
    lists = {}
    for path in glob.glob(os.path.join(bundle, 'deps', 'CPython-*.txt')):
        with open(path) as f:
            lists[os.path.basename(path)[len('CPython-'):-len('.txt')]] = f.read().split()
    return lists


def wheel_of(bundle, requirement):
    """The path of the wheel of deps/ that ``name==version`` names."""
    name, version = requirement.split('==')
    found = [path for path in glob.glob(os.path.join(bundle, 'deps', '*.whl'))
             if parse_wheel_filename(os.path.basename(path))[:2] == (canonicalize_name(name),
                                                                     Version(version))]
    assert len(found) == 1, (requirement, found)
    return found[0]


def distributions(python):
    """The names of the distributions ``python`` has installed."""
    return {canonicalize_name(name) for name in ask(
        python, 'import json, importlib.metadata as m; '
                'print(json.dumps([d.metadata["Name"] for d in m.distributions()]))')}


def metadata(wheel):
    """A wheel's METADATA, parsed."""
    with zipfile.ZipFile(wheel) as z:
        name = next(n for n in z.namelist()
                    if n.count('/') == 1 and n.endswith('.dist-info/METADATA'))
        return email.parser.Parser().parsestr(z.read(name).decode())


def top_level_modules(wheel):
    """The importable names a wheel installs at the top level."""
    with zipfile.ZipFile(wheel) as z:
        return {re.split(r'[/.]', n)[0] for n in z.namelist()
                if '.dist-info/' not in n and '.data/' not in n}


def module_level_imports(tree):
    """The top-level names of what a module imports as it is imported (not
    what its functions import when called)."""
    names, todo = set(), list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import):
            names.update(alias.name.split('.')[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names.add(node.module.split('.')[0])
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))
    return names


def pygpu_imports(bundle, tmp_path):
    """The top-level modules Debian's pygpu imports, other than the
    standard library and itself (its tests left out)."""
    deb = glob.glob(os.path.join(bundle, 'debs', 'python3-pygpu_*.deb'))[0]
    subprocess.run(['dpkg-deb', '-x', deb, str(tmp_path)], check=True)
    names = set()
    for path in glob.glob(str(tmp_path / 'usr/lib/python3/dist-packages/pygpu/*.py')):
        with open(path) as f, warnings.catch_warnings():
            # Its regular expressions' escapes, which Python 3.12 warns of.
            warnings.simplefilter('ignore')
            names |= module_level_imports(ast.parse(f.read()))
    assert names, 'pygpu imports nothing?'
    return names - set(sys.stdlib_module_names) - {'pygpu', '__future__'}


def test_the_bundle_is_small_and_holds_what_the_check_needs(bundle):
    size = sum(os.path.getsize(os.path.join(folder, name))
               for folder, _, names in os.walk(bundle) for name in names)
    assert size <= MAX_BUNDLE_BYTES
    names = {os.path.relpath(os.path.join(folder, name), bundle)
             for folder, _, files in os.walk(bundle) for name in files}
    assert {'check.sh', 'lib.sh', 'build-pygpu.sh', 'cuda_links.py', 'missing_wheels.py',
            'benchmarks/gpu_check.py', 'benchmarks/bench_training.py'} <= names
    assert {n.split('_')[0] for n in names if n.startswith('debs/')} == {
        'debs/libgpuarray3', 'debs/libgpuarray-dev', 'debs/python3-pygpu'}
    # wheels/: what the check checks, the stack and this project.
    wheels = {canonicalize_name(n.split('/')[1].split('-')[0])
              for n in names if n.startswith('wheels/')}
    assert wheels == {canonicalize_name(name) for name, _ in about.STACK} | {'facial-keypoints'}
    # deps/: for each CPython, one wheel it can install for each line of its
    # list, and nothing else.
    lists = carried_lists(bundle)
    assert '3.12' in lists
    used = set()
    for version, requirements in lists.items():
        python = tuple(int(part) for part in version.split('.'))
        tags = set(cpython_tags(python, platforms=PLATFORMS)) | set(
            compatible_tags(python, 'cp{}{}'.format(*python), platforms=PLATFORMS))
        for requirement in requirements:
            wheel = wheel_of(bundle, requirement)
            assert parse_wheel_filename(os.path.basename(wheel))[3] & tags, (version, wheel)
            used.add(os.path.relpath(wheel, bundle))
    assert {n for n in names if n.startswith('deps/') and n.endswith('.whl')} == used


def test_the_bundle_carries_all_the_check_needs_beyond_the_base_set(rehearsal_python, bundle,
                                                                   tmp_path):
    """Every requirement of every wheel the check installs, and every module
    pygpu imports, is carried or in the base set with what it requires (the
    rehearsal's python has that, as the registry resolves it); and nothing
    of the base set is carried."""
    environment = ask(rehearsal_python, 'import json; from pip._vendor.packaging.markers '
                                        'import default_environment as e; '
                                        'print(json.dumps(e()))')
    assert environment['python_version'] == '3.12'
    has = distributions(rehearsal_python)
    carried = carried_lists(bundle)['3.12']
    installed = sorted(glob.glob(os.path.join(bundle, 'wheels', '*.whl'))) + [
        wheel_of(bundle, requirement) for requirement in carried]
    provided = {canonicalize_name(metadata(wheel)['Name']) for wheel in installed}
    assert not provided & {canonicalize_name(Requirement(r).name) for r in base_set()}
    unmet = []
    for wheel in installed:
        for text in metadata(wheel).get_all('Requires-Dist') or []:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate(
                    dict(environment, extra='')):
                continue
            if canonicalize_name(requirement.name) not in provided | has:
                unmet.append('{} needs {}'.format(os.path.basename(wheel), text))
    assert unmet == []
    modules = set().union(*(top_level_modules(wheel) for wheel in installed))
    imported = pygpu_imports(bundle, tmp_path)
    findable = set(ask(rehearsal_python, 'import importlib.util, json; print(json.dumps('
                                         '[m for m in {!r} if importlib.util.find_spec(m)]))'
                       .format(sorted(imported))))
    assert imported - modules - findable == set()


def test_the_check_installs_only_what_the_machine_lacks(rehearsal_python, bundle, tmp_path):
    """missing_wheels.py, which check.sh asks, names the lines of a list
    whose distribution the python has in no version: the carried ones the
    base set lacks, and none of the base set's, at whatever version."""
    carried = carried_lists(bundle)['3.12']
    base = [Requirement(r).name for r in base_set()]
    listed = tmp_path / 'list.txt'
    listed.write_text(''.join(line + '\n' for line in carried + [n + '==0.0' for n in base]))
    run = subprocess.run([rehearsal_python, os.path.join(bundle, 'missing_wheels.py'),
                          str(listed)], capture_output=True, text=True, check=True)
    has = distributions(rehearsal_python)
    lacks = [r for r in carried if canonicalize_name(r.split('==')[0]) not in has]
    assert lacks and run.stdout.split() == lacks


def test_the_check_refuses_a_python_it_has_no_wheels_for(bundle):
    """In one line, naming the CPythons it has wheels for."""
    carried = carried_lists(bundle)
    others = [sys.executable] + sorted(glob.glob(os.path.expanduser(
        '~/.pyenv/versions/3.1*/bin/python3.1?')))
    for python in others:
        version = subprocess.run([python, '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'
                                  ], capture_output=True, text=True).stdout.strip()
        if version and version not in carried:
            break
    else:
        pytest.skip('no CPython here but those the bundle has wheels for')
    run = subprocess.run([os.path.join(bundle, 'check.sh'), 'opencl0:0'], capture_output=True,
                         text=True, env=dict(machine_env(), PYTHON=python), timeout=60)
    assert run.returncode == 1
    assert len(run.stderr.splitlines()) == 1, run.stderr
    assert 'is CPython {};'.format(version) in run.stderr
    assert 'wheels for {} only'.format(', '.join(
        'CPython ' + v for v in sorted(carried))) in run.stderr


def test_the_gpu_check_passes_offline_on_python_3_12_and_numpy_2(rehearsal_python, bundle):
    prefix = offline()
    assert subprocess.run([rehearsal_python, '-c', 'import theano'],
                          capture_output=True).returncode != 0
    connect = 'import socket; socket.create_connection(("pypi.org", 443), 5)'
    no_network = subprocess.run(prefix + [rehearsal_python, '-c', connect],
                                capture_output=True, text=True)
    assert no_network.returncode != 0
    run = subprocess.run(prefix + ['env', 'PYTHON=' + rehearsal_python,
                                   os.path.join(bundle, 'check.sh'), 'opencl0:0',
                                   '--faces', '400', '--epochs', '4'],
                         capture_output=True, text=True, timeout=2400, env=machine_env())
    out = run.stdout
    print(out[out.find('| net'):], file=sys.stderr)
    assert run.returncode == 0, out[-4000:] + run.stderr[-3000:]
    assert '== Python 3.12.' in out and 'NumPy 2.' in out
    assert 'Theano works on opencl0:0.' in out
    rows = re.findall(r'^\| (net\d) +\| +4 \|.*\| ok +\|$', out, re.M)
    assert rows == ['net1', 'net2', 'net6'], out[-3000:]
    assert out.splitlines()[-1] == 'GPU check: passed on opencl0:0'
