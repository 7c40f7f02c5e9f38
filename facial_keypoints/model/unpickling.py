"""Reading a pickle without running what it names.

Unpickling calls whatever a file names, so a pickle from elsewhere could run
any code. :func:`load` resolves only the globals of :mod:`.allowlist`, by
exact module and name, and refuses any other before it builds anything
(:class:`RefusedGlobal`), as ``torch.load(weights_only=True)`` does.
:func:`names` lists what a pickle names without loading it.

A file the user trusts loads with the plain unpickler: :func:`trust` it, or
list it in ``$FKP_TRUSTED_PICKLES`` (paths separated by ``:``).
"""
import _compat_pickle
import importlib
import os
import pickle
import pickletools
import zipfile

import numpy as np

from ..base.errors import CheckpointError
from ..upstream import pickled
from . import allowlist

TRUSTED_VARIABLE = 'FKP_TRUSTED_PICKLES'

#: The modules of earlier releases that pickles name, by their paths now.
MOVED = {'facial_keypoints.' + old: 'facial_keypoints.' + new for old, new in [
    ('inputs', 'model.inputs'), ('masked', 'model.masked'), ('persist', 'model.persist'),
    ('record', 'model.record'), ('registry', 'model.registry'),
    ('settings', 'model.settings'), ('state', 'model.state'),
    ('checkpoints', 'longrun.checkpoints'), ('cluster', 'longrun.cluster'),
    ('runs', 'longrun.train'), ('spot', 'longrun.spot'), ('stops', 'longrun.pauses'),
    ('units', 'longrun.units')]}

_trusted = set()


class RefusedGlobal(CheckpointError):
    """A pickle names a global outside the allowlist; nothing of it ran."""

    def __init__(self, path, module, name):
        super().__init__(path, 'names {}.{}, which no trained net needs, so it was not '
                         'loaded and nothing in it ran; only if you trust the file, give '
                         '`trusted` {} or set ${}={}; a net is safer shared as .npz or '
                         'ONNX (`kfkd export`)'.format(module, name, path, TRUSTED_VARIABLE,
                                                      path))
        self.module, self.name = module, name


def trust(path):
    """Load the pickle ``path`` with the plain unpickler from now on."""
    _trusted.add(os.path.realpath(path))


def trusted(path):
    """Whether ``path`` was trusted, by :func:`trust` or ``$FKP_TRUSTED_PICKLES``."""
    listed = os.environ.get(TRUSTED_VARIABLE, '').split(os.pathsep)
    return os.path.realpath(path) in _trusted | {os.path.realpath(p) for p in listed if p}


def current_name(module, name):
    """The global that a pickle's ``module.name`` is today: Python 2's names
    that protocol 2 writes (``__builtin__.set``), an earlier release's path
    moved (:data:`MOVED`), NumPy 1's ``numpy.core`` under NumPy 2 (whose old
    name still works, with a DeprecationWarning)."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[module, name]
    module = _compat_pickle.IMPORT_MAPPING.get(module, module)
    module = MOVED.get(module, module)
    if module.split('.')[:2] == ['numpy', 'core'] and _numpy_major() >= 2:
        module = 'numpy._core' + module[len('numpy.core'):]
    return module, name


def _numpy_major():
    return int(np.__version__.split('.')[0])


def kind(module, name):
    """'allowed', 'compiled' (an inert part of a compiled function) or
    'refused', for the global ``module.name`` a pickle names."""
    module, name = current_name(module, name)
    if name in allowlist.ALLOWED.get(module, ()):
        return 'allowed'
    if name in allowlist.COMPILED.get(module, ()):
        return 'compiled'
    return 'refused'


class Unpickler(pickle.Unpickler):
    """Finds what a pickle of an earlier release names by its old name
    (:func:`current_name`), and anything else, for a trusted file."""

    def find_class(self, module, name):
        return super().find_class(*current_name(module, name))


class _Restricted(pickle.Unpickler):
    """Resolves the globals of :mod:`.allowlist` only."""

    def __init__(self, f, path):
        super().__init__(f)
        self.path = path

    def find_class(self, module, name):
        found = kind(module, name)
        if found == 'compiled':
            return pickled.Compiled
        if found == 'refused':
            raise RefusedGlobal(self.path, module, name)
        module, name = current_name(module, name)
        return pickled.stand_in(module, name, getattr(importlib.import_module(module), name))


def load(f, path):
    """What the pickle in the open file ``f`` (read from ``path``) holds,
    through the allowlist; nets as :mod:`~facial_keypoints.upstream.pickled`'s
    stand-ins leave them, for its ``finish``."""
    return _Restricted(f, path).load()


def inspect(path):
    """``(module.name, kind)`` for each global the pickle ``path`` names
    (:func:`kind`), read without loading anything; none for a zip archive
    (a ``.npz``), which holds no pickle."""
    if zipfile.is_zipfile(path):
        return []
    try:
        found = names(path)
    except (ValueError, EOFError) as e:
        raise CheckpointError(path, 'not a readable pickle ({}: {})'.format(
            type(e).__name__, e)) from None
    return [('{}.{}'.format(module, name), kind(module, name)) for module, name in found]


def names(path):
    """The globals, ``(module, name)``, that the pickle ``path`` names, in
    the order it names them, read without loading anything."""
    found, pushed, memo = [], [], {}
    with open(path, 'rb') as f:
        for opcode, arg, _ in pickletools.genops(f):
            if opcode.name in ('FRAME', 'PROTO'):
                continue
            if opcode.name in ('GLOBAL', 'INST'):
                found.append(tuple(arg.split(' ', 1)))
            elif opcode.name == 'STACK_GLOBAL':
                found.append(tuple(str(part) for part in pushed[-2:]))
            elif opcode.name == 'MEMOIZE':
                memo[len(memo)] = pushed[-1] if pushed else None
            elif opcode.name in ('PUT', 'BINPUT', 'LONG_BINPUT'):
                memo[arg] = pushed[-1] if pushed else None
            elif opcode.name in ('GET', 'BINGET', 'LONG_BINGET'):
                pushed.append(memo.get(arg))
            else:
                pushed.append(arg if isinstance(arg, str) else None)
    return list(dict.fromkeys(found))
