"""Modules upstream code imports that later releases of their own packages
moved or removed: Theano's ``downsample`` (Theano 0.9), NumPy's
``numpy.linalg.linalg`` (NumPy 2.4), ``pkg_resources`` (setuptools 81)."""
import types

import numpy as np

from .patch import StandInModule

class TheanoDownsample(StandInModule):
    """Lasagne 0.1 imports ``theano.tensor.signal.downsample`` and calls
    ``downsample.max_pool_2d(input, ds, ignore_border, st, padding, mode)``.
    Theano 0.9 removed that module; its successor is
    ``theano.tensor.signal.pool.pool_2d`` with arguments renamed
    ``ds -> ws``, ``st -> stride``, ``padding -> pad``. We register a
    ``downsample`` module whose ``max_pool_2d`` forwards to ``pool_2d``.
    """

    name = 'theano-downsample'
    module = 'theano.tensor.signal.downsample'

    def names(self):
        from theano.tensor.signal import pool

        def max_pool_2d(input, ds, ignore_border=None, st=None,
                        padding=(0, 0), mode='max'):
            """Theano < 0.9's ``max_pool_2d``, forwarded to ``pool_2d``."""
            return pool.pool_2d(input, ws=ds, ignore_border=ignore_border,
                                stride=st, pad=padding, mode=mode)

        return {'max_pool_2d': max_pool_2d}


class NumpyLinalgModule(StandInModule):
    """Theano 1.0.5's ``theano.gpuarray.linalg`` (imported when ``scan``
    graphs are optimised) does ``from numpy.linalg.linalg import
    LinAlgError``; NumPy 2 made that module private (``numpy.linalg._linalg``)
    and 2.4 removed its old name. We register a ``numpy.linalg.linalg``
    with ``LinAlgError``."""

    name = 'numpy2-linalg-linalg'
    module = 'numpy.linalg.linalg'
    replacement = 'numpy.linalg'

    def names(self):
        return {'LinAlgError': np.linalg.LinAlgError}


class DistributionNotFound(Exception):
    """``pkg_resources.DistributionNotFound``, for the stand-in below."""


def get_distribution(name):
    """``pkg_resources.get_distribution``, answered by ``importlib.metadata``:
    an object with ``project_name`` and ``version``."""
    import importlib.metadata
    try:
        version = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        raise DistributionNotFound(name) from None
    return types.SimpleNamespace(project_name=name, version=version)


class PkgResourcesStandIn(StandInModule):
    """Lasagne 0.1 reads its own version with
    ``pkg_resources.get_distribution("Lasagne").version`` on import, and
    Theano 1.0.5 (``theano.gpuarray.linalg``, imported when scan graphs are
    optimised) catches ``pkg_resources.DistributionNotFound``. setuptools 81
    removed ``pkg_resources``, and installing a package that requires a
    recent setuptools (PyTorch does) brings such a version in: ``import
    lasagne`` raises ModuleNotFoundError. Where it is missing we register a
    ``pkg_resources`` with just those two names.
    """

    name = 'pkg-resources-stand-in'
    module = 'pkg_resources'

    def names(self):
        return dict(get_distribution=get_distribution,
                    DistributionNotFound=DistributionNotFound)
