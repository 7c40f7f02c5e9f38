"""The CUDA kernels of Theano's GPU back-end, compiled without a GPU.

On CUDA, libgpuarray 0.7.6 compiles each kernel of Theano's GPU ops with
NVRTC, to PTX for the GPU in use (``call_compiler`` in its
``gpuarray_buffer_cuda.c``): the kernel's source as Theano wrote it, the CUDA
header that libgpuarray embeds given to NVRTC as ``cluda.h`` (the kernels
``#include`` it), and the options ``-arch compute_XY``. The kernels are
written once, in libgpuarray's dialect, for CUDA and OpenCL alike, so those
of a graph compiled for an OpenCL device are, but for the ops only one of
them has, the ones CUDA compiles. NVRTC needs no GPU: this module does what
libgpuarray does, on any machine with NVRTC and libgpuarray
(``kfkd capture_kernels`` and ``compile_kernels`` run it). In the CUDA images
``libnvrtc.so`` is ``nvrtc_arch.c`` beside this module, a wrapper of the real
NVRTC that compiles for an architecture it knows where libgpuarray asks for
one it does not.
"""
import ctypes
import os
import re

#: The libraries, by the names libgpuarray opens them.
NVRTC, LIBGPUARRAY = 'libnvrtc.so', 'libgpuarray.so.3'
#: The architecture kernels are compiled for unless told: Hopper's.
ARCH = 'compute_90'

#: The first line of libgpuarray's CUDA header but its include guard.
CUDA_HEADER_MARK = b'#define local_barrier() __syncthreads()'


class KernelCompileError(Exception):
    """NVRTC did not compile a kernel; the message holds its log."""


def kernels_of(*functions):
    """The kernels of compiled Theano functions' GPU ops.

    Returns
    -------
    list of dict
        ``{'op': ..., 'name': ..., 'code': ...}`` for each kernel, each
        source once.
    """
    found, seen = [], set()
    for function in functions:
        for index, node in enumerate(function.maker.fgraph.toposort()):
            if not hasattr(node.op, 'gpu_kernels'):
                continue
            for kernel in node.op.gpu_kernels(node, 'node_{}'.format(index)):
                if kernel.code not in seen:
                    seen.add(kernel.code)
                    found.append({'op': type(node.op).__name__, 'name': kernel.name,
                                  'code': kernel.code})
    return found


def net_kernels(net):
    """The kernels of a nolearn net's training, validation and prediction
    functions, compiled for Theano's configured device."""
    net.initialize()
    return kernels_of(net.train_iter_, net.eval_iter_, net.predict_iter_)


def library_path(name):
    """The file the dynamic loader opens for library ``name`` (it is
    loaded; OSError where it is not found). The file may carry another
    version in its name than ``name`` does: the driver's libcuda.so.1 is
    libcuda.so.<driver version>."""
    ctypes.CDLL(name)
    library = name[:name.index('.so') + 3]
    with open('/proc/self/maps') as maps:
        for line in maps:
            path = line.split(None, 5)[-1].strip()
            base = os.path.basename(path)
            if base == library or base.startswith(library + '.'):
                return path
    raise OSError('{} loads, but is not in /proc/self/maps'.format(name))


def cuda_header(path=None):
    """libgpuarray's CUDA header, as the library embeds it (a C string)."""
    with open(path or library_path(LIBGPUARRAY), 'rb') as f:
        data = f.read()
    mark = data.find(CUDA_HEADER_MARK)
    if mark < 0:
        raise ValueError('{}: no CUDA header in it (built without CUDA?)'.format(
            path or LIBGPUARRAY))
    start = data.rfind(b'\0', 0, mark) + 1
    return data[start:data.index(b'\0', mark)].decode('ascii')


class Nvrtc:
    """NVRTC through ctypes, called as libgpuarray calls it."""

    def __init__(self, name=NVRTC):
        self.lib = ctypes.CDLL(name)
        self.lib.nvrtcGetErrorString.restype = ctypes.c_char_p

    def version(self):
        major, minor = ctypes.c_int(), ctypes.c_int()
        self._call('nvrtcVersion', ctypes.byref(major), ctypes.byref(minor))
        return major.value, minor.value

    def _call(self, function, *args):
        result = getattr(self.lib, function)(*args)
        if result != 0:
            raise KernelCompileError('{}: {}'.format(
                function, self.lib.nvrtcGetErrorString(result).decode()))

    def ptx(self, code, arch, header):
        """Compile ``code`` for ``arch`` (e.g. 'compute_90') with ``header``
        as cluda.h; the PTX, or KernelCompileError with NVRTC's log."""
        program = ctypes.c_void_p()
        strings = ctypes.c_char_p * 1
        self._call('nvrtcCreateProgram', ctypes.byref(program), code.encode(), None, 1,
                   strings(header.encode()), strings(b'cluda.h'))
        try:
            options = (ctypes.c_char_p * 2)(b'-arch', arch.encode())
            result = self.lib.nvrtcCompileProgram(program, 2, options)
            if result != 0:
                size = ctypes.c_size_t()
                self._call('nvrtcGetProgramLogSize', program, ctypes.byref(size))
                log = ctypes.create_string_buffer(size.value)
                self._call('nvrtcGetProgramLog', program, log)
                raise KernelCompileError('{}: {}'.format(
                    self.lib.nvrtcGetErrorString(result).decode(),
                    log.value.decode(errors='replace').strip()))
            size = ctypes.c_size_t()
            self._call('nvrtcGetPTXSize', program, ctypes.byref(size))
            ptx = ctypes.create_string_buffer(size.value)
            self._call('nvrtcGetPTX', program, ptx)
            return ptx.value.decode()
        finally:
            self._call('nvrtcDestroyProgram', ctypes.byref(program))


def ptx_target(ptx):
    """The architecture PTX was compiled for ('sm_90'), from its .target."""
    return re.search(r'^\s*\.target\s+(\w+)', ptx, re.MULTILINE).group(1)


def compile_kernels(kernels, arch=ARCH):
    """Compile each kernel as libgpuarray would for ``arch``.

    Returns
    -------
    list of (dict, str or None, str)
        Each kernel, its PTX (None where NVRTC failed), and NVRTC's error.
    """
    nvrtc, header = Nvrtc(), cuda_header()
    results = []
    for kernel in kernels:
        try:
            results.append((kernel, nvrtc.ptx(kernel['code'], arch, header), ''))
        except KernelCompileError as e:
            results.append((kernel, None, str(e)))
    return results
