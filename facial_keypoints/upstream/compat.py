"""Make Theano 1.0.5, Lasagne 0.1 and nolearn 0.6.1 work on CPython 3.11.

Each break between those releases and today's Python, NumPy and
scikit-learn is one :class:`Patch` below: a docstring naming the upstream
version and what moved where, a ``needed()`` test, and an ``apply()``.
:func:`apply_all` runs them in order, once, in three phases as the stack is
first imported (:mod:`.loading`): Theano's flags must be in place before
Theano is first imported, and the module aliases before Lasagne and
nolearn are.

A patch applies only when its break is present, so the same code runs
unchanged on an older stack (e.g. the tutorial-era pins in a Docker image).
This is the only module that touches upstream internals; no upstream code
is copied here.
"""
import collections
import collections.abc
import configparser
import glob
import importlib
import os
import sys
import types
from copy import deepcopy

import numpy as np

#: Names of the patches that :func:`apply_all` applied in this process.
APPLIED = []

#: The BLAS linkage chosen for Theano, as one line for the user (or None
#: when the user's own Theano configuration decides it).
BLAS_INFO = None

_LIBRARY_DIRS = ('/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu',
                 '/usr/lib64', '/usr/lib', '/usr/local/lib',
                 '/opt/OpenBLAS/lib')


class Patch(object):
    """One upstream break and its fix."""

    name = None

    def needed(self):
        """Return True when the break is present in this process."""
        raise NotImplementedError

    def apply(self):
        """Fix the break. Only called when :meth:`needed` is True."""
        raise NotImplementedError


class StandInModule(Patch):
    """A patch that registers a module upstream code imports but that is
    gone: :meth:`names` gives its contents, and names it lacks can raise an
    ImportError naming their ``replacement`` module."""

    module = None
    replacement = None

    def names(self):
        raise NotImplementedError

    def needed(self):
        return not importable(self.module)

    def apply(self):
        module = types.ModuleType(self.module)
        self.fill(module)
        sys.modules[self.module] = module
        parent, _, child = self.module.rpartition('.')
        if parent:
            setattr(importlib.import_module(parent), child, module)

    def fill(self, module):
        """Give ``module`` the stand-in's contents."""
        module.__doc__ = self.__doc__
        vars(module).update(self.names())
        if self.replacement:
            module.__getattr__ = removed_names(self.module, self.replacement)


def removed_names(module_name, replacement):
    """A module ``__getattr__`` for names a removed module had: an
    ImportError (what ``from module import name`` reports) naming the
    replacement, instead of a bare "cannot import name"."""
    def __getattr__(name):
        if name.startswith('__'):
            raise AttributeError(name)
        raise ImportError('{0}.{1} was removed and this stand-in does not provide '
                          'it; use {2}.{1}'.format(module_name, name, replacement))
    return __getattr__


