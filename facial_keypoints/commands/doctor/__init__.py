"""``doctor``: say whether Theano works on the device it is configured for,
and if not, why and what to do.

:func:`run_doctor` prints the versions of the stack, Theano's configuration,
the state of the GPU back-end (:mod:`.gpu`: pygpu and libgpuarray, then
:mod:`.cuda`'s lines, the NVIDIA driver, the CUDA libraries libgpuarray
loads and cuDNN, or :mod:`.opencl`'s), then runs :mod:`.checks` on the
configured device: a small compiled Theano function, and one forward pass of
the tutorial's net2. Run it with ``python -m facial_keypoints.kfkd doctor``.
"""
import sys

from ...model.record import is_gpu_device, versions
from ...upstream.compat import gpu_start_untold
from .checks import check_net2, check_theano_function
from .gpu import report_gpu
from .report import Report


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
    with gpu_start_untold():  # the report says why, in one line
        import theano
    report = Report(out)
    device = theano.config.device
    report.section('Versions')
    installed = versions()
    report.line('Python', '{} ({})'.format(installed.pop('Python'), sys.executable))
    for name, installed_version in installed.items():
        report.line(name, installed_version)

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
