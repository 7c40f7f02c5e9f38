"""Names that NumPy removed from its Python namespace (in 1.24 or 2.0) and
Theano's modules still use: each such module's ``np`` gets them back, NumPy
itself is left as it is."""
import importlib
import types

import numpy as np

from .patch import NUMPY2, Patch

class NumpyForTheano(types.ModuleType):
    """What a Theano module sees as ``np``: NumPy, with the names that
    NumPy 2 removed and the module still uses (set by the patches below)."""

    def __init__(self):
        super().__init__('numpy', 'NumPy, with names NumPy 2 removed.')

    def __getattr__(self, name):
        return getattr(np, name)


def numpy_for(module):
    """The :class:`NumpyForTheano` that ``module`` (a Theano module) uses as
    ``np``, put in place the first time."""
    module = importlib.import_module(module)
    if not isinstance(module.np, NumpyForTheano):
        module.np = NumpyForTheano()
    return module.np


class RemovedNumpyName(Patch):
    """A name NumPy 2 removed that Theano modules (``modules``) use as
    ``np.NAME``: each module's ``np`` gets it back, as :meth:`value`; NumPy
    itself is left as it is."""

    attribute = None
    modules = ()

    def value(self):
        raise NotImplementedError

    def needed(self):
        return not numpy_has(self.attribute) and not self.restored()

    def restored(self):
        """True when every module's ``np`` has the name back."""
        return all(self.attribute in vars(importlib.import_module(m).np)
                   and isinstance(importlib.import_module(m).np, NumpyForTheano)
                   for m in self.modules)

    def apply(self):
        value = self.value()
        for module in self.modules:
            setattr(numpy_for(module), self.attribute, value)


class NumpyComplex(RemovedNumpyName):
    """Theano 1.0.5 tells a numeric scalar constant by calling
    ``np.complex(data)`` (``get_scalar_constant_value``), inside
    ``try/except Exception``. NumPy 2 removed that alias of ``complex``, so
    the AttributeError made every constant look non-constant, silently:
    shapes are no longer inferred and optimisations stop applying (Lasagne's
    nets fail with "length not known"). ``np.complex`` is ``complex`` again
    there and in ``theano.scalar``'s ``complex`` op.
    """

    name = 'numpy2-complex'
    attribute = 'complex'
    modules = ('theano.tensor.basic', 'theano.scalar.basic')

    def value(self):
        return complex


class NumpyBool(RemovedNumpyName):
    """Theano 1.0.5's scalar ``Cast`` op finds its Python constructor with
    ``getattr(np, dtype)``, and ``theano/scalar/basic.py`` makes
    ``convert_to_bool = Cast(bool)`` at module level, as ``import theano``
    runs (more ``Cast`` ops to bool are made later, e.g. in-place copies,
    and ``theano.scalar.sharedvar.shared`` calls ``getattr(np, dtype)`` on
    a bool). ``np.bool`` was an alias of ``bool`` that NumPy 1.20
    deprecated, 1.24 removed and 2.0 brought back as ``np.bool_``: on
    NumPy 1.24-1.26 ``import theano`` raises "module 'numpy' has no
    attribute 'bool'". Those modules' ``np`` get ``np.bool_``, NumPy 2's
    ``np.bool`` and the type Theano itself gives the dtype
    (``Scalar('bool').dtype_specs()``). As the module-level call runs
    before the module has an ``np`` to patch, NumPy itself lends the name
    while ``theano.scalar.basic`` is first executed (:meth:`lend`, then
    :meth:`take_back`, around that module's loader: :mod:`.loading`).
    """

    name = 'numpy-bool'
    attribute = 'bool'
    modules = ('theano.scalar.basic', 'theano.scalar.sharedvar')
    lent = False

    def value(self):
        return np.bool_

    def lend(self):
        """Give NumPy ``np.bool`` while the module that needs it loads."""
        if not numpy_has(self.attribute):
            setattr(np, self.attribute, self.value())
            self.lent = True

    def take_back(self):
        """Leave NumPy as it was; this patch then gives the name to the
        modules alone (it runs with the others once Theano is imported)."""
        if self.lent:
            delattr(np, self.attribute)
            self.lent = False


def numpy_has(name):
    """``hasattr(np, name)``, without the warning NumPy gives when asked
    for a deprecated alias (DeprecationWarning before 1.24) or for one of
    the names 2.0 brought back (FutureWarning on 1.24-1.26)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return hasattr(np, name)


#: The one :class:`NumpyBool`, whose :meth:`~NumpyBool.lend` and
#: :meth:`~NumpyBool.take_back` :mod:`.loading` calls.
NUMPY_BOOL = NumpyBool()


def numpy_cast(dtype):
    """NumPy < 2's ``np.cast[dtype]``: a function converting to ``dtype``."""
    return lambda x: np.asarray(x).astype(dtype)


def scalar_type(obj):
    """NumPy < 2's ``np.obj2sctype`` for what Theano passes it: a scalar
    type, a dtype or its name, or an object with a ``dtype`` attribute (a
    Theano type), which NumPy 2's ``np.dtype`` no longer accepts."""
    if isinstance(obj, type) and issubclass(obj, np.generic):
        return obj
    try:
        return np.dtype(obj).type
    except (TypeError, ValueError):
        return np.dtype(obj.dtype).type


class NumpyCastTable(object):
    """NumPy < 2's ``np.cast``: ``np.cast[dtype](x)``."""

    def __getitem__(self, dtype):
        return numpy_cast(scalar_type(dtype))


class NumpyCast(RemovedNumpyName):
    """Theano 1.0.5 converts constants with ``np.cast[dtype](x)`` in the
    gradients of ``arcsin``, ``arctan``, ``exp2`` and others, and in batch
    normalisation; NumPy 2 removed ``np.cast`` (``np.asarray(x).astype``
    does the same)."""

    name = 'numpy2-cast'
    attribute = 'cast'
    modules = ('theano.scalar.basic', 'theano.tensor.nnet.bn')

    def value(self):
        return NumpyCastTable()


class NumpyProduct(RemovedNumpyName):
    """Theano 1.0.5's scalar ``mul`` computes in Python with
    ``np.product``, which NumPy 2 removed in favour of ``np.prod``."""

    name = 'numpy2-product'
    attribute = 'product'
    modules = ('theano.scalar.basic',)

    def value(self):
        return np.prod


class NumpySctype2char(RemovedNumpyName):
    """Theano 1.0.5's ``Elemwise`` finds the type code of its output with
    ``np.sctype2char`` (in its Python implementation, used where an
    operation has no C code); NumPy 2 removed it (``np.dtype(t).char``)."""

    name = 'numpy2-sctype2char'
    attribute = 'sctype2char'
    modules = ('theano.tensor.elemwise',)

    def value(self):
        return lambda sctype: np.dtype(sctype).char


class NumpyCoreModules(RemovedNumpyName):
    """Theano 1.0.5 puts NumPy's C ABI version into every compiled module's
    key with ``np.core.multiarray._get_ndarray_c_version()``. NumPy 2
    renamed ``numpy.core`` to ``numpy._core`` and warns
    (DeprecationWarning) at each use of the old name: hundreds of warnings
    per compilation. Theano's ``np.core`` is ``numpy._core`` there."""

    name = 'numpy2-core'
    attribute = 'core'
    modules = ('theano.gof.cc',)

    def needed(self):
        return NUMPY2 and not self.restored()

    def value(self):
        return importlib.import_module('numpy._core')
