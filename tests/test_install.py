"""install.py, the one installer: what it refuses before changing anything,
how it treats what is installed, and that the pins lie within the ranges
the package requires. (Installing for real, into environments shaped like
notebook platforms: tests/test_platforms.py.)"""
import importlib.util
import os
import re
import shutil
import subprocess

import pytest


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location('install', os.path.join(ROOT, 'install.py'))
install = importlib.util.module_from_spec(spec)
spec.loader.exec_module(install)


def test_versions_compare_as_releases_do():
    key = install.version_key
    assert key('1.26') < key('1.26.4') < key('2.0.2') < key('2.6')
    assert key('2.0') == key('2.0.0')
    assert key('0.27.0rc1') < key('0.27.0') < key('0.27.1')
    assert key('2.5.1+cu121') == key('2.5.1')


@pytest.mark.parametrize('version', [(3, 10), (3, 16)])
def test_an_unsupported_python_is_refused_in_one_line(version):
    with pytest.raises(install.Refused) as refused:
        install.check_python(version)
    assert 'supports CPython 3.11 to 3.15' in str(refused.value)
    assert 'CPython {}.{}'.format(*version) in str(refused.value)


def test_pypy_is_refused():
    with pytest.raises(install.Refused, match='this is PyPy 3.11'):
        install.check_python((3, 11), 'pypy')


@pytest.mark.skipif(not os.path.exists(os.path.expanduser('~/.pyenv/versions/3.10.13/bin/python')),
                    reason="pyenv's CPython 3.10 is not here")
def test_a_real_python_310_exits_1_before_anything(tmp_path):
    run = subprocess.run([os.path.expanduser('~/.pyenv/versions/3.10.13/bin/python'),
                          os.path.join(ROOT, 'install.py')], capture_output=True, text=True,
                         cwd=str(tmp_path))
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        'install.py: facial-keypoints supports CPython 3.11 to 3.15; this is CPython 3.10 '
        '({}): run install.py with one of those'.format(
            os.path.expanduser('~/.pyenv/versions/3.10.13/bin/python'))]
    assert os.listdir(str(tmp_path)) == []


def test_a_python_its_system_manages_is_refused_outside_a_venv(tmp_path):
    (tmp_path / 'EXTERNALLY-MANAGED').write_text('[externally-managed]\n')
    with pytest.raises(install.Refused, match=r'managed by the system.*-m venv ~/fkp'):
        install.check_environment(str(tmp_path), in_venv=False)
    install.check_environment(str(tmp_path), in_venv=True)
    install.check_environment(str(tmp_path / 'elsewhere'), in_venv=False)


def test_no_compiler_says_what_to_install(monkeypatch):
    monkeypatch.delenv('CXX', raising=False)
    with pytest.raises(install.Refused) as refused:
        install.check_tools(which=lambda name: None)
    assert 'g++ is not installed' in str(refused.value)
    assert 'apt-get install g++' in str(refused.value)


def test_the_checkouts_own_metadata_is_not_counted_as_installed(tmp_path, monkeypatch):
    (tmp_path / 'facial_keypoints.egg-info').mkdir()
    (tmp_path / 'facial_keypoints.egg-info' / 'PKG-INFO').write_text(
        'Metadata-Version: 2.1\nName: facial-keypoints\nVersion: 9.9\n')
    monkeypatch.setattr(install, 'HERE', str(tmp_path))
    monkeypatch.syspath_prepend(str(tmp_path))
    assert install.installed_distributions().get('facial-keypoints') != '9.9'


def test_no_python_headers_says_what_to_install(tmp_path):
    with pytest.raises(install.Refused, match=r'Python.h.*python3\.\d+-dev'):
        install.check_tools(which=shutil.which, include=str(tmp_path))


def test_packages_within_range_are_kept_and_those_outside_replaced_by_the_nearest():
    installed = {'numpy': '1.24.4', 'pandas': '2.2.2', 'scikit_learn': '1.9.9',
                 'matplotlib': '3.12.0', 'torch': '2.5.1+cu121'}
    keep, replace, lines = install.plan(installed)
    assert keep == {'pandas': '2.2.2', 'scikit_learn': '1.9.9', 'torch': '2.5.1+cu121'}
    assert replace == ['numpy>=1.26,<1.27', 'matplotlib>=3.7,<3.12']
    assert lines[0] == ('numpy 1.24.4 is older than the tested range (>=1.26,<2.6): '
                        'installing the nearest tested release (numpy>=1.26,<1.27)')
    assert lines[1].startswith('matplotlib 3.12.0 is newer than the tested range (>=3.7,<3.12)')
    # scikit-learn 1.9.9 lies within >=1.3,<1.10, whatever its spelling
    assert not [line for line in lines if 'scikit' in line]


def test_only_the_ranges_for_this_python_apply():
    on_314 = [entry[:2] for entry in install.dependencies((3, 14))]
    on_315 = [entry[:2] for entry in install.dependencies((3, 15))]
    assert ('scikit-image', '0.24') in on_314 and ('scikit-image', '0.27.0rc1') in on_315
    assert ('setuptools', '65') not in [e[:2] for e in install.dependencies((3, 11))]


def pins(path, version):
    """{name: version} of a requirements file's exact pins for CPython
    ``version``."""
    found = {}
    for line in open(path):
        line = line.split('#')[0].strip()
        match = re.match(r'([A-Za-z0-9_.-]+)==([^;\s]+)\s*(?:;\s*(.*))?$', line)
        if match and (not match.group(3) or eval(match.group(3), {
                'python_version': VersionText('{}.{}'.format(*version))})):
            found[install.canonical(match.group(1))] = match.group(2)
    return found


class VersionText(str):
    """A python_version marker's value, compared as a version."""

    def __lt__(self, other):
        return install.version_key(self) < install.version_key(other)

    def __ge__(self, other):
        return not self < other


SUPPORTED = [(3, minor) for minor in range(install.ABOUT['SUPPORTED_PYTHON'][0][1],
                                           install.ABOUT['SUPPORTED_PYTHON'][1][1])]


@pytest.mark.parametrize('version', SUPPORTED, ids='{0[0]}.{0[1]}'.format)
def test_the_pins_lie_within_the_ranges_the_package_requires(version):
    pinned = pins(os.path.join(ROOT, 'requirements.txt'), version)
    for name, lowest, past, _ in install.dependencies(version):
        version = pinned[install.canonical(name)]
        assert install.version_key(lowest) <= install.version_key(version), (name, version)
        assert past is None or install.version_key(version) < install.version_key(past)
    for name, version in install.ABOUT['STACK']:
        assert pinned[install.canonical(name)] == version
