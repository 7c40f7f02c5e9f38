"""When the patches apply: as the upstream stack is first imported.

``import facial_keypoints`` imports no Theano: it registers a finder for
``theano`` and ``nolearn.lasagne`` on :data:`sys.meta_path`, and one that
serves the modules scikit-learn removed (:data:`.compat.STAND_INS`, such as
``sklearn.cross_validation``) when they are imported, by nolearn or by code
of the tutorial's era that imports them before anything else. When either
is first imported, by the package or by the user's own code after it, the
finder lets the import run as usual with the patches of
:mod:`.compat` around it: those that must be in place before Theano's code
runs, those to its C compiler as ``theano.gof.cmodule`` is loaded (Theano
compiles its lazy linker while it is imported), then those that need
Theano (with the faster CPU ops), and those
that need nolearn's ``lasagne`` module once it is loaded. So the command
line answers ``--help`` without loading Theano, and every module that uses
the stack gets it patched, whoever imports it first.
"""
import importlib.abc
import importlib.machinery
import importlib.util
import sys

from . import compat


class _Patched(importlib.abc.Loader):
    """A module's own loader, with ``before()`` and ``after()`` around the
    execution of its code."""

    def __init__(self, loader, before, after):
        self.loader, self.before, self.after = loader, before, after

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = module.__spec__.loader = self.loader  # its own again
        self.before()
        self.loader.exec_module(module)
        self.after()


class FirstImports(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the loader of each module of ``hooks``
    ({name: (before, after)}) the first time it is imported, then leaves."""

    def __init__(self, hooks):
        self.hooks = dict(hooks)

    def find_spec(self, name, path=None, target=None):
        if name not in self.hooks:
            return None
        before, after = self.hooks.pop(name)
        if not self.hooks:
            sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _Patched(spec.loader, before, after)
        return spec


class StandIns(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves each module of ``patches`` (:class:`.compat.patch.StandInModule`
    s, by their ``module`` name), built from the patch when first imported.
    It is the last finder, so an installed module of that name wins."""

    def __init__(self, patches):
        self.patches = {patch.module: patch for patch in patches}

    def find_spec(self, name, path=None, target=None):
        if name not in self.patches:
            return None
        return importlib.util.spec_from_loader(name, self)

    def create_module(self, spec):
        return None  # the default module

    def exec_module(self, module):
        self.patches[module.__name__].fill(module)


def before_theano():
    compat.apply_all(compat.BEFORE_THEANO)


def with_theano_cmodule():
    compat.apply_all(compat.WITH_THEANO_CMODULE)


def after_theano():
    from . import fast_conv, fast_cpu, fast_gemm
    compat.apply_all(compat.AFTER_THEANO)
    compat.quiet_upstream_warnings()
    fast_cpu.enable()
    fast_conv.enable()
    fast_gemm.enable()


def after_nolearn():
    compat.apply_all(compat.AFTER_NOLEARN)


def after_nolearn_inischema():
    compat.apply_all(compat.AFTER_NOLEARN_INISCHEMA)


# Theano's compiler module is loaded, and its lazy linker compiled, while
# ``theano`` itself is being imported: the patches to the compiler apply
# as that module is loaded, before it compiles anything.
HOOKS = (('theano.gof.cmodule', (lambda: None, with_theano_cmodule)),
         ('theano.scalar.basic', (compat.numpy_names.NUMPY_BOOL.lend,
                                  compat.numpy_names.NUMPY_BOOL.take_back)),
         ('theano', (before_theano, after_theano)),
         ('nolearn.lasagne', (lambda: None, after_nolearn)),
         ('nolearn.inischema', (lambda: None, after_nolearn_inischema)))


def patch_on_first_import():
    """Apply each phase of the patches when its module is first imported
    (at once for a module that is already)."""
    waiting = {}
    for name, (before, after) in HOOKS:
        if name in sys.modules:
            before()
            after()
        else:
            waiting[name] = (before, after)
    if waiting and not any(isinstance(f, FirstImports) for f in sys.meta_path):
        sys.meta_path.insert(0, FirstImports(waiting))
    if not any(isinstance(f, StandIns) for f in sys.meta_path):
        sys.meta_path.append(StandIns(compat.STAND_INS))
