"""libgpuarray's CUDA header read from the library, and the links by the
names libgpuarray opens CUDA's libraries by (the CUDA image and the GPU
check use them; tests/test_docker_images.py and tests/test_gpu_bundle.py
run them for real)."""
import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

from facial_keypoints.upstream import gpu_kernels


ROOT = os.path.join(os.path.dirname(__file__), '..')
HEADER = (b'#ifndef CLUDA_H\n#define CLUDA_H\n' + gpu_kernels.CUDA_HEADER_MARK +
          b'\n#define KERNEL extern "C" __global__\n#endif\n')


def cuda_links():
    spec = importlib.util.spec_from_file_location(
        'cuda_links', os.path.join(ROOT, 'scripts', 'cuda_links.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cuda_header_is_the_c_string_around_its_mark(tmp_path):
    library = tmp_path / 'libgpuarray.so.3'
    opencl = b'#ifndef CLUDA_H\n#define CLUDA_H\n#define local_barrier() barrier()\n'
    library.write_bytes(b'\x7fELF\0' + opencl + b'\0' + HEADER + b'\0rest\0')
    assert gpu_kernels.cuda_header(str(library)) == HEADER.decode()


def test_a_library_without_cuda_says_so(tmp_path):
    library = tmp_path / 'libgpuarray.so.3'
    library.write_bytes(b'\x7fELF\0only OpenCL here\0')
    with pytest.raises(ValueError, match='no CUDA header'):
        gpu_kernels.cuda_header(str(library))


def test_cuda_links_finds_the_versioned_library_not_its_companions(tmp_path, monkeypatch):
    module = cuda_links()
    folder = tmp_path / 'nvidia' / 'cu13' / 'lib'
    folder.mkdir(parents=True)
    for name in ('libnvrtc-builtins.so.13.0', 'libnvrtc.so.13', 'libcublasLt.so.13',
                 'libcublas.so.13'):
        (folder / name).write_bytes(b'')
    monkeypatch.setattr(module, 'FOLDERS', [str(folder)])
    monkeypatch.setattr(module, 'wheel_folders', lambda: [])
    assert module.find('libnvrtc.so', module.LIBRARIES['libnvrtc.so']) == str(
        folder / 'libnvrtc.so.13')
    assert module.find('libcublas.so', module.LIBRARIES['libcublas.so']) == str(
        folder / 'libcublas.so.13')
    assert module.find('libcublas.so', r'libcublas\.so\.99') is None


def test_cuda_links_links_each_name_and_prints_the_folders(tmp_path, monkeypatch, capsys):
    module = cuda_links()
    folder, links = tmp_path / 'lib', tmp_path / 'links'
    folder.mkdir()
    links.mkdir()
    for name in ('libnvrtc.so.12', 'libcublas.so.12'):
        (folder / name).write_bytes(b'')
    monkeypatch.setattr(module, 'LIBRARIES', {k: v for k, v in module.LIBRARIES.items()
                                              if k != 'libcuda.so'})
    monkeypatch.setattr(module, 'FOLDERS', [str(folder)])
    monkeypatch.setattr(module, 'wheel_folders', lambda: [])
    monkeypatch.setattr(module, 'loaded_path', lambda name: None)
    assert module.main(['cuda_links.py', str(links)]) == 0
    assert os.readlink(links / 'libnvrtc.so') == str(folder / 'libnvrtc.so.12')
    assert os.readlink(links / 'libcublas.so') == str(folder / 'libcublas.so.12')
    assert capsys.readouterr().out.strip() == str(folder)
    (folder / 'libcublas.so.12').unlink()
    (tmp_path / 'more').mkdir()
    assert module.main(['cuda_links.py', str(tmp_path / 'more')]) == 1


def test_cuda_links_finds_a_loaded_library_under_its_file_s_own_version(tmp_path):
    """The driver's libcuda.so.1 is a link to libcuda.so.<driver version>,
    the name /proc/self/maps shows."""
    if shutil.which('gcc') is None:
        pytest.skip('no gcc')
    source = tmp_path / 'fake.c'
    source.write_text('int fake(void) { return 1; }\n')
    subprocess.run(['gcc', '-shared', '-fPIC', '-Wl,-soname,libfake.so.1', str(source), '-o',
                    str(tmp_path / 'libfake.so.580.65.06')], check=True)
    os.symlink('libfake.so.580.65.06', str(tmp_path / 'libfake.so.1'))
    script = ('import sys; sys.path.insert(0, {!r}); import cuda_links; '
              'print(cuda_links.loaded_path("libfake.so.1"), cuda_links.loaded_path("libfake.so"))'
              ).format(os.path.join(ROOT, 'scripts'))
    run = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                         env=dict(os.environ, LD_LIBRARY_PATH=str(tmp_path)))
    assert run.stdout.split() == [str(tmp_path / 'libfake.so.580.65.06'), 'None'], run.stderr
