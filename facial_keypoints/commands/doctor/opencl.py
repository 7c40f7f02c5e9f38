"""The OpenCL lines of the doctor's report: the platform, the installed
implementations, the BLAS libgpuarray uses."""
import ctypes
import os

from .report import first_line

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
