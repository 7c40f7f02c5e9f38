"""scripts/lib.sh, the helpers every shell script of the project shares."""
import glob
import os
import re
import subprocess

import pytest


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = os.path.join(ROOT, 'scripts', 'lib.sh')


def sh(code):
    return subprocess.run(['sh', '-c', 'name=test; . {}; {}'.format(LIB, code)],
                          capture_output=True, text=True)


def test_quietly_shows_output_only_when_the_command_fails():
    ok = sh('quietly sh -c "echo chatter; echo more >&2"; echo "status $?"')
    assert ok.stdout == 'status 0\n' and ok.stderr == ''
    failed = sh('quietly sh -c "echo why >&2; exit 3"; echo "status $?"')
    assert failed.stdout == 'status 3\n'
    assert failed.stderr == 'why\ntest: failed (exit status 3): sh -c echo why >&2; exit 3\n'


def test_under_set_e_a_failure_stops_the_script():
    run = sh('set -e; quietly false; echo not reached')
    assert run.returncode == 1 and 'not reached' not in run.stdout


def test_die_signs_its_line_and_exits_1():
    run = sh('die "no compiler"')
    assert run.returncode == 1 and run.stderr == 'test: no compiler\n'


SCRIPTS = sorted(glob.glob(os.path.join(ROOT, 'scripts', '*.sh'))) + [
    os.path.join(ROOT, 'docker', 'install.sh')]


@pytest.mark.parametrize('path', [p for p in SCRIPTS if not p.endswith('lib.sh')],
                         ids=os.path.basename)
def test_each_script_that_talks_uses_the_shared_helpers(path):
    text = open(path).read()
    for helper in ('say', 'die', 'quietly', 'apt_install'):
        assert not re.search(r'^\s*{}\(\)'.format(helper), text, re.M), (path, helper)
    if re.search(r'^\s*(say|die|quietly|apt_install) ', text, re.M):
        assert 'lib.sh' in text, path
