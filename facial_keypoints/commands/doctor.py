"""Say whether Theano works on the device it is configured for, and if not,
why and what to do.

:func:`run_doctor` prints the versions of the stack, Theano's configuration,
the state of the GPU back-end (pygpu and libgpuarray, the NVIDIA driver, the
CUDA libraries libgpuarray loads, cuDNN), then runs two checks on the
configured device: a small compiled Theano function, and one forward pass of
the tutorial's net2. Run it with ``python -m facial_keypoints.commands.doctor``.
"""
import contextlib
import ctypes
import importlib.metadata
import io
import os
import re
import shutil
import subprocess
import sys
import warnings

import numpy as np

#: Distributions whose versions are reported, with the names to print.
PACKAGES = (('Theano', 'Theano'), ('Lasagne', 'Lasagne'),
            ('nolearn', 'nolearn'), ('numpy', 'NumPy'))

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

INSTALL_PYGPU = ('install pygpu 0.7.6 (scripts/wheelhouse.sh builds it; the '
                 'GPU Docker images include it) or set THEANO_FLAGS=device=cpu')


class Report:
    """Lines for the user, and whether a check has failed."""

    def __init__(self, out):
        self.out = out
        self.failed = []

    def section(self, title):
        print(title, file=self.out)

    def line(self, label, text):
        print('  {}: {}'.format(label, text), file=self.out)

    def check(self, label, problem=None, advice=None):
        """Report a check: ``ok``, or ``FAILED: problem; advice``."""
        if problem is None:
            self.line(label, 'ok')
        else:
            self.failed.append(label)
            self.line(label, 'FAILED: {}; {}'.format(problem, advice))


