"""Theano's flags: its BLAS linkage, which it can no longer find itself,
and the project's defaults."""
import configparser
import glob
import os
import sys

import numpy as np

from .patch import Patch

#: The BLAS linkage chosen for Theano, as one line for the user (or None
#: when the user's own Theano configuration decides it).
BLAS_INFO = None

_LIBRARY_DIRS = ('/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu',
                 '/usr/lib64', '/usr/lib', '/usr/local/lib',
                 '/opt/OpenBLAS/lib')


def user_theano_settings(environ=None, home=None):
    """Return the Theano option names the user set, e.g. {'floatX'}.

    Reads ``THEANO_FLAGS`` and the files named by ``THEANORC`` (default
    ``~/.theanorc:~/.theanorc.txt``), as Theano itself does.
    """
    environ = os.environ if environ is None else environ
    home = os.path.expanduser('~') if home is None else home
    names = set()
    for item in environ.get('THEANO_FLAGS', '').split(','):
        if '=' in item:
            names.add(item.split('=', 1)[0].strip())
    default_rc = '{0}/.theanorc:{0}/.theanorc.txt'.format(home)
    for path in environ.get('THEANORC', default_rc).split(os.pathsep):
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str
        try:
            parser.read(os.path.expanduser(path))
        except configparser.Error:
            continue  # Theano reports a broken file itself
        for section in parser.sections():
            for option in parser.options(section):
                names.add(option if section == 'global'
                          else '{}.{}'.format(section, option))
    return names


def find_openblas(dirs=_LIBRARY_DIRS):
    """Return the directory holding a linkable ``libopenblas.so``, or None."""
    extra = os.environ.get('LIBRARY_PATH', '').split(os.pathsep)
    for directory in [d for d in extra if d] + list(dirs):
        if glob.glob(os.path.join(directory, 'libopenblas.so')):
            return directory
    return None


def openblas_ldflags(directory):
    """Theano's ``blas.ldflags`` for an OpenBLAS found in ``directory``."""
    if directory in _LIBRARY_DIRS:
        return '-lopenblas'
    return '-L{0} -Wl,-rpath,{0} -lopenblas'.format(directory)


class TheanoDefaults(Patch):
    """Theano 1.0.5 computes its default ``blas.ldflags`` at import from
    ``numpy.distutils.__config__.blas_opt_info``, which NumPy >= 1.22 no
    longer has: ``import theano`` raises AttributeError. We choose the
    linkage ourselves (OpenBLAS when a linkable one is installed, else
    Theano's NumPy C-API fallback). With it come the project's defaults:
    ``floatX=float32``, as the tutorial uses, and ``allow_gc=False``, which
    keeps intermediate arrays between calls instead of reallocating them
    (faster on the CPU, with identical results, for more memory; see
    docs/performance.rst), and ``gcc.cxxflags=-g0``, which leaves debugging
    information out of the C modules Theano compiles (after its own
    ``-g``): g++ generates the same machine code either way, in less time.
    All go in front of ``THEANO_FLAGS``, and only
    for options the user set neither there nor in ``.theanorc``, so the
    user's own configuration always wins.
    """

    name = 'theano-defaults'

    def needed(self):
        # Theano reads its flags once, in theano.configparser: not yet run.
        return 'theano.configparser' not in sys.modules

    def apply(self):
        global BLAS_INFO
        user = user_theano_settings()
        defaults = []
        for option, value in (('floatX', 'float32'), ('allow_gc', 'False'),
                              ('gcc.cxxflags', '-g0')):
            if option not in user:
                defaults.append('{}={}'.format(option, value))
        if 'blas.ldflags' not in user and not _numpy_has_blas_opt_info():
            directory = find_openblas()
            if directory:
                ldflags = openblas_ldflags(directory)
                BLAS_INFO = describe_blas(ldflags)
            else:
                ldflags = ''
                BLAS_INFO = ('NumPy C-API fallback (no libopenblas.so found; '
                             'install libopenblas-dev for faster training)')
            defaults.append('blas.ldflags=' + ldflags)
        flags = os.environ.get('THEANO_FLAGS', '')
        os.environ['THEANO_FLAGS'] = ','.join(
            defaults + ([flags] if flags else []))


def describe_blas(ldflags):
    """The BLAS that Theano's ``blas.ldflags`` link, in a few words."""
    if 'openblas' in ldflags:
        return 'OpenBLAS ({})'.format(ldflags)
    return ldflags or 'NumPy C-API fallback'


def _numpy_has_blas_opt_info():
    config = getattr(getattr(np, 'distutils', None), '__config__', None)
    if config is None:
        try:
            import numpy.distutils.__config__ as config
        except ImportError:
            return False
    return hasattr(config, 'blas_opt_info')