def importable(module):
    """True when ``import module`` succeeds."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


# -- Theano -----------------------------------------------------------------

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
    (net2 trains 20-30% faster on the CPU, with identical results, for more
    memory), and ``gcc.cxxflags=-g0``, which leaves debugging information
    out of the C modules Theano compiles (after its own ``-g``): g++
    generates the same machine code either way, in 5-12% less time on a
    cold compile of net2. All go in front of ``THEANO_FLAGS``, and only
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
                BLAS_INFO = 'OpenBLAS ({})'.format(ldflags)
            else:
                ldflags = ''
                BLAS_INFO = ('NumPy C-API fallback (no libopenblas.so found; '
                             'install libopenblas-dev for faster training)')
            defaults.append('blas.ldflags=' + ldflags)
        flags = os.environ.get('THEANO_FLAGS', '')
        os.environ['THEANO_FLAGS'] = ','.join(
            defaults + ([flags] if flags else []))


def _numpy_has_blas_opt_info():
    config = getattr(getattr(np, 'distutils', None), '__config__', None)
    if config is None:
        try:
            import numpy.distutils.__config__ as config
        except ImportError:
            return False
    return hasattr(config, 'blas_opt_info')


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


class COpStableCacheVersion(Patch):
    """Theano 1.0.5's ``COp`` (an op whose C code is read from files, such
    as ``DimShuffle``) gives as its cache version ``hash()`` of that code.
    Python randomises the hash of strings in every process, and the version
    is part of the compiled module's key: such an op's module was compiled
    again in every process (net2's warm compile did so for ``DimShuffle``).
    We give ``COp`` a cache version made from the SHA-256 of the same code
    (and, as before, its params type's version). Fixed the same way in
    Aesara (aesara-devs/aesara#1108).
    """

    name = 'theano-cop-stable-cache-version'

    def needed(self):
        from theano.tensor.elemwise import DimShuffle
        op = DimShuffle((False,), (0,))
        return op.c_code_cache_version()[0] == hash(tuple(op.func_codes))

    def apply(self):
        from theano.gof.op import COp
        COp.c_code_cache_version = cop_cache_version


def cop_cache_version(op):
    """A ``COp``'s cache version: its code's digest, the same in every
    process, and its params type's version."""
    import hashlib
    digest = hashlib.sha256('\0'.join(op.func_codes).encode('utf-8')).hexdigest()
    version = (int(digest[:15], 16),)
    if hasattr(op, 'params_type'):
        version += (op.params_type.c_code_cache_version(),)
    return version


#: What an op without properties shows as its ``__props__`` while Theano
#: computes a module key (see :class:`EmptyPropsCacheVersion`).
NO_PROPS = ('(no properties)',)


class EmptyPropsCacheVersion(Patch):
    """Theano 1.0.5 puts each op's ``__props__`` into the version part of a
    compiled module's key (``CLinker.cmodule_key_``), and any empty entry
    there marks the module "unversioned": compiled again in every process
    and never kept. An op without properties has ``__props__ = ()``, so
    every module with one was unversioned although the op itself is
    versioned: ``DeepCopyOp``, ``ScalarFromTensor``, ``Dot22`` and
    ``Dot22Scalar`` in net2, four modules and about 20 s of every warm
    compile. While Theano computes a key, we show such an op's class a
    non-empty ``__props__`` (:data:`NO_PROPS`); the ops' equality and hash,
    made from their properties when the class was created, do not change.
    Aesara fixed it in cmodule_key_ itself (aesara-devs/aesara#1108).
    """

    name = 'theano-empty-props-cache-version'

    def needed(self):
        return not module_key_version(deep_copy_graph())

    def apply(self):
        from theano.gof.cc import CLinker
        original = CLinker.cmodule_key_

        def cmodule_key_(self, fgraph, *args, **kwargs):
            shown = {type(node.op) for node in self.schedule(fgraph)
                     if getattr(node.op, '__props__', None) == ()}
            own = {cls: cls.__dict__.get('__props__') for cls in shown}
            try:
                for cls in shown:
                    cls.__props__ = NO_PROPS
                return original(self, fgraph, *args, **kwargs)
            finally:
                for cls, props in own.items():
                    if props is None:
                        del cls.__props__
                    else:
                        cls.__props__ = props

        cmodule_key_.__wrapped__ = original
        CLinker.cmodule_key_ = cmodule_key_


def deep_copy_graph():
    """A graph of one op without properties, Theano's ``DeepCopyOp``."""
    import theano
    from theano.compile.ops import deep_copy_op
    from theano.gof import FunctionGraph
    x = theano.tensor.vector()
    return FunctionGraph([x], [deep_copy_op(x)])


def module_key_version(fgraph):
    """The version part of the key of the module Theano compiles for
    ``fgraph``: empty when the module is not kept between processes."""
    from theano.gof.cc import CLinker
    return CLinker().accept(fgraph).cmodule_key()[0]


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


# -- Theano on NumPy 2 --------------------------------------------------------

#: True on NumPy >= 2, where the patches of this section are needed.
NUMPY2 = int(np.__version__.split('.')[0]) >= 2

#: The names NumPy < 2's ``numpy/npy_3kcompat.h`` defined for Python 2 code
#: and NumPy 2 removed, which Theano 1.0.5's C code still uses.
PY2_C_ALIASES = (
    ('NPY_PY3K', '1'),
    ('PyInt_Type', 'PyLong_Type'),
    ('PyInt_Check', 'PyLong_Check'),
    ('PyInt_CheckExact', 'PyLong_CheckExact'),
    ('PyInt_FromString', 'PyLong_FromString'),
    ('PyInt_FromLong', 'PyLong_FromLong'),
    ('PyInt_FromSsize_t', 'PyLong_FromSsize_t'),
    ('PyInt_AsLong', 'PyLong_AsLong'),
    ('PyInt_AS_LONG', 'PyLong_AsLong'),
    ('PyInt_AsSsize_t', 'PyLong_AsSsize_t'),
    ('PyNumber_Int', 'PyNumber_Long'),
    ('PyString_Type', 'PyBytes_Type'),
    ('PyString_Check', 'PyBytes_Check'),
    ('PyStringObject', 'PyBytesObject'),
    ('PyString_FromString', 'PyBytes_FromString'),
    ('PyString_FromStringAndSize', 'PyBytes_FromStringAndSize'),
    ('PyString_AS_STRING', 'PyBytes_AS_STRING'),
    ('PyString_AsString', 'PyBytes_AsString'),
    ('PyString_GET_SIZE', 'PyBytes_GET_SIZE'),
    ('PyString_Size', 'PyBytes_Size'),
)


def py2_c_aliases():
    """The C lines that define :data:`PY2_C_ALIASES`, each unless defined."""
    return ''.join('#ifndef {0}\n#define {0} {1}\n#endif\n'.format(name, value)
                   for name, value in PY2_C_ALIASES)


def digest(text):
    """A short digest of ``text``, for compile flags and cache versions."""
    import hashlib
    return int(hashlib.sha256(text.encode('utf-8')).hexdigest()[:12], 16)


def added_compile_args():
    """The flags that patches added to Theano's compile flags."""
    from theano.gof.cmodule import GCC_compiler
    return getattr(GCC_compiler.compile_args, 'added', [])


def add_compile_args(*flags):
    """Make ``GCC_compiler.compile_args`` (the flags of every module Theano
    compiles, and part of each module's cache key) end with ``flags``."""
    from theano.gof.cmodule import GCC_compiler
    if not hasattr(GCC_compiler.compile_args, 'added'):
        original = GCC_compiler.compile_args

        def compile_args(*args, **kwargs):
            return original(*args, **kwargs) + compile_args.added

        compile_args.__wrapped__ = original
        compile_args.added = []
        GCC_compiler.compile_args = staticmethod(compile_args)
    GCC_compiler.compile_args.added.extend(flags)


class NumpyPy2CAliases(Patch):
    """Theano 1.0.5's C code (its lazy linker ``lazylinker_c.c``, compiled
    as Theano is first imported, and the code of its ops) uses
    ``PyInt_AsLong``, ``PyString_Check`` and ``#if defined(NPY_PY3K)``,
    Python 2 names that NumPy < 2's ``npy_3kcompat.h`` defined for Python 3.
    NumPy 2 removed them: ``import theano`` fails to compile the lazy
    linker. We put their NumPy 1.x definitions (:data:`PY2_C_ALIASES`) in
    front of every C module Theano compiles, and a digest of them into the
    compile flags, which are part of each compiled module's key, so that no
    module compiled without them is reused. Applied as
    ``theano.gof.cmodule`` is loaded, before the lazy linker is compiled.
    """

    name = 'numpy2-py2-c-aliases'

    def needed(self):
        from theano.gof.cmodule import GCC_compiler
        return NUMPY2 and not hasattr(GCC_compiler.compile_str, '__wrapped__')

    def apply(self):
        from theano.gof.cmodule import GCC_compiler
        original = GCC_compiler.compile_str
        aliases = py2_c_aliases()

        def compile_str(module_name, src_code, *args, **kwargs):
            return original(module_name, aliases + src_code, *args, **kwargs)

        compile_str.__wrapped__ = original
        GCC_compiler.compile_str = staticmethod(compile_str)
        add_compile_args('-DTHEANO_PY2_C_ALIASES={}'.format(digest(aliases)))


class NumpyDescrFields(Patch):
    """Theano 1.0.5's ops read ``PyArray_DESCR(x)->elsize`` (in some 57
    places) and other fields of ``PyArray_Descr``. NumPy 2 hides them from
    C code built for the NumPy 1.x ABI, its default, and offers them again
    to code that declares it needs NumPy >= 2 (the descriptor's layout
    changed): we compile Theano's modules with
    ``-DNPY_TARGET_VERSION=NPY_2_0_API_VERSION``. Being a compile flag, it
    is part of every module's cache key.
    """

    name = 'numpy2-descr-fields'
    flag = '-DNPY_TARGET_VERSION=NPY_2_0_API_VERSION'

    def needed(self):
        return NUMPY2 and self.flag not in added_compile_args()

    def apply(self):
        add_compile_args(self.flag)


class COpSubstitution(Patch):
    """A patch to the C code of Theano ops: in what ``method`` of each class
    of ``ops`` (``'module:Class'``) returns, each ``(old, new)`` of
    ``substitutions``. Each class's cache version gets the patch's name and
    a digest of the substitutions, so that no module compiled from the
    unpatched code is reused."""

    ops = ()
    method = 'c_code'
    substitutions = ()

    def classes(self):
        for spec in self.ops:
            module, _, name = spec.partition(':')
            yield getattr(importlib.import_module(module), name)

    def needed(self):
        return NUMPY2 and any(not getattr(vars(cls).get(self.method), '__patched__', None)
                              for cls in self.classes())

    def version_tag(self):
        return (self.name, digest(repr(self.substitutions)))

    def apply(self):
        for cls in self.classes():
            self.substitute(cls)
            original_version = cls.c_code_cache_version
            tag = self.version_tag()

            def c_code_cache_version(op, original_version=original_version):
                version = original_version(op)
                return tuple(version) + tag if version else version

            cls.c_code_cache_version = c_code_cache_version

    def substitute(self, cls):
        original = getattr(cls, self.method)
        substitutions = self.substitutions

        def method(*args, **kwargs):
            code = original(*args, **kwargs)
            for old, new in substitutions:
                code = code.replace(old, new)
            return code

        method.__wrapped__ = original
        method.__patched__ = self.name
        setattr(cls, self.method, method)


class NumpyRavelAxis(COpSubstitution):
    """Theano 1.0.5's ``max``/``argmax`` (``MaxAndArgmax``, ``Argmax``),
    ``cumsum``/``cumprod`` (``CumOp``) and the bounds check of indexing
    with an integer vector (``AdvancedSubtensor1``) pass ``NPY_MAXDIMS`` as
    the axis to NumPy's C functions to mean "over the flattened array".
    NumPy 2 raised ``NPY_MAXDIMS`` to 64 and takes ``NPY_RAVEL_AXIS``
    instead: the ops raise "axis 64 is out of bounds". In their C code the
    one becomes the other, and ``CumOp``'s ``c_axis`` parameter (``np.MAXDIMS``,
    gone from NumPy 2's Python namespace) gives ``NPY_RAVEL_AXIS``'s value.
    """

    name = 'numpy2-ravel-axis'
    ops = ('theano.tensor.basic:MaxAndArgmax', 'theano.tensor.basic:Argmax',
           'theano.tensor.extra_ops:CumOp', 'theano.tensor.subtensor:AdvancedSubtensor1')
    substitutions = (('NPY_MAXDIMS', 'NPY_RAVEL_AXIS'),)
    #: NumPy 2's ``NPY_RAVEL_AXIS`` (``NPY_MIN_INT``).
    ravel_axis = -2 ** 31

    def apply(self):
        from theano.tensor.extra_ops import CumOp
        super().apply()
        ravel_axis = self.ravel_axis
        CumOp.c_axis = property(
            lambda op: ravel_axis if op.axis is None else op.axis)


class NumpyMapIter(Patch):
    """Theano 1.0.5's C code for ``AdvancedIncSubtensor1`` (the gradient of
    indexing with an integer vector) uses NumPy's ``PyArray_MapIter*``
    C-API, which NumPy 2 removed: it does not compile. Theano runs an op's
    Python implementation (the same computation, with ``np.add.at``) when
    its ``c_code`` raises NotImplementedError, as it does itself for
    NumPy < 1.8: on NumPy 2 it raises that.
    """

    name = 'numpy2-map-iter'

    def needed(self):
        from theano.tensor.subtensor import AdvancedIncSubtensor1
        return NUMPY2 and not hasattr(AdvancedIncSubtensor1.c_code, '__wrapped__')

    def apply(self):
        from theano.tensor.subtensor import AdvancedIncSubtensor1
        original = AdvancedIncSubtensor1.c_code

        def c_code(*args, **kwargs):
            raise NotImplementedError('NumPy 2 has no PyArray_MapIter C-API')

        c_code.__wrapped__ = original
        AdvancedIncSubtensor1.c_code = c_code


class NumpyNoPrefixHeader(COpSubstitution):
    """Theano 1.0.5's legacy convolution op (``theano.tensor.nnet.conv``'s
    ``ConvOp``) includes ``numpy/noprefix.h``, which NumPy 2 removed; its
    code uses none of the unprefixed names that header defined, and includes
    ``numpy/arrayobject.h`` instead."""

    name = 'numpy2-noprefix-header'
    ops = ('theano.tensor.nnet.conv:ConvOp',)
    method = 'c_headers'

    def substitute(self, cls):
        original = cls.c_headers

        def c_headers(op):
            return ['<numpy/arrayobject.h>' if h == '<numpy/noprefix.h>' else h
                    for h in original(op)]

        c_headers.__wrapped__ = original
        c_headers.__patched__ = self.name
        cls.c_headers = c_headers

    def version_tag(self):
        return (self.name,)


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
        return not hasattr(np, self.attribute) and not self.restored()

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



# -- Theano on CPython >= 3.12 ------------------------------------------------

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


# -- nolearn ----------------------------------------------------------------

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


def kfold(n, n_folds):
    """scikit-learn < 0.20's ``cross_validation.KFold(n, n_folds)``.

    An iterable of (train, test) index arrays, unshuffled: the first fold's
    test rows are the first ``n // n_folds`` (+1 when ``n % n_folds``) rows.
    """
    from sklearn.model_selection import KFold
    return list(KFold(n_splits=n_folds).split(np.zeros((n, 1))))


def stratified_kfold(y, n_folds):
    """scikit-learn < 0.20's ``cross_validation.StratifiedKFold(y, n_folds)``.

    Forwards to ``model_selection.StratifiedKFold``; fold membership can
    differ from the removed implementation in the order of rows within a
    class. nolearn only uses it for classifiers, never in the tutorial.
    """
    from sklearn.model_selection import StratifiedKFold
    y = np.asarray(y)
    return list(StratifiedKFold(n_splits=n_folds).split(
        np.zeros((len(y), 1)), y))


def shuffle_split(n, n_iter=10, test_size=0.1, train_size=None, random_state=None):
    """scikit-learn < 0.20's ``cross_validation.ShuffleSplit(n, n_iter, ...)``:
    a list of (train, test) index arrays, from ``model_selection``'s."""
    from sklearn.model_selection import ShuffleSplit
    return list(ShuffleSplit(n_splits=n_iter, test_size=test_size, train_size=train_size,
                             random_state=random_state).split(np.zeros((n, 1))))


class SklearnCrossValidation(StandInModule):
    """nolearn 0.6.1 imports ``KFold`` and ``StratifiedKFold`` from
    ``sklearn.cross_validation``, removed in scikit-learn 0.20 in favour of
    ``sklearn.model_selection`` (whose classes take ``n_splits`` and have a
    ``split`` method). We register a ``cross_validation`` module with the
    old call signatures, so ``TrainSplit(eval_size=0.2)`` keeps its exact
    behaviour: the first 20% of rows validate, unshuffled. It also has the
    names 2015-era scripts imported from it: ``train_test_split``,
    ``cross_val_score`` and ``cross_val_predict`` (same signatures today) and
    ``ShuffleSplit(n, n_iter)``; any other name raises an ImportError that
    names its ``sklearn.model_selection`` replacement.
    """

    name = 'sklearn-cross-validation'
    module = 'sklearn.cross_validation'
    replacement = 'sklearn.model_selection'

    def names(self):
        from sklearn import model_selection
        return dict(KFold=kfold, StratifiedKFold=stratified_kfold,
                    ShuffleSplit=shuffle_split,
                    **{name: getattr(model_selection, name) for name in
                       ('train_test_split', 'cross_val_score', 'cross_val_predict')})


class OldGridSearchCV(object):
    """Mixin giving ``GridSearchCV`` the ``grid_scores_`` of scikit-learn
    < 0.20: (parameters, mean_validation_score, cv_validation_scores) per
    candidate."""

    @property
    def grid_scores_(self):
        results = self.cv_results_
        n_splits = len([k for k in results if k.startswith('split') and
                        k.endswith('_test_score')])
        return [(params, results['mean_test_score'][i],
                 np.array([results['split{}_test_score'.format(k)][i]
                           for k in range(n_splits)]))
                for i, params in enumerate(results['params'])]


class SklearnGridSearch(StandInModule):
    """``nolearn.grid_search`` imports ``GridSearchCV`` from
    ``sklearn.grid_search``, removed in scikit-learn 0.20 (its successor is
    ``sklearn.model_selection.GridSearchCV``, with ``cv_results_`` in place of
    ``grid_scores_``). We register a ``grid_search`` module whose
    ``GridSearchCV`` is today's with ``grid_scores_`` added; any other name
    raises an ImportError that names its replacement.
    """

    name = 'sklearn-grid-search'
    module = 'sklearn.grid_search'
    replacement = 'sklearn.model_selection'

    def names(self):
        from sklearn.model_selection import GridSearchCV
        return {'GridSearchCV': type('GridSearchCV', (OldGridSearchCV, GridSearchCV), {
            '__module__': self.module, '__doc__': GridSearchCV.__doc__})}


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


class NeuralNetParamAttributes(Patch):
    """scikit-learn >= 0.24's ``get_params`` reads every ``__init__``
    argument back from the instance. nolearn 0.6.1's ``NeuralNet`` accepts
    ``loss`` and ``X_tensor_type`` only to raise when they are given, and
    never stores them: ``get_params`` and ``clone`` raise AttributeError.
    Their only valid value is None, so that becomes the class attribute.
    """

    name = 'nolearn-param-attributes'
    attributes = ('loss', 'X_tensor_type')

    def needed(self):
        from nolearn.lasagne import NeuralNet
        return any(not hasattr(NeuralNet, a) for a in self.attributes)

    def apply(self):
        from nolearn.lasagne import NeuralNet
        for attribute in self.attributes:
            if not hasattr(NeuralNet, attribute):
                setattr(NeuralNet, attribute, None)


#: Attributes the package keeps on a net that a clone shares: the run
#: settings and record (:mod:`facial_keypoints.model.record`) describe the
#: definition and data, which a clone has too. (Its training state is the
#: trained net's alone.)
KEPT_ON_CLONE = ('run_settings_', 'run_record_')


def clone_neural_net(net):
    """Return an unfitted copy of a nolearn ``NeuralNet`` with equal params.

    Each parameter is cloned as scikit-learn's ``clone`` does (deep copies,
    so ``theano.shared`` learning rates and momenta are new variables and
    callbacks carry no state across). The ``PrintLog`` and
    ``PrintLayerInfo`` handlers that nolearn's ``__init__`` appended for
    ``verbose`` are dropped first, because ``__init__`` appends them again.
    Layers are built only at ``fit``, as for the original.
    """
    from sklearn.base import clone
    from nolearn.lasagne import PrintLayerInfo, PrintLog

    params = net.get_params(deep=False)
    # ``layers`` stays in nolearn's list type, which ``clone`` deep-copies
    # whole: a plain list would be cloned item by item, and a Lasagne layer
    # instance in it (nolearn's ``layers=l`` form) has a ``get_params`` that
    # is not scikit-learn's.
    if params.get('verbose'):
        added_by_init = {'on_epoch_finished': PrintLog,
                         'on_training_started': PrintLayerInfo}
        for name, handler_type in added_by_init.items():
            params[name] = [h for h in params[name] or []
                            if type(h) is not handler_type]
    params = {name: clone(value, safe=False) for name, value in params.items()}
    copy = type(net)(**params)
    for attribute in KEPT_ON_CLONE:
        if hasattr(net, attribute):
            setattr(copy, attribute, deepcopy(getattr(net, attribute)))
    return copy


class NeuralNetClone(Patch):
    """scikit-learn >= 0.24's ``clone`` raises RuntimeError for nolearn
    0.6.1's ``NeuralNet``: its ``__init__`` wraps ``layers`` in a new list
    and appends print handlers to the callback lists it is given, so the
    constructed net's parameters are not the objects passed in (older
    scikit-learn only warned). ``copy.deepcopy`` is no substitute, since
    nolearn's ``__setstate__`` builds the layers at copy time. scikit-learn
    >= 1.3 lets an estimator define ``__sklearn_clone__``; we give
    ``NeuralNet`` one that calls :func:`clone_neural_net`.
    """

    name = 'nolearn-clone'

    def needed(self):
        from nolearn.lasagne import NeuralNet
        return '__sklearn_clone__' not in vars(NeuralNet)

    def apply(self):
        from nolearn.lasagne import NeuralNet
        NeuralNet.__sklearn_clone__ = clone_neural_net


def neural_net_params_html(net, deep=True):
    """scikit-learn's HTML parameter table for a nolearn ``NeuralNet``.

    Runs scikit-learn's own ``_get_params_html`` while ``net.get_params``
    returns a plain dict instead of nolearn's always-containing ``_dict``.
    """
    from sklearn.base import BaseEstimator
    net.get_params = lambda deep=True: dict(type(net).get_params(net, deep=deep))
    try:
        return BaseEstimator._get_params_html(net, deep=deep)
    finally:
        del net.get_params


class NeuralNetHtmlRepr(Patch):
    """scikit-learn >= 1.6 shows estimators in notebooks as HTML with a
    table of parameters, which asks ``name in params`` for each
    ``__init__`` argument. nolearn 0.6.1's ``get_params`` returns a dict
    whose ``__contains__`` is always True (so that ``set_params`` accepts
    any layer parameter), and the table raises KeyError on ``'kwargs'``:
    a notebook cell ending in ``net.fit(X, y)`` fails after training. We
    give ``NeuralNet`` a ``_get_params_html`` that works on a plain dict.
    """

    name = 'nolearn-html-repr'

    def needed(self):
        from nolearn.lasagne import NeuralNet
        from sklearn.base import BaseEstimator
        return (hasattr(BaseEstimator, '_get_params_html')
                and '_get_params_html' not in vars(NeuralNet))

    def apply(self):
        from nolearn.lasagne import NeuralNet
        NeuralNet._get_params_html = neural_net_params_html


class TerminalColours(object):
    """nolearn's ``ansi`` colour codes, empty unless output gets colours
    (:func:`facial_keypoints.base.console.use_colour`)."""

    def __init__(self, codes):
        self._codes = codes

    def __getattr__(self, name):
        from ..base.console import use_colour
        code = vars(self._codes)[name] if name in vars(self._codes) else None
        if code is None:
            raise AttributeError(name)
        return code if use_colour() else ''


class NolearnColoursOnTerminal(Patch):
    """nolearn 0.6.1's epoch log marks the best losses with ANSI colour
    codes whatever stdout is, so a log written to a file or a pipe is full
    of escape sequences. We give its handlers colour codes that are empty
    unless stdout is a terminal or a notebook, or the user asks for colours
    (``FORCE_COLOR``), and always with ``NO_COLOR``.
    """

    name = 'nolearn-colours-on-terminal'

    def needed(self):
        from nolearn.lasagne import handlers
        return not isinstance(handlers.ansi, TerminalColours)

    def apply(self):
        from nolearn.lasagne import handlers
        handlers.ansi = TerminalColours(handlers.ansi)


#: Warnings that upstream code gives when we call it correctly: (message
#: pattern, category, module pattern). Lasagne 0.1 passes ``image_shape``
#: to ``conv2d``, which Theano 1.0 renamed; the result is the same.
#: Where Theano 1.0.5's ``GpuCAReduceCPY`` caches its pygpu reduction
#: kernel, on the Apply node it reduces for.
REDUCTION_KERNEL_CACHE = '@cache_reduction_k'


class GpuReductionKernelPickling(Patch):
    """Theano 1.0.5's ``GpuCAReduceCPY`` (the reduction op of the gpuarray
    back-end on OpenCL) caches a pygpu ``ReductionKernel`` on its Apply node,
    under ``'@cache_reduction_k'``, and the kernel holds its ``GpuContext``,
    which cannot be pickled. nolearn pickles a net with its compiled
    functions, so no net trained on OpenCL could be saved ("Cannot pickle
    GpuContext object"). We leave the cache out of a node's pickled state,
    as Theano's own ``Apply.__getstate__`` leaves out ``tag.ufunc``; the op
    builds the kernel again when it finds none (``get_kernel_cache``).
    """

    name = 'theano-gpu-reduction-kernel-pickling'

    def needed(self):
        from theano.gof.graph import Apply
        return not hasattr(Apply.__getstate__, '__wrapped__')

    def apply(self):
        from theano.gof.graph import Apply
        original = Apply.__getstate__

        def __getstate__(self):
            state = original(self)
            if REDUCTION_KERNEL_CACHE in state:
                state = dict(state)
                del state[REDUCTION_KERNEL_CACHE]
            return state

        __getstate__.__wrapped__ = original
        Apply.__getstate__ = __getstate__


UPSTREAM_WARNINGS = [
    (r'The `image_shape` keyword argument to `tensor.nnet.conv2d` is deprecated',
     UserWarning, r'lasagne\.'),
]


def quiet_upstream_warnings():
    """Filter the warnings of :data:`UPSTREAM_WARNINGS`: each is upstream
    talking to itself across versions, not about anything the user does, and
    they made the tutorial's log unreadable (8 copies in the demo). Not a
    :class:`Patch`: warning filters are process state that test runners and
    ``warnings.catch_warnings`` reset, so it is simply called again."""
    import warnings
    for message, category, module in UPSTREAM_WARNINGS:
        warnings.filterwarnings('ignore', message=message, category=category,
                                module=module)


#: The patches by when they apply (see :mod:`.loading`): before Theano is
#: first imported (its flags, and a module it imports), once it is (its own
#: internals, and the modules Lasagne and nolearn import), and once
#: nolearn's ``lasagne`` module is.
BEFORE_THEANO = (
    TheanoDefaults(),
    PkgResourcesStandIn(),
    NumpyLinalgModule(),
    NumpyDistutils(),
    ImpModule(),
)
WITH_THEANO_CMODULE = (
    NumpyPy2CAliases(),
    NumpyDescrFields(),
)
AFTER_THEANO = (
    NumpyRavelAxis(),
    NumpyMapIter(),
    NumpyNoPrefixHeader(),
    NumpyComplex(),
    NumpyCast(),
    NumpyProduct(),
    NumpySctype2char(),
    NumpyCoreModules(),
    ScanPythonFallback(),
    COpStableCacheVersion(),
    EmptyPropsCacheVersion(),
    GpuReductionKernelPickling(),
    TheanoDownsample(),
    CollectionsAbcAliases(),
)
AFTER_NOLEARN = (
    NeuralNetParamAttributes(),
    NeuralNetClone(),
    NeuralNetHtmlRepr(),
    NolearnColoursOnTerminal(),
)

#: The modules scikit-learn removed, served whenever they are imported
#: (:class:`.loading.StandIns`), with or without the stack.
STAND_INS = (
    SklearnCrossValidation(),
    SklearnGridSearch(),
)

#: The patches in the order they must run.
PATCHES = BEFORE_THEANO + WITH_THEANO_CMODULE + AFTER_THEANO + AFTER_NOLEARN


def apply_all(patches=PATCHES):
    """Apply each needed patch once; return the names applied now."""
    applied = []
    for patch in patches:
        if patch.name not in APPLIED and patch.needed():
            patch.apply()
            APPLIED.append(patch.name)
            applied.append(patch.name)
    return applied
