"""The patch framework: a :class:`Patch` is one upstream break and its fix,
a :class:`StandInModule` a module upstream imports that is gone;
:func:`apply_all` applies each needed patch once."""
import importlib
import sys
import types

import numpy as np

#: Names of the patches that :func:`apply_all` applied in this process.
APPLIED = []

#: True on NumPy >= 2.
NUMPY2 = int(np.__version__.split('.')[0]) >= 2


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


def apply_all(patches):
    """Apply each needed patch of ``patches`` once; return the names applied
    now."""
    applied = []
    for patch in patches:
        if patch.name not in APPLIED and patch.needed():
            patch.apply()
            APPLIED.append(patch.name)
            applied.append(patch.name)
    return applied
