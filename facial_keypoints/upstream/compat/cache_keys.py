"""Theano's compiled-module cache keys: two upstream bugs that made modules
compile again in every process."""
from .patch import Patch

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
