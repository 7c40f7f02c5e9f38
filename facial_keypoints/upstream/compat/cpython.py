"""What newer CPythons removed or changed under Theano and nolearn: C-API
changes (3.11), the ``collections`` aliases (3.10), ``imp``, NumPy's
``distutils``, ``ConfigParser.readfp`` and the ``distutils`` setuptools gives
in its place (3.12)."""
import collections
import collections.abc
import shutil
import sys
import types
import warnings

import numpy as np

from .patch import Patch, StandInModule

class ScanPythonFallback(Patch):
    """Theano 1.0.5's C implementation of ``scan`` is Cython-generated C
    from 2017 that does not compile against the CPython 3.11 C-API (frame,
    code-object and exception-state changes, ``longintrepr.h`` moved under
    ``cpython/``). Theano uses its Python implementation of scan when
    importing ``theano.scan_module.scan_perform_ext`` raises ImportError, so
    we make that import fail at once instead of compiling.
    """

    name = 'scan-python-fallback'
    module = 'theano.scan_module.scan_perform_ext'

    def needed(self):
        return sys.version_info >= (3, 11) and self.module not in sys.modules

    def apply(self):
        sys.modules[self.module] = None


class NumpyDistutils(StandInModule):
    """Theano 1.0.5 does ``import numpy.distutils`` (``theano.gof.cmodule``,
    ``theano.tensor.blas``) and finds NumPy's C headers with
    ``numpy.distutils.misc_util.get_numpy_include_dirs()``. NumPy has no
    ``numpy.distutils`` on CPython >= 3.12: ``import theano`` fails. We
    register one whose ``misc_util`` gives ``numpy.get_include()``, the same
    directory; its other names raise an ImportError naming setuptools.
    """

    name = 'numpy-distutils'
    module = 'numpy.distutils'
    replacement = 'setuptools'

    def names(self):
        misc_util = types.ModuleType(self.module + '.misc_util')
        misc_util.get_numpy_include_dirs = lambda: [np.get_include()]
        return {'misc_util': misc_util}


def find_module(name, path=None):
    """``imp.find_module``, as far as Theano uses it: something true when
    the module ``name`` can be imported, else ImportError."""
    import importlib.util
    if importlib.util.find_spec(name) is None:
        raise ImportError('No module named {!r}'.format(name))
    return (None, name, None)


class ImpModule(StandInModule):
    """``theano.tests.breakpoint`` (imported by the GPU optimiser of
    ``scan``, so wherever scan graphs are optimised) does ``import imp``, a
    module CPython 3.12 removed, to ask ``imp.find_module('pudb')``. We
    register an ``imp`` with that one function, answered by ``importlib``;
    its other names raise an ImportError naming ``importlib``.
    """

    name = 'imp-module'
    module = 'imp'
    replacement = 'importlib'

    def names(self):
        return {'find_module': find_module}


def find_executable(executable, path=None):
    """``distutils.spawn.find_executable``, answered by ``shutil.which``."""
    return shutil.which(executable, path=path)


class DistutilsFindExecutable(Patch):
    """Theano 1.0.5 finds its C++ compiler with
    ``distutils.spawn.find_executable`` as ``theano.configdefaults`` is
    imported. CPython 3.12 removed ``distutils``; the one setuptools puts in
    its place (setuptools 84.2.1, our pin) deprecates that function ("Use
    shutil.which instead of find_executable"), so ``import theano`` fails
    under ``-W error::DeprecationWarning`` on CPython 3.12 to 3.15. We
    replace it with :func:`find_executable`, which asks ``shutil.which`` as
    the warning says.
    """

    name = 'distutils-find-executable'

    def needed(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            try:
                import distutils.spawn
            except ImportError:
                return False
            if distutils.spawn.find_executable is find_executable:
                return False
            del caught[:]
            distutils.spawn.find_executable('sh')
        return any(issubclass(w.category, DeprecationWarning) for w in caught)

    def apply(self):
        import distutils.spawn
        distutils.spawn.find_executable = find_executable


class CollectionsAbcAliases(Patch):
    """nolearn 0.6.1 does ``from collections import Iterable``. The
    abstract base classes moved to ``collections.abc`` in Python 3.3 and
    the old aliases were removed in 3.10; we restore the one it uses.
    """

    name = 'collections-iterable'

    def needed(self):
        return not hasattr(collections, 'Iterable')

    def apply(self):
        collections.Iterable = collections.abc.Iterable


class NolearnConfigParserReadfp(Patch):
    """nolearn 0.6.1's ``nolearn.inischema.parse_config`` reads its schema
    and configuration with ``ConfigParser.readfp``, which Python 3.2
    deprecated for ``read_file`` and CPython 3.12 removed: it raises
    AttributeError (nolearn's own ``test_parse_config`` fails). We give
    that module a ``ConfigParser`` with ``readfp`` as ``read_file``.
    """

    name = 'nolearn-configparser-readfp'

    def needed(self):
        from nolearn import inischema
        return not hasattr(inischema.ConfigParser, 'readfp')

    def apply(self):
        from nolearn import inischema
        base = inischema.ConfigParser
        inischema.ConfigParser = type(base.__name__, (base,), {
            'readfp': base.read_file, '__module__': inischema.__name__,
            '__doc__': base.__doc__})
