"""The CUDA kernels of a net, captured on one GPU device and compiled with
NVRTC as libgpuarray would on CUDA, without a GPU
(:mod:`facial_keypoints.upstream.gpu_kernels` says how).

    python -m facial_keypoints.commands.kernels capture NET OUT.json
    python -m facial_keypoints.commands.kernels compile IN.json [ARCH]

``capture`` needs Theano on a GPU device (OpenCL will do); ``compile``
(ARCH default compute_90) needs neither Theano nor a GPU, only
``libnvrtc.so`` and libgpuarray: the CUDA image checks its NVRTC with it.
"""
import json
import sys

from ..base.atomic import atomic_write
from ..upstream.compat import silenced
from ..upstream.gpu_kernels import LIBGPUARRAY, Nvrtc, compile_kernels, library_path, net_kernels


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


def compile_file(path, arch='compute_90'):
    """Compile the kernels in ``path`` for ``arch``, a line each; 0 when
    every one compiled."""
    with open(path) as f:
        kernels = json.load(f)
    results = compile_kernels(kernels, arch)
    print('NVRTC {}.{}, libgpuarray {}'.format(*Nvrtc().version(), library_path(LIBGPUARRAY)))
    for kernel, ptx, error in results:
        print('{} {} ({}): {}'.format(
            'ok' if ptx else 'FAILED', kernel['name'], kernel['op'],
            '{} bytes of PTX for {}'.format(len(ptx), arch) if ptx else error))
    failed = sum(ptx is None for _, ptx, _ in results)
    print('{} of {} kernels compiled for {}'.format(len(results) - failed, len(results), arch))
    return 1 if failed or not results else 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 3 and argv[0] == 'capture':
        return capture(argv[1], argv[2])
    if len(argv) in (2, 3) and argv[0] == 'compile':
        return compile_file(*argv[1:])
    print(__doc__.split('\n\n')[1], file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