def version(distribution):
    """The installed version of ``distribution``, or 'not installed'."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return 'not installed'


def first_line(error, with_type=True):
    """An exception as one line: its type, and the first line of its text."""
    message = error.args[0] if len(error.args) == 1 else error
    if isinstance(message, bytes):
        # pygpu passes libgpuarray's C strings through undecoded
        message = message.decode('utf-8', 'replace')
    lines = str(message).strip().splitlines()
    text = lines[0] if lines else ''
    if with_type or not text:
        return '{}: {}'.format(type(error).__name__, text).rstrip(': ')
    return text


def in_container():
    """True in a Docker container (Docker's marker file)."""
    return os.path.exists('/.dockerenv')


def is_gpu_device(device):
    return device.startswith('cuda') or device.startswith('opencl')


def blas_description(ldflags):
    """What Theano's ``blas.ldflags`` means for speed, in words."""
    if not ldflags.strip():
        return ('NumPy C-API fallback: Theano links no BLAS library and '
                'calls NumPy\'s instead, which is slower; install '
                'libopenblas-dev')
    if 'openblas' in ldflags:
        return 'OpenBLAS, linked into Theano\'s compiled ops'
    if 'mkl' in ldflags:
        return 'MKL, linked into Theano\'s compiled ops'
    return 'the library these flags link'


def pygpu_state():
    """``(module, description)``: pygpu if it imports, and its versions."""
    try:
        import pygpu
        import pygpu.gpuarray
    except ImportError as e:
        if getattr(e, 'name', None) == 'pygpu':
            return None, 'not installed (pygpu not importable)'
        # e.g. pygpu is there but cannot load libgpuarray
        return None, 'not usable (pygpu not importable: {})'.format(
            first_line(e))
    api = pygpu.gpuarray.api_version()
    abi = pygpu.gpuarray.abi_version()
    return pygpu, 'pygpu {}, libgpuarray API {} ABI {}.{}'.format(
        pygpu.__version__, api[0], abi[0], abi[1])


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
        ctypes.CDLL(name)
    except OSError as e:
        return 'not found ({})'.format(first_line(e, False))
    if name == 'libnvrtc.so' and nvrtc_version():
        return 'found (NVRTC {}.{})'.format(*nvrtc_version())
    return 'found'


def nvrtc_version():
    """The version of the NVRTC libgpuarray would load, ``(major, minor)``,
    or None."""
    try:
        nvrtc = ctypes.CDLL('libnvrtc.so')
    except OSError:
        return None
    major, minor = ctypes.c_int(), ctypes.c_int()
    if nvrtc.nvrtcVersion(ctypes.byref(major), ctypes.byref(minor)) != 0:
        return None
    return major.value, minor.value


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


def libgpuarray_path():
    """Where libgpuarray is loaded from, or None where it is not found."""
    from ..upstream.gpu_kernels import LIBGPUARRAY, library_path
    try:
        return library_path(LIBGPUARRAY)
    except OSError:
        return None


def arch_problem(capability, library):
    """``(problem, advice)`` for a GPU whose architecture an unpatched
    libgpuarray 0.7.6 cannot name, else None.

    Its ``detect_arch`` writes ``compute_XY`` into ``strlen("compute_") + 3``
    bytes, so compute capability 10.0 and later (Blackwell) becomes
    ``compute_10``, which NVRTC rejects; scripts/wheelhouse.sh builds it
    with the buffer made large enough. Debian's build, under /usr, is not.
    """
    if capability is None or capability[0] < 10 or not library \
            or not library.startswith('/usr/'):
        return None
    return ('{} (libgpuarray 0.7.6 from Debian) names compute capability {}.{} '
            'compute_{}, cut short'.format(library, capability[0], capability[1],
                                           str(capability[0])[:2]),
            'install the pygpu of scripts/wheelhouse.sh, whose libgpuarray is '
            'patched, with a CUDA of 12.8 or later for this GPU')


#: OpenCL's clGetPlatformInfo names: the platform's name and version.
CL_PLATFORM_VERSION, CL_PLATFORM_NAME = 0x0901, 0x0902

#: The BLAS libraries libgpuarray opens on OpenCL, by their unversioned
#: names: clBLAS, else CLBlast (Debian 12 has only CLBlast).
OPENCL_BLAS = (('libclBLAS.so', 'clBLAS'), ('libclblast.so', 'CLBlast'))

#: Where the OpenCL loader (ocl-icd) finds the installed implementations.
OPENCL_VENDORS = '/etc/OpenCL/vendors'


def opencl_platforms():
    """The OpenCL platforms the loader finds, as 'name (version)', in
    their order (``opencl<P>:<D>`` counts from 0); raises OSError without
    the loader."""
    lib = ctypes.CDLL('libOpenCL.so.1')
    count = ctypes.c_uint()
    if lib.clGetPlatformIDs(0, None, ctypes.byref(count)) != 0 or not count.value:
        return []
    ids = (ctypes.c_void_p * count.value)()
    lib.clGetPlatformIDs(count, ids, None)
    names = []
    for platform in ids:
        text = []
        for what in (CL_PLATFORM_NAME, CL_PLATFORM_VERSION):
            buffer = ctypes.create_string_buffer(512)
            lib.clGetPlatformInfo(ctypes.c_void_p(platform), what, 512, buffer, None)
            text.append(buffer.value.decode('utf-8', 'replace'))
        names.append('{} ({})'.format(*text))
    return names


def opencl_platform_state(device):
    """The platform of ``opencl<P>:<D>``, in words."""
    try:
        platforms = opencl_platforms()
    except OSError as e:
        return 'no OpenCL loader ({}); install ocl-icd-libopencl1'.format(first_line(e, False))
    number = int(device[len('opencl'):].split(':')[0] or 0)
    if number >= len(platforms):
        return 'platform {} not found ({} platforms)'.format(number, len(platforms))
    return platforms[number]


def opencl_icds(directory=OPENCL_VENDORS):
    """The implementations registered with the OpenCL loader, in words."""
    try:
        icds = sorted(f for f in os.listdir(directory) if f.endswith('.icd'))
    except OSError:
        icds = []
    return ', '.join(icds) if icds else 'none in {}'.format(directory)


def opencl_blas_state():
    """Which BLAS libgpuarray will use on OpenCL, in words."""
    for name, label in OPENCL_BLAS:
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return '{} ({})'.format(label, name)
    return ('none found ({}): GpuGemm and GpuDot22 will fail; install '
            'libclblast-dev'.format(', '.join(n for n, _ in OPENCL_BLAS)))


def report_opencl(report, device):
    """The OpenCL lines of the GPU section: one per check."""
    report.line('OpenCL platform', opencl_platform_state(device))
    report.line('OpenCL ICDs', opencl_icds())
    report.line('OpenCL BLAS', opencl_blas_state())


def gpu_context(device):
    """Theano's context for ``device`` when its GPU back-end is active."""
    import theano.gpuarray
    if not getattr(theano.gpuarray, 'pygpu_activated', False):
        return None
    return theano.gpuarray.init_dev.devmap.get(device)


def probe_gpu(pygpu, device):
    """Make a pygpu context on ``device`` ourselves, to learn why Theano's
    back-end is not active (Theano only logs that). ``(context, error)``."""
    try:
        return pygpu.init(device), None
    except Exception as e:  # pygpu raises GpuArrayException and others
        return None, first_line(e)


def check_theano_function(report, on_gpu):
    """A compiled ``x * 2 + 1`` gives the right numbers on the device."""
    import theano
    import theano.tensor as T
    label = 'compiled Theano function (x * 2 + 1)'
    if not theano.config.cxx:
        report.check(label, 'Theano found no C++ compiler, so it would run '
                     'every op in slow Python', 'install g++')
        return
    try:
        x = T.vector('x')
        f = theano.function([x], x * 2 + 1)
        got = np.asarray(f(np.arange(4, dtype=theano.config.floatX)))
    except Exception as e:
        report.check(label, first_line(e), 'see Theano\'s message above; '
                     'clearing the compile directory can help '
                     '(theano-cache purge)')
        return
    if not np.allclose(got, [1, 3, 5, 7]):
        report.check(label, 'got {} instead of [1, 3, 5, 7]'.format(
            got.tolist()), 'the compiler or BLAS set-up is broken')
        return
    ops = [type(node.op).__module__ for node in f.maker.fgraph.toposort()]
    if on_gpu and not any(m.startswith('theano.gpuarray') for m in ops):
        report.check(label, 'it ran on the CPU, not the GPU',
                     'check that THEANO_FLAGS does not also set '
                     'init_gpu_device or contexts')
        return
    report.check(label)


def check_net2(report):
    """One forward pass of net2 on a random batch: shape and finiteness."""
    from ..model.registry import get_net
    label = 'net2 forward pass (batch of 2 96x96 images)'
    batch = np.random.RandomState(0).rand(2, 1, 96, 96).astype(np.float32)
    try:
        net = get_net('net2')
        # nolearn prints its layer table on initialize, and Lasagne 0.1
        # warns about a renamed Theano argument: not the user's concern.
        with contextlib.redirect_stdout(io.StringIO()), \
                warnings.catch_warnings():
            warnings.simplefilter('ignore', UserWarning)
            net.initialize()
            predicted = net.predict(batch)
    except Exception as e:
        report.check(label, first_line(e), 'run the Theano function check '
                     'first; if that passes, this is a bug in the project')
        return
    if predicted.shape != (2, 30):
        report.check(label, 'predictions have shape {}, not (2, 30)'.format(
            predicted.shape), 'this is a bug in the project')
    elif not np.isfinite(predicted).all():
        report.check(label, 'predictions are not all finite',
                     'try floatX=float32 and a fresh compile directory')
    else:
        report.check(label)


def report_gpu(report, device):
    """Report the GPU back-end; return True when Theano can use the GPU it
    is configured for (or is configured for the CPU)."""
    import theano
    if is_gpu_device(device):
        import theano.gpuarray  # Theano imported it; the name is needed here
    report.section('GPU')
    pygpu, words = pygpu_state()
    gpu = is_gpu_device(device)
    context = gpu_context(device) if gpu and pygpu else None
    probe_error = None
    if pygpu is not None and context is None:
        # A context on the configured GPU, or the first CUDA one, to say
        # whether a GPU is there at all.
        context, probe_error = probe_gpu(pygpu, device if gpu else 'cuda0')
        if context is None:
            words = '{} present; no GPU: {}'.format(
                words.split(',')[0], probe_error)
    report.line('GPU back-end', words)
    if context is not None:
        report.line('GPU', '{} ({})'.format(
            context.devname, device if gpu else 'not used: device=cpu'))
    if device.startswith('opencl'):
        report_opencl(report, device)
    elif not report_cuda(report, pygpu, device if gpu else None):
        return False
    if not gpu:
        report.line('cuDNN', 'not checked (Theano is using the CPU)')
        return True
    if pygpu is None:
        report.check('Theano on {}'.format(device),
                     'Theano is configured for device={} but its GPU '
                     'back-end is not installed (pygpu not importable)'
                     .format(device), INSTALL_PYGPU)
        return False
    if context is None or not theano.gpuarray.pygpu_activated:
        report.check('Theano on {}'.format(device),
                     'Theano is configured for device={} but could not use '
                     'it: {}'.format(device, probe_error or 'see the error '
                                     'Theano logged above'),
                     'check the OpenCL lines above' if device.startswith('opencl') else
                     'check the NVIDIA driver and the CUDA libraries above, '
                     'or set THEANO_FLAGS=device=cpu')
        return False
    if device.startswith('opencl'):
        report.line('cuDNN', 'not used on OpenCL (convolutions use GpuCorrMM)')
        return True
    from theano.gpuarray import dnn
    if dnn.dnn_present():
        report.line('cuDNN', 'version {} ({})'.format(
            dnn.version(), 'used' if dnn.dnn_available(None) else
            'not used: dnn.enabled={}'.format(theano.config.dnn.enabled)))
    else:
        report.line('cuDNN', 'not available ({}); convolutions use '
                    'GpuCorrMM'.format(cudnn_problem(dnn.dnn_present.msg)))
    return True


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
    if gpu and cuda is not None:
        problem = arch_problem(device_capability(device), libgpuarray_path())
        if problem:
            report.check('libgpuarray and this GPU', *problem)
            return False
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


def run_doctor(out=None):
    """Print the report; return 0 when Theano works on its configured
    device, 1 otherwise.

    Parameters
    ----------
    out : file
        Where the report goes.

    Returns
    -------
    int
        The exit status for the command line.
    """
    out = out or sys.stdout
    import theano
    report = Report(out)
    device = theano.config.device
    report.section('Versions')
    report.line('Python', '{} ({})'.format(sys.version.split()[0],
                                           sys.executable))
    for distribution, name in PACKAGES:
        report.line(name, version(distribution))

    report.section('Theano')
    report.line('device', device)
    report.line('floatX', theano.config.floatX)
    ldflags = theano.config.blas.ldflags
    report.line('blas.ldflags', ldflags or '(empty)')
    report.line('BLAS', blas_description(ldflags))
    report.line('compile directory', theano.config.compiledir)
    report.line('C++ compiler', theano.config.cxx or 'none found')

    usable = report_gpu(report, device)

    report.section('Checks on {}'.format(device))
    if usable:
        check_theano_function(report, is_gpu_device(device))
        check_net2(report)
    else:
        report.line('Theano function and net2', 'not run (device {} is '
                    'not usable)'.format(device))

    if report.failed:
        print('Theano does not work on {}: see FAILED above.'.format(device),
              file=out)
        return 1
    print('Theano works on {}.'.format(device), file=out)
    return 0
