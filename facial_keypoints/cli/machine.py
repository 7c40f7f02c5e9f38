"""The commands of the machine: doctor, and a net's GPU kernels captured
on a device and compiled with NVRTC."""
from ..upstream.gpu_kernels import ARCH
from .options import FILE, arg
from .registry import command

@command('doctor', 'say what is installed and whether Theano works on the configured '
         'device (exit 0 when it does)', data=False)
def cmd_doctor(args):
    from ..commands.doctor import run_doctor
    return run_doctor()


@command('capture_kernels', "write the GPU kernels of a net's functions, as Theano makes "
         'them on the configured GPU device (OpenCL will do), to JSON',
         arg('name', metavar='NAME', help='the net (net1..net8, net, a W207 variant)'),
         arg('out', metavar='OUT.json'), data=False)
def cmd_capture_kernels(args):
    from ..commands.kernels import capture
    return capture(args.name, args.out)


@command('compile_kernels', 'compile the kernels of capture_kernels with NVRTC as '
         'libgpuarray does on CUDA, without a GPU (exit 0 when every one compiles)',
         arg('kernels', type=FILE, metavar='IN.json'),
         arg('--arch', default=ARCH, help='the architecture (default {})'.format(ARCH)),
         data=False)
def cmd_compile_kernels(args):
    from ..commands.kernels import compile_file
    return compile_file(args.kernels, args.arch)
