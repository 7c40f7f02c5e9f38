"""The CUDA lines of the doctor's report: the NVIDIA driver, the GPU's
architecture and how kernels reach it, the libraries libgpuarray opens
(NVRTC, cuBLAS), cuDNN."""
import ctypes
import os
import re
import shutil
import subprocess

from .images import arch, family, image_for, image_with_nvrtc
from .report import first_line

#: The CUDA libraries libgpuarray 0.7.6 opens with dlopen, by these exact
#: (unversioned) names: the driver's libcuda, and NVRTC and cuBLAS from the
#: toolkit, whose unversioned links come with its -dev packages.
CUDA_LIBRARIES = ('libcuda.so', 'libnvrtc.so', 'libcublas.so')


NO_DRIVER = 'install the NVIDIA driver, or set THEANO_FLAGS=device=cpu'


#: In a container the driver is the host's, put in by the NVIDIA Container
#: Toolkit when asked.
NO_DRIVER_IN_CONTAINER = ('run the container with `docker run --gpus all` on a '
                          'machine with the NVIDIA driver and the NVIDIA '
                          'Container Toolkit, or set THEANO_FLAGS=device=cpu')


def in_container():
    """True in a Docker container (Docker's marker file)."""
    return os.path.exists('/.dockerenv')


def driver_state():
    """The NVIDIA driver's CUDA version as ``(major, minor)`` and a
    description; ``(None, reason)`` without a driver."""
    try:
        libcuda = ctypes.CDLL('libcuda.so.1')
    except OSError as e:
        return None, 'not found ({})'.format(first_line(e, False))
    number = ctypes.c_int()
    if libcuda.cuDriverGetVersion(ctypes.byref(number)) != 0:
        return None, 'libcuda.so.1 loads, but cuDriverGetVersion failed'
    cuda = (number.value // 1000, number.value % 1000 // 10)
    words = 'supports CUDA {}.{}'.format(*cuda)
    smi = nvidia_smi()
    if smi:
        words = '{}; {}'.format(smi, words)
    return cuda, words


def nvidia_smi():
    """'driver 550.54.15, NVIDIA H100 ...' from nvidia-smi, or ''."""
    if not shutil.which('nvidia-smi'):
        return ''
    try:
        run = subprocess.run(
            ['nvidia-smi', '--query-gpu=driver_version,name',
             '--format=csv,noheader'],
            capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ''
    gpus = [line.split(', ', 1) for line in run.stdout.splitlines()
            if ', ' in line]
    if run.returncode or not gpus:
        return ''
    return 'driver {}, {}'.format(gpus[0][0], '; '.join(g[1] for g in gpus))


def cuda_library_state(name):
    """How one library libgpuarray opens by name is found, in words."""
    try:
        library = ctypes.CDLL(name)
    except OSError as e:
        return 'not found ({})'.format(first_line(e, False))
    if name == 'libnvrtc.so' and nvrtc_version():
        wrapper = hasattr(library, 'fkp_nvrtc_arch_for')  # upstream/nvrtc_arch.c's
        return 'found (NVRTC {}.{}{})'.format(
            *nvrtc_version(), ", the project's wrapper of it" if wrapper else '')
    return 'found'


def nvrtc_version():
    """The version of the NVRTC libgpuarray would load, ``(major, minor)``,
    or None."""
    from ...upstream.gpu_kernels import KernelCompileError, Nvrtc
    try:
        return Nvrtc().version()
    except (OSError, KernelCompileError):
        return None


def nvrtc_driver_problem(nvrtc, cuda):
    """``(problem, advice)`` when the driver is older than NVRTC, else None.

    libgpuarray compiles its kernels to PTX with NVRTC, and a driver cannot
    load PTX from a newer CUDA: CUDA's minor-version compatibility does not
    cover it. ``nvrtc`` and ``cuda`` are ``(major, minor)`` or None.
    """
    if nvrtc is None or cuda is None or nvrtc <= cuda:
        return None
    return ('NVRTC {}.{} is newer than the driver\'s CUDA {}.{}, so the '
            'driver cannot load the kernels it compiles'.format(*(nvrtc + cuda)),
            'update the driver, or use a CUDA toolkit (image) no newer than '
            'CUDA {}.{}'.format(*cuda))


def device_capability(device):
    """The compute capability ``(major, minor)`` of CUDA device ``device``
    ('cuda' or 'cudaN'), from the driver; None where it cannot be read."""
    try:
        libcuda = ctypes.CDLL('libcuda.so.1')
    except OSError:
        return None
    handle, major, minor = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    ordinal = int(device[4:]) if device[4:].isdigit() else 0
    if (libcuda.cuInit(0) or libcuda.cuDeviceGet(ctypes.byref(handle), ordinal)
            or libcuda.cuDeviceGetAttribute(ctypes.byref(major), 75, handle)
            or libcuda.cuDeviceGetAttribute(ctypes.byref(minor), 76, handle)):
        return None
    return major.value, minor.value


def kernel_path(capability, nvrtc):
    """``(words, problem)``: how Theano's kernels reach a GPU of
    ``capability`` through NVRTC ``nvrtc`` (each ``(major, minor)``), or,
    where this set-up's image does not run on it, the problem and the image
    that does."""
    gpu = 'compute capability {}.{} ({})'.format(capability[0], capability[1],
                                                 family(capability))
    image = image_with_nvrtc(nvrtc)
    path = image.path(capability) if image else 'native'
    if path == 'native':
        return '{}: kernels compiled for {}'.format(gpu, arch(capability, 'compute_')), None
    if path == 'ptx':
        return ('{}, newer than NVRTC {}.{} knows: kernels compiled as PTX for {}, which the '
                'driver compiles for {}'.format(gpu, image.nvrtc[0], image.nvrtc[1],
                                                arch(image.newest, 'compute_'),
                                                arch(capability)), None)
    fits = image_for(capability)
    return None, ('this GPU, {}, is not one that NVRTC {}.{} and its drivers run ({} to {})'
                  .format(gpu, image.nvrtc[0], image.nvrtc[1], arch(image.oldest),
                          arch(image.newest)),
                  'use the image {} ({})'.format(fits.name, fits.dockerfile) if fits else
                  'no image of this project runs on it; set THEANO_FLAGS=device=cpu')


def cudnn_problem(message):
    """Theano's reason for no cuDNN, in one line: its compiler's error
    comes as the repr of bytes, over several lines."""
    text = str(message or 'no reason given')
    match = re.search(r'fatal error: ([^\\\n]+)', text)
    if match:
        return 'cannot compile with cuDNN: ' + match.group(1).strip()
    return text.strip().splitlines()[0]


def report_cuda(report, pygpu, device):
    """The CUDA lines of the GPU section: the driver and the libraries
    libgpuarray opens. False when Theano is configured for a CUDA device
    and pygpu is there, but no driver or a libgpuarray that cannot name the
    GPU's architecture (reported as failed)."""
    gpu = device is not None
    cuda, driver = driver_state()
    if gpu and cuda is None and pygpu is not None:
        report.check('NVIDIA driver', 'Theano is configured for device={}, and '
                     'there is no NVIDIA driver: {}'.format(device, driver),
                     NO_DRIVER_IN_CONTAINER if in_container() else NO_DRIVER)
        return False
    report.line('NVIDIA driver', driver)
    capability = device_capability(device) if gpu and cuda is not None else None
    if capability is not None:
        words, problem = kernel_path(capability, nvrtc_version())
        if problem:
            report.check('GPU architecture', *problem)
            return False
        report.line('GPU architecture', words)
    if pygpu is not None or gpu:
        for name in CUDA_LIBRARIES:
            report.line(name, cuda_library_state(name))
        problem = nvrtc_driver_problem(nvrtc_version(), cuda)
        if problem and gpu:
            report.check('NVRTC and driver', *problem)
        elif problem:
            # Not this run's device, but it would break a later GPU run.
            report.line('NVRTC and driver', 'warning: {}; {}'.format(*problem))
    return True
