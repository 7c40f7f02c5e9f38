"""Install facial-keypoints and the tutorial's stack into the Python that
runs this file, keeping the packages it already has.

    python install.py              # into this Python: a venv, a conda env, a notebook's
    %run CHECKOUT/install.py       # the same, from a notebook cell, into its kernel
    python install.py --pinned     # requirements.txt's exact versions (.venv, CI, images)
    python install.py --dev        # requirements-dev.txt: the test tools too (pinned)
    python install.py --editable   # the checkout itself, so that edits apply
    python install.py --wheels SOURCE    # only from the wheels in SOURCE (a folder or
                                         # URL), never from an index
    python install.py --wheel-dir DIR    # build wheels of the stack and the project
                                         # into DIR; install nothing

What it does, in order (docs/setup.rst says why):

1. It checks, before changing anything, that this is a supported CPython
   whose packages pip may change (not a system Python that its distribution
   manages), that pip, the C headers of Python and a C++ compiler are there
   (Theano compiles its ops), and says in one line what is missing.
2. It compares the packages already installed with the ranges the package
   is tested on (``facial_keypoints/about.py``): each one within its range
   is kept at its version (pip is told so), each one outside is named in
   one line and replaced by the tested release nearest to it.
3. On CPython 3.12 and later, it builds Theano 1.0.5's wheel from PyPI's
   sdist, whose versioneer needs ``configparser.SafeConfigParser``:
   scripts/theano-build puts it back for the build alone, with a setuptools
   in a temporary folder.
4. It installs the project with what it needs, in one pip transaction.

Plain ``python -m pip install CHECKOUT`` does the same on CPython 3.11,
where pip builds Theano's sdist by itself, but may upgrade what is installed
where a newer release satisfies it better.
"""
import argparse
import importlib
import importlib.metadata
import importlib.util
import os
import runpy
import shutil
import subprocess
import sys
import sysconfig
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ABOUT = runpy.run_path(os.path.join(HERE, 'facial_keypoints', 'about.py'))


class Refused(Exception):
    """Why nothing was installed, in one line."""


def say(message):
    print('install.py: ' + message, flush=True)


# -- 1. what must be there -----------------------------------------------------

def check_python(version=None, implementation=None):
    """Refuse a Python the package does not support."""
    version = tuple(version or sys.version_info[:2])
    implementation = implementation or sys.implementation.name
    name = {'cpython': 'CPython', 'pypy': 'PyPy'}.get(implementation, implementation)
    (first, past) = ABOUT['SUPPORTED_PYTHON']
    if implementation != 'cpython' or not first <= version < past:
        raise Refused('facial-keypoints supports {}; this is {} {}.{} ({}): run install.py with '
                      'one of those'.format(ABOUT['supported_pythons'](), name, *version,
                                            sys.executable))


def check_environment(stdlib=None, in_venv=None):
    """Refuse a system Python that its distribution manages (PEP 668), where
    pip would refuse to install, before anything is done."""
    stdlib = stdlib or sysconfig.get_paths()['stdlib']
    in_venv = sys.prefix != sys.base_prefix if in_venv is None else in_venv
    if not in_venv and os.path.exists(os.path.join(stdlib, 'EXTERNALLY-MANAGED')):
        raise Refused('{} is managed by the system, whose packages pip may not change (PEP 668): '
                      'make a virtual environment (`{} -m venv ~/fkp`) and run install.py with '
                      'its python (~/fkp/bin/python)'.format(sys.executable, sys.executable))


def check_tools(which=shutil.which, include=None):
    """Refuse where pip, Python's C headers or a C++ compiler is missing."""
    if importlib.util.find_spec('pip') is None:
        raise Refused('this Python has no pip: run `{} -m ensurepip --upgrade` (Debian and Ubuntu: '
                      'apt-get install python3-pip), then install.py again'.format(sys.executable))
    include = include or sysconfig.get_paths()['include']
    if not os.path.exists(os.path.join(include, 'Python.h')):
        raise Refused('Theano compiles C modules against Python.h, which is not in {}: install '
                      "this Python's headers (Debian and Ubuntu: apt-get install python{}.{}-dev; "
                      'Fedora: dnf install python3-devel), then run install.py again'.format(
                          include, *sys.version_info[:2]))
    compiler = os.environ.get('CXX', 'g++').split()[0]
    if which(compiler) is None:
        raise Refused('Theano compiles its ops with a C++ compiler, and {} is not installed: '
                      'install one (Debian and Ubuntu: apt-get install g++; Fedora: dnf install '
                      'gcc-c++; conda: conda install gxx_linux-64), then run install.py again'
                      .format(compiler))


