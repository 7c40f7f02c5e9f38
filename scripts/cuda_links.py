"""Links by the names libgpuarray 0.7.6 opens its CUDA libraries by.

    python cuda_links.py DIR

libgpuarray calls ``dlopen("libcuda.so")``, ``dlopen("libnvrtc.so")`` and
``dlopen("libcublas.so")``: unversioned names, which only a CUDA toolkit's
development files provide. For each name the loader does not find, this
makes a link in DIR to the versioned library found on the machine: the
driver's (loaded by its soname), the toolkit's under /usr/local/cuda, or
those of the NVIDIA wheels PyTorch installs. It prints the folders of the
libraries linked, joined by ':', for LD_LIBRARY_PATH (NVRTC and cuBLAS load
companions of theirs from there). gpu-bundle/check.sh runs it, with this
project importable.
"""
import glob
import os
import re
import site
import sys

from facial_keypoints.upstream.gpu_kernels import library_path

#: Each name libgpuarray opens, and the versioned names it may be found by
#: (the driver's libcuda: by its soname).
LIBRARIES = {'libcuda.so': None, 'libnvrtc.so': r'libnvrtc\.so\.\d+(\.\d+)*',
             'libcublas.so': r'libcublas\.so\.\d+(\.\d+)*'}

FOLDERS = ['/usr/local/cuda/lib64', '/usr/local/nvidia/lib64', '/usr/lib/x86_64-linux-gnu',
           '/usr/lib64']


def loaded_path(name):
    """The file the dynamic loader opens for ``name``, or None."""
    try:
        return library_path(name)
    except OSError:
        return None


def wheel_folders():
    """The lib/ folders of NVIDIA's wheels (nvidia/*/lib, nvidia/cu13/lib)."""
    return sorted(folder for packages in site.getsitepackages()
                  for folder in glob.glob(os.path.join(packages, 'nvidia', '**', 'lib'),
                                          recursive=True))


def find(name, pattern):
    """The versioned library for ``name``: loaded by its driver soname, or
    the first match in FOLDERS and the wheels' folders."""
    if pattern is None:
        return loaded_path('libcuda.so.1')
    for folder in FOLDERS + wheel_folders():
        for path in sorted(glob.glob(os.path.join(folder, name + '.*'))):
            if re.fullmatch(pattern, os.path.basename(path)):
                return path
    return None


def main(argv):
    links = argv[1]
    folders = []
    for name, pattern in LIBRARIES.items():
        if loaded_path(name):
            continue
        path = find(name, pattern)
        if path is None:
            print('cuda_links: no {} on this machine'.format(name), file=sys.stderr)
            return 1
        os.symlink(path, os.path.join(links, name))
        print('cuda_links: {} -> {}'.format(name, path), file=sys.stderr)
        folders.append(os.path.dirname(os.path.realpath(path)))
    print(':'.join(dict.fromkeys(folders)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
