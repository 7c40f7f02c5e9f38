"""scripts/bootstrap.sh's choice of CPython 3.11, with every tool faked.

Each test copies the script into a scratch checkout and runs it with a PATH
holding only the tools it needs and the fakes under test (uv, python3,
apt-get), with FKP_BOOTSTRAP_PATH_ONLY=1 so that the system's own python3.11
is not found. The fakes write down how they were called; the venvs they make
run this interpreter, and come with the install stamp so that nothing is
installed with pip.
"""
import os
import shutil
import stat
import subprocess
import sys

import pytest


HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRIPT = os.path.join(ROOT, 'scripts', 'bootstrap.sh')
BASH = shutil.which('bash') or '/bin/bash'
TOOLS = ('dirname', 'basename', 'mktemp', 'rm', 'cat', 'id', 'ls', 'touch',
         'mkdir', 'chmod', 'mv', 'sed')
UNNEEDED = 'bootstrap: installing requirements.txt'
GIVE_UP = 'CPython 3.11 is needed'


def write_exe(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write('#!/bin/sh\n' + text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


class Sandbox:
    def __init__(self, root):
        self.root = str(root)
        self.repo = os.path.join(self.root, 'repo')
        self.bin = os.path.join(self.root, 'bin')
        self.home = os.path.join(self.root, 'home')
        self.calls = os.path.join(self.root, 'calls')
        for d in (self.bin, self.home, os.path.join(self.repo, 'scripts')):
            os.makedirs(d)
        shutil.copy(SCRIPT, os.path.join(self.repo, 'scripts', 'bootstrap.sh'))
        shutil.copy(os.path.join(ROOT, 'scripts', 'lib.sh'), os.path.join(self.repo, 'scripts'))
        os.makedirs(os.path.join(self.repo, 'facial_keypoints'))
        shutil.copy(os.path.join(ROOT, 'facial_keypoints', 'about.py'),
                    os.path.join(self.repo, 'facial_keypoints'))
        for name in ('requirements.txt', 'setup.py'):
            path = os.path.join(self.repo, name)
            open(path, 'w').close()
            os.utime(path, (1e9, 1e9))  # older than any stamp a fake writes
        for tool in TOOLS:
            os.symlink(shutil.which(tool), os.path.join(self.bin, tool))
        write_exe(os.path.join(self.bin, 'g++'), 'exit 0\n')

    def record(self, name):
        """Shell line appending the fake's name and arguments to the call log."""
        return 'echo "{} $*" >> {}\n'.format(name, self.calls)

    def fake_venv_maker(self):
        """Shell lines making a fake venv in "$dir" that runs this interpreter."""
        python = ('{record}'
                  'if [ "$1" = -m ] && [ "$2" = ensurepip ]; then exit 0; fi\n'
                  'exec {real} "$@"\n').format(record=self.record('venv-python'),
                                              real=sys.executable)
        return ('mkdir -p "$dir/bin"\n'
                "cat > \"$dir/bin/python\" <<'VENVPY'\n#!/bin/sh\n" + python + 'VENVPY\n'
                'chmod +x "$dir/bin/python"\n'
                ': > "$dir/.installed-requirements"\n')

    def uv_text(self, fail_install=False):
        # Chatter on both streams, as the real uv has, which must not leak.
        install = ('echo "error: failed to download cpython-3.11" >&2; exit 1'
                   if fail_install else 'echo "Installed Python 3.11.13"')
        return (self.record('uv') +
                'echo "Using CPython 3.11.13"; echo "Activate with: source" >&2\n'
                'case "$1" in\n'
                '  python) ' + install + ' ;;\n'
                '  venv) for dir; do :; done\n' + self.fake_venv_maker() + ' ;;\n'
                '  *) exit 2 ;;\n'
                'esac\n')

    def add_uv(self, path=None, **kwargs):
        write_exe(path or os.path.join(self.bin, 'uv'), self.uv_text(**kwargs))

    def add_python3(self, user_pip='refused', venv='works'):
        """A python3 that is 3.12; its pip --user and venv behave as told."""
        user_uv = os.path.join(self.home, '.local', 'bin', 'uv')
        os.makedirs(os.path.dirname(user_uv))
        if user_pip == 'works':
            self.add_uv(user_uv + '.ready')
        pip_user = {
            'refused': 'echo "error: externally-managed-environment" >&2; exit 1',
            'works': 'mv {0}.ready {0}'.format(user_uv),
        }[user_pip]
        private_python = ('{record}'
                          'case "$*" in *"pip install"*uv) ;; *) exit 3 ;; esac\n'
                          "cat > \"$(dirname \"$0\")/uv\" <<'UV'\n#!/bin/sh\n{uv}UV\n"
                          'chmod +x "$(dirname "$0")/uv"\n').format(
                              record=self.record('private-python'), uv=self.uv_text())
        make_venv = {
            'works': ('mkdir -p "$3/bin"\n'
                      "cat > \"$3/bin/python\" <<'PRIVPY'\n#!/bin/sh\n" + private_python +
                      'PRIVPY\nchmod +x "$3/bin/python"'),
            'broken': ('mkdir -p "$3/bin"; echo "The virtual environment was not '
                       'created successfully because ensurepip is not available." >&2; exit 1'),
        }[venv]
        write_exe(os.path.join(self.bin, 'python3'), (
            self.record('python3') +
            'case "$1 $2" in\n'
            '  "-m pip") case "$*" in *--user*) ' + pip_user + ' ;; *) exit 4 ;; esac ;;\n'
            '  "-m venv") ' + make_venv + ' ;;\n'
            '  -c*) case "$2" in *find_uv_bin*) [ -x ' + user_uv + ' ] && echo ' +
            user_uv + ' ;; *) exit 1 ;; esac ;;\n'
            '  *) exit 5 ;;\n'
            'esac\n'))

    def python311_text(self):
        """A python3.11 whose venvs are fakes."""
        return (self.record('python3.11') +
                'if [ "$1" = -m ] && [ "$2" = venv ]; then dir=$3\n' +
                self.fake_venv_maker() +
                'exit 0; fi\nexec {} "$@"\n'.format(sys.executable))

    def add_python311(self):
        write_exe(os.path.join(self.bin, 'python3.11'), self.python311_text())

    def add_apt(self, has_python311):
        """apt-get and apt-cache; the archive has python3.11 or not."""
        staged = os.path.join(self.root, 'archive', 'python3.11')
        write_exe(staged, self.python311_text())
        exe = os.path.join(self.bin, 'python3.11')
        write_exe(os.path.join(self.bin, 'apt-get'), (
            self.record('apt-get') +
            'echo "debconf: delaying package configuration"\n'
            'echo "W: some apt warning" >&2\n'
            'case "$*" in *" python3.11 "*) cat {0} > {1}; chmod +x {1} ;; esac\n'.format(
                staged, exe)))
        write_exe(os.path.join(self.bin, 'apt-cache'), (
            self.record('apt-cache') +
            'case "$*" in "show python3.11") exit {} ;; esac\n'.format(
                0 if has_python311 else 100)))

    def run(self):
        env = {'PATH': self.bin, 'HOME': self.home, 'TMPDIR': self.root,
               'PYTHON': os.path.join(self.root, 'nowhere', 'python3.11'),
               'FKP_BOOTSTRAP_PATH_ONLY': '1', 'LC_ALL': 'C'}
        script = os.path.join(self.repo, 'scripts', 'bootstrap.sh')
        result = subprocess.run([BASH, script], env=env, cwd=self.root,
                                capture_output=True, text=True, timeout=60)
        return result.returncode, result.stdout, result.stderr.splitlines()

    def calls_of(self, name):
        if not os.path.exists(self.calls):
            return []
        with open(self.calls) as f:
            return [line.rstrip('\n')[len(name) + 1:] for line in f
                    if line.startswith(name + ' ')]


@pytest.fixture
def box(tmp_path):
    return Sandbox(tmp_path)


def assert_only_own_messages(lines):
    assert lines and all(line.startswith('bootstrap: ') for line in lines), lines


def assert_uv_route(box, lines, uv):
    assert box.calls_of('uv') == ['python install 3.11', 'venv --python 3.11 .venv']
    assert '-m ensurepip --upgrade --default-pip' in box.calls_of('venv-python')
    assert lines[0] == ('bootstrap: PYTHON={} is not a supported CPython (3.11 3.12 3.13 3.14 '
                        '3.15); looking elsewhere').format(
                            os.path.join(box.root, 'nowhere', 'python3.11'))
    assert 'bootstrap: no CPython 3.11 found, and none from apt-get; using uv' in lines
    assert "bootstrap: installing uv's managed CPython 3.11 with " + uv in lines
    assert "bootstrap: creating .venv with uv's CPython 3.11" in lines
    assert UNNEEDED not in '\n'.join(lines)
    assert os.access(os.path.join(box.repo, '.venv', 'bin', 'python'), os.X_OK)


def test_uv_on_path(box):
    box.add_uv()
    box.add_python3()
    status, out, lines = box.run()
    assert status == 0, lines
    assert out == ''
    assert_only_own_messages(lines)
    assert_uv_route(box, lines, os.path.join(box.bin, 'uv'))
    assert box.calls_of('python3'), 'python3 was not asked its version'
    assert not any('pip' in c for c in box.calls_of('python3'))

    # The venv is there now: a second run leaves it alone.
    status, _, lines = box.run()
    assert status == 0, lines
    assert len(box.calls_of('uv')) == 2
    assert lines == [] or all('OpenBLAS' in line for line in lines), lines


def test_uv_from_pip_user(box):
    box.add_python3(user_pip='works')
    status, _, lines = box.run()
    assert status == 0, lines
    assert_only_own_messages(lines)
    python3 = os.path.join(box.bin, 'python3')
    assert 'bootstrap: installing uv with {} -m pip install --user uv'.format(python3) in lines
    assert any(c.startswith('-m pip install') and c.endswith('--user uv')
               for c in box.calls_of('python3'))
    assert_uv_route(box, lines, os.path.join(box.home, '.local', 'bin', 'uv'))
    assert not os.path.exists(os.path.join(box.repo, '.cache'))


def test_uv_in_private_venv_when_pip_user_is_refused(box):
    box.add_python3(user_pip='refused')
    status, _, lines = box.run()
    assert status == 0, lines
    assert_only_own_messages(lines)
    python3 = os.path.join(box.bin, 'python3')
    assert ('bootstrap: {} refuses --user installs (externally managed); '
            'installing uv into .cache/uv instead'.format(python3)) in lines
    assert '-m venv .cache/uv' in box.calls_of('python3')
    assert box.calls_of('private-python') == [
        '-m pip install -q --disable-pip-version-check uv']
    assert_uv_route(box, lines, os.path.join(box.repo, '.cache', 'uv', 'bin', 'uv'))


def test_no_uv_and_no_python3(box):
    status, out, lines = box.run()
    assert status == 1
    assert out == ''
    assert_only_own_messages(lines)
    assert lines[-2] == 'bootstrap: no uv, and no python3 to install it with'
    last = lines[-1]
    assert last.startswith('bootstrap: ' + GIVE_UP)
    assert 'install uv (https://docs.astral.sh/uv/)' in last
    assert 'python3.11-dev' in last and 'PYTHON=' in last
    assert not os.path.exists(os.path.join(box.repo, '.venv'))


def test_no_uv_and_python3_cannot_get_it(box):
    box.add_python3(user_pip='refused', venv='broken')
    status, _, lines = box.run()
    assert status == 1
    # The failed tool's own words come before ours.
    assert 'ensurepip is not available' in '\n'.join(lines)
    assert lines[-1].startswith('bootstrap: ' + GIVE_UP)
    assert not os.path.exists(os.path.join(box.repo, '.cache', 'uv'))
    assert not os.path.exists(os.path.join(box.repo, '.venv'))


def test_uv_failure_shows_its_output(box):
    box.add_uv(fail_install=True)
    status, _, lines = box.run()
    assert status == 1
    text = '\n'.join(lines)
    assert 'error: failed to download cpython-3.11' in text
    assert lines[-1] == 'bootstrap: {} python install 3.11 failed (its output is above).'.format(
        os.path.join(box.bin, 'uv'))
    assert box.calls_of('uv') == ['python install 3.11']
    assert not os.path.exists(os.path.join(box.repo, '.venv'))


def test_python311_on_path_comes_before_uv(box):
    box.add_uv()
    box.add_python311()
    status, _, lines = box.run()
    assert status == 0, lines
    assert_only_own_messages(lines)
    assert box.calls_of('uv') == []
    assert '-m venv .venv' in box.calls_of('python3.11')
    assert 'bootstrap: creating .venv with {}'.format(
        os.path.join(box.bin, 'python3.11')) in lines


root_only = pytest.mark.skipif(os.geteuid() != 0, reason='apt-get is used as root only')


@root_only
def test_apt_before_uv(box):
    box.add_uv()
    box.add_apt(has_python311=True)
    status, _, lines = box.run()
    assert status == 0, lines
    assert_only_own_messages(lines)  # apt's chatter stays in the log
    assert box.calls_of('uv') == []
    installs = [c for c in box.calls_of('apt-get') if c.startswith('install')]
    assert installs[0] == ('install -y -qq --no-install-recommends python3.11 python3.11-venv '
                           'python3.11-dev')
    assert "bootstrap: no CPython 3.11 found; installing Debian's python3.11 with apt-get" in lines
    assert 'bootstrap: creating .venv with {}'.format(
        os.path.join(box.bin, 'python3.11')) in lines


@root_only
def test_uv_when_apt_has_no_python311(box):
    box.add_uv()
    box.add_apt(has_python311=False)
    box.add_python3()
    status, _, lines = box.run()
    assert status == 0, lines
    assert_only_own_messages(lines)
    assert box.calls_of('apt-cache') == ['show python3.11']
    assert not any('python3.11' in c for c in box.calls_of('apt-get'))
    assert_uv_route(box, lines, os.path.join(box.bin, 'uv'))
