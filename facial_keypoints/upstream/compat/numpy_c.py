"""Theano's C code on NumPy 2's C-API: names it removed, the descriptor's
fields, the ravel axis, the map iterator, a removed header."""
import importlib
import os
import re

import numpy as np

from .patch import NUMPY2, Patch

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


def py2_c_aliases(leave_out=()):
    """The C lines that define :data:`PY2_C_ALIASES`, each unless defined,
    but for the names in ``leave_out``."""
    return ''.join('#ifndef {0}\n#define {0} {1}\n#endif\n'.format(name, value)
                   for name, value in PY2_C_ALIASES if name not in leave_out)


#: NumPy's header of Python 2 names, which a few of Theano's C modules
#: include themselves (the lazy linker, ``cutils_ext``).
NPY_3KCOMPAT = 'npy_3kcompat.h'


def numpy_3kcompat_names(path=None):
    """The names of :data:`PY2_C_ALIASES` that the installed NumPy's own
    ``numpy/npy_3kcompat.h`` defines, as a macro or as a function: all but
    a few on NumPy 1.x and 2.0.x (2.0 made ``PyInt_Check`` a ``static
    inline`` function there), none from 2.1 on."""
    if path is None:
        path = os.path.join(np.get_include(), 'numpy', NPY_3KCOMPAT)
    try:
        with open(path) as header:
            text = header.read()
    except OSError:
        return frozenset()
    return frozenset(
        name for name, _ in PY2_C_ALIASES
        if re.search(r'^\s*#\s*define\s+{0}\b|^[^#\n]*\binline\b[^;\n]*\b{0}\s*\('.format(
            re.escape(name)), text, re.MULTILINE))


def py2_c_preambles():
    """What :class:`NumpyPy2CAliases` puts in front of a C module: (for
    any module, for one that includes NumPy's ``npy_3kcompat.h``)."""
    return py2_c_aliases(), py2_c_aliases(leave_out=numpy_3kcompat_names())


def py2_c_aliases_flag():
    """The compile flag with the digest of :func:`py2_c_preambles` (of the
    one preamble where they are the same, so that the flag, and with it
    every module's key, is what it was before NumPy 2.0.x needed two)."""
    aliases, besides_numpy = py2_c_preambles()
    both = aliases if besides_numpy == aliases else aliases + besides_numpy
    return '-DTHEANO_PY2_C_ALIASES={}'.format(digest(both))


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

    NumPy 2.0.x still has most of these names in ``npy_3kcompat.h``, with
    ``PyInt_Check`` as a ``static inline`` function: in the modules that
    include that header (the lazy linker, ``cutils_ext``) our
    ``#define PyInt_Check PyLong_Check`` turned its declaration into
    nonsense ("'int PyType_HasFeature' redeclared as different kind of
    entity"). Those modules get only the names the installed header does
    not define (:func:`numpy_3kcompat_names`; from NumPy 2.1 on, which has
    none of them there, all), and the digest in the flags then covers both
    preambles (it is unchanged where the header has none of the names).
    """

    name = 'numpy2-py2-c-aliases'

    def needed(self):
        from theano.gof.cmodule import GCC_compiler
        return NUMPY2 and not hasattr(GCC_compiler.compile_str, '__wrapped__')

    def apply(self):
        from theano.gof.cmodule import GCC_compiler
        original = GCC_compiler.compile_str
        aliases, besides_numpy = py2_c_preambles()

        def compile_str(module_name, src_code, *args, **kwargs):
            preamble = besides_numpy if NPY_3KCOMPAT in src_code else aliases
            return original(module_name, preamble + src_code, *args, **kwargs)

        compile_str.__wrapped__ = original
        GCC_compiler.compile_str = staticmethod(compile_str)
        add_compile_args(py2_c_aliases_flag())


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
