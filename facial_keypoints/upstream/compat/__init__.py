"""Make Theano 1.0.5, Lasagne 0.1 and nolearn 0.6.1 work on CPython 3.11 to
3.15 and on the NumPy, scikit-learn and setuptools releases of today.

Each break between those releases and a later Python or library is one
:class:`.patch.Patch`: a docstring naming the upstream version and what
moved where, a ``needed()`` test, and an ``apply()``. A patch applies only
when its break is present, so the same code runs unchanged on older and
newer releases of each library. The modules hold the patches by kind of
break:

- :mod:`.patch`: the framework, and :func:`.patch.apply_all`;
- :mod:`.theano_config`: Theano's flags (its BLAS linkage, our defaults);
- :mod:`.cache_keys`: Theano's keys of compiled modules;
- :mod:`.cpython`: what newer CPythons removed or changed;
- :mod:`.numpy_c`: Theano's C code on NumPy 2's C-API;
- :mod:`.numpy_names`: names NumPy removed from its Python namespace;
- :mod:`.moved_modules`: modules upstream imports that moved or are gone;
- :mod:`.sklearn`: the modules scikit-learn 0.20 removed;
- :mod:`.nolearn`: nolearn's ``NeuralNet`` under today's scikit-learn;
- :mod:`.gpu`: pickling nets of Theano's GPU back-end;
- :mod:`.upstream_warnings`: warnings upstream gives to itself.

Below, the patches by when they apply (:mod:`..loading`). This package is
the only one that touches upstream internals; no upstream code is copied
here.
"""
from . import cache_keys, cpython, gpu, moved_modules, nolearn, numpy_c, numpy_names, sklearn
from .patch import APPLIED, apply_all
from .theano_config import TheanoDefaults
from .upstream_warnings import gpu_start_untold, quiet_upstream_warnings, silenced

__all__ = ['APPLIED', 'apply_all', 'gpu_start_untold', 'quiet_upstream_warnings', 'silenced',
           'BEFORE_THEANO', 'WITH_THEANO_CMODULE', 'AFTER_THEANO', 'AFTER_NOLEARN',
           'AFTER_NOLEARN_INISCHEMA', 'STAND_INS', 'PATCHES']

#: Before Theano is first imported: its flags, and modules it imports.
BEFORE_THEANO = (
    TheanoDefaults(),
    moved_modules.PkgResourcesStandIn(),
    moved_modules.NumpyLinalgModule(),
    cpython.NumpyDistutils(),
    cpython.ImpModule(),
    cpython.DistutilsFindExecutable(),
)
#: As ``theano.gof.cmodule`` is loaded, before Theano compiles anything.
WITH_THEANO_CMODULE = (
    numpy_c.NumpyPy2CAliases(),
    numpy_c.NumpyDescrFields(),
)
#: Once Theano is imported: its own internals, and the modules Lasagne and
#: nolearn import.
AFTER_THEANO = (
    numpy_c.NumpyRavelAxis(),
    numpy_c.NumpyMapIter(),
    numpy_c.NumpyNoPrefixHeader(),
    numpy_names.NumpyComplex(),
    numpy_names.NUMPY_BOOL,
    numpy_names.NumpyCast(),
    numpy_names.NumpyProduct(),
    numpy_names.NumpySctype2char(),
    numpy_names.NumpyCoreModules(),
    cpython.ScanPythonFallback(),
    cache_keys.COpStableCacheVersion(),
    cache_keys.EmptyPropsCacheVersion(),
    gpu.GpuReductionKernelPickling(),
    moved_modules.TheanoDownsample(),
    cpython.CollectionsAbcAliases(),
)
#: Once nolearn's ``lasagne`` module is imported.
AFTER_NOLEARN = (
    nolearn.NeuralNetParamAttributes(),
    nolearn.NeuralNetClone(),
    nolearn.NeuralNetHtmlRepr(),
    nolearn.NolearnColoursOnTerminal(),
)

#: Once ``nolearn.inischema`` is imported (nolearn's ``lasagne`` does not
#: import it).
AFTER_NOLEARN_INISCHEMA = (
    cpython.NolearnConfigParserReadfp(),
)

#: The modules scikit-learn removed, served whenever they are imported
#: (:class:`..loading.StandIns`), with or without the stack.
STAND_INS = (
    sklearn.SklearnCrossValidation(),
    sklearn.SklearnGridSearch(),
)

#: The patches in the order they must run.
PATCHES = (BEFORE_THEANO + WITH_THEANO_CMODULE + AFTER_THEANO + AFTER_NOLEARN
           + AFTER_NOLEARN_INISCHEMA)