# -- 2. what is installed already ------------------------------------------------

def version_key(text):
    """A version as something comparable: its numbers, a pre-release before
    its final release ('0.27.0rc1' < '0.27.0')."""
    numbers, final = [], 1
    for part in text.split('+')[0].split('.'):
        digits = ''
        for char in part:
            if not char.isdigit():
                final = 0
                break
            digits += char
        numbers.append(int(digits or 0))
        if not final:
            break
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers), final


def applies(pythons, version=None):
    """True when an entry of DEPENDENCIES is for this CPython."""
    if pythons is None:
        return True
    version = tuple(version or sys.version_info[:2])
    first, past = pythons
    return (first is None or version >= first) and (past is None or version < past)


def dependencies(version=None):
    """The DEPENDENCIES entries for this CPython."""
    return [entry for entry in ABOUT['DEPENDENCIES'] if applies(entry[3], version)]


def nearest(name, lowest, past, installed):
    """The requirement that replaces ``installed``, outside [lowest, past),
    by the tested release nearest to it: the lowest's series when it is
    older, the newest below ``past`` when it is newer."""
    if version_key(installed) < version_key(lowest):
        numbers = version_key(lowest)[0] + (0,)
        series = '{}.{}'.format(numbers[0], numbers[1] + 1)
        return '{}>={},<{}'.format(name, lowest, series)
    return '{}>={},<{}'.format(name, lowest, past)


def plan(installed):
    """What to tell pip, from ``installed`` ({distribution: version}):
    constraints keeping every installed distribution within its range at its
    version, and requirements replacing those outside it, each with the one
    line that says so."""
    names = {canonical(n): n for n in installed}
    keep, replace, lines = dict(installed), [], []
    for name, lowest, past, _ in dependencies():
        installed_name = names.get(canonical(name))
        if installed_name is None:
            continue
        version = installed[installed_name]
        too_old = version_key(version) < version_key(lowest)
        too_new = past is not None and version_key(version) >= version_key(past)
        if too_old or too_new:
            del keep[installed_name]
            requirement = nearest(name, lowest, past, version)
            replace.append(requirement)
            lines.append('{} {} is {} than the tested range (>={}{}): installing the nearest '
                         'tested release ({})'.format(
                             name, version, 'older' if too_old else 'newer', lowest,
                             ',<' + past if past else '', requirement))
    return keep, replace, lines


def canonical(name):
    return name.lower().replace('_', '-').replace('.', '-')


def installed_distributions():
    """{distribution: version} of this Python's environment."""
    found = {}
    # Not the checkout's own metadata (an editable install's egg-info), which
    # is on the path of a Python running this file.
    path = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]
    for dist in importlib.metadata.distributions(path=path):
        name = dist.metadata['Name']
        if name and dist.version:
            found.setdefault(name, dist.version)
    return found


# -- 3. and 4. pip ---------------------------------------------------------------

def pip(*args, env=None):
    """Run pip in this Python; its output shows only when it fails."""
    command = [sys.executable, '-m', 'pip', '--disable-pip-version-check', args[0], '-q'
               ] + list(args[1:])
    run = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    if run.returncode != 0:
        print(run.stdout, end='')
        raise Refused('pip {} failed (its output is above); pip readies every package before it '
                      'installs any, so nothing was half installed: fix what it says and run '
                      '`{} {}` again'.format(args[0], sys.executable, ' '.join(
                          [os.path.abspath(__file__)] + sys.argv[1:])))
    return run.stdout


def source_options(wheels):
    """pip's options for where packages come from."""
    if not wheels:
        return []
    options = ['--no-index', '--find-links', wheels]
    if wheels.startswith('http://'):
        options += ['--trusted-host', wheels.split('/')[2].split(':')[0]]
    return options


def stack_pin(name):
    return '{}=={}'.format(name, dict(ABOUT['STACK'])[name])


