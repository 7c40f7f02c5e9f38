"""The GPU section of the doctor's report: pygpu and libgpuarray, the
device Theano is configured for, then CUDA's or OpenCL's lines."""
from ...model.record import is_gpu_device
from .cuda import cudnn_problem, report_cuda
from .opencl import report_opencl
from .report import first_line

INSTALL_PYGPU = ('install pygpu 0.7.6 (scripts/wheelhouse.sh builds it; the '
                 'GPU Docker images include it) or set THEANO_FLAGS=device=cpu')


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
