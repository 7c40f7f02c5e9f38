"""The CUDA kernels of a net, captured on one GPU device and compiled with
NVRTC as libgpuarray would on CUDA, without a GPU
(:mod:`facial_keypoints.upstream.gpu_kernels` says how).

    python -m facial_keypoints.kfkd capture_kernels NET OUT.json
    python -m facial_keypoints.kfkd compile_kernels IN.json [--arch ARCH]

``capture`` needs Theano on a GPU device (OpenCL will do); ``compile``
(ARCH default compute_90, Hopper's) needs neither Theano nor a GPU, only
``libnvrtc.so`` and libgpuarray: the CUDA image checks its NVRTC with it.
"""
import json

from ..base.atomic import atomic_write
from ..upstream.compat import silenced
from ..upstream.gpu_kernels import (ARCH, LIBGPUARRAY, Nvrtc, compile_kernels, library_path,
                                    net_kernels, ptx_target)


def capture(name, path):
    """Write the kernels of net ``name`` on Theano's device to ``path``."""
    from ..model.registry import get_net
    net = get_net(name)
    with silenced():
        kernels = net_kernels(net)
    with atomic_write(path, 'w') as f:
        json.dump(kernels, f, indent=1)
    print('{} kernels of {}: {}'.format(len(kernels), name, path))
    return 0


def compile_file(path, arch=ARCH):
    """Compile the kernels in ``path`` for ``arch``, a line each, saying
    what NVRTC compiled them for (the project's libnvrtc.so may choose
    another architecture); 0 when every one compiled."""
    with open(path) as f:
        kernels = json.load(f)
    results = compile_kernels(kernels, arch)
    print('NVRTC {}.{}, libgpuarray {}'.format(*Nvrtc().version(), library_path(LIBGPUARRAY)))
    for kernel, ptx, error in results:
        print('{} {} ({}): {}'.format(
            'ok' if ptx else 'FAILED', kernel['name'], kernel['op'],
            '{} bytes of PTX for {}'.format(len(ptx), ptx_target(ptx)) if ptx else error))
    failed = sum(ptx is None for _, ptx, _ in results)
    targets = sorted({ptx_target(ptx) for _, ptx, _ in results if ptx})
    print('{} of {} kernels compiled for {}{}'.format(
        len(results) - failed, len(results), arch,
        ' (PTX for {})'.format(', '.join(targets)) if targets else ''))
    return 1 if failed or not results else 0