def build_theano(into, work, sources):
    """Theano's wheel, into ``into``: built from its sdist with the build
    shim on CPython >= 3.12 (taken as is where ``sources`` has a wheel)."""
    if sys.version_info < (3, 12):
        return
    tools = os.path.join(work, 'build-tools')
    pip('install', '--target', tools, *sources, 'setuptools>=70.1')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.join(HERE, 'scripts', 'theano-build'), tools]))
    say('building {} for CPython {}.{} (its sdist needs the build shim of '
        'scripts/theano-build)'.format(stack_pin('Theano'), *sys.version_info[:2]))
    pip('wheel', '--no-deps', '--no-build-isolation', '-w', into, *sources,
        stack_pin('Theano'), env=env)


def has_stack(installed):
    versions = {canonical(n): v for n, v in installed.items()}
    return all(versions.get(canonical(name)) == version for name, version in ABOUT['STACK'])


def write_constraints(path, keep):
    with open(path, 'w') as f:
        for name, version in sorted(keep.items()):
            f.write('{}=={}\n'.format(name, version))


def install(args):
    check_python()
    check_environment()
    check_tools()
    sources = source_options(args.wheels)
    with tempfile.TemporaryDirectory(prefix='fkp-install.') as work:
        built = os.path.join(work, 'wheels')
        os.makedirs(built)
        if args.wheel_dir:
            build_theano(built, work, sources)
            os.makedirs(args.wheel_dir, exist_ok=True)
            pip('wheel', '--no-deps', '-w', args.wheel_dir, '--find-links', built, *sources,
                *[stack_pin(name) for name, _ in ABOUT['STACK']], HERE)
            say('wheels of the stack and the project in {}'.format(args.wheel_dir))
            return
        before = installed_distributions()
        options = ['--find-links', built] + sources
        if args.pinned or args.dev:
            requirements = ['-r', os.path.join(HERE, 'requirements-dev.txt' if args.dev
                                               else 'requirements.txt')]
        else:
            keep, replace, lines = plan(before)
            for line in lines:
                say(line)
            constraints = os.path.join(work, 'installed.txt')
            write_constraints(constraints, keep)
            options += ['-c', constraints]
            requirements = replace
        if not has_stack(before):
            build_theano(built, work, sources)
        say('installing facial-keypoints {} and what it needs into {} (a few minutes the '
            'first time)'.format(ABOUT['__version__'], sys.prefix))
        project = ['-e', HERE] if args.editable else [HERE]
        if args.wheels:
            # No index to fetch a build backend from: this Python's own
            # setuptools builds the project.
            options.append('--no-build-isolation')
        pip('install', *options, *requirements, *project)
    after = installed_distributions()
    report(before, after)


def report(before, after):
    """Say what changed, and what a running notebook kernel must do."""
    changed = sorted(name for name in before if name in after and before[name] != after[name])
    added = sorted(set(after) - set(before))
    for name in changed:
        say('{} {} replaced by {}'.format(name, before[name], after[name]))
    say('done: {} added{}; supported: {}.'.format(
        len(added), ', {} replaced'.format(len(changed)) if changed else '',
        ABOUT['supported_pythons']()))
    modules = importlib.metadata.packages_distributions()
    loaded = sorted({dist for module, dists in modules.items() if module in sys.modules
                     for dist in dists if dist in changed})
    if loaded:
        say('this process had {} loaded before it was replaced: restart the kernel (or '
            'the interpreter) before importing facial_keypoints'.format(', '.join(loaded)))
    importlib.invalidate_caches()


def parse(argv):
    parser = argparse.ArgumentParser(
        prog='install.py', description='Install facial-keypoints and the tutorial\'s stack '
        '(Theano 1.0.5, Lasagne 0.1, nolearn 0.6.1) into this Python ({}).'.format(sys.executable))
    parser.add_argument('--pinned', action='store_true',
                        help="requirements.txt's exact versions, replacing what is installed")
    parser.add_argument('--dev', action='store_true',
                        help='requirements-dev.txt: the test tools too (pinned)')
    parser.add_argument('--editable', action='store_true',
                        help='install the checkout itself (pip install -e)')
    parser.add_argument('--wheels', metavar='SOURCE',
                        help='install only from the wheels in SOURCE, a folder or URL')
    parser.add_argument('--wheel-dir', metavar='DIR',
                        help='build wheels of the stack and the project into DIR; install nothing')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        install(args)
    except Refused as refused:
        say(str(refused))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
