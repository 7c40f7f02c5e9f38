"""The C code of our ops, in ``c_code/`` beside this module, as Theano
keeps its own (its ``corr.py`` reads ``c_code/corr_gemm.c``).

An op's support code is its files read in order (a file may be a template
of ``%(name)s`` fields, which the op fills), and its compile cache version
is derived from their contents, so that editing a file recompiles the op.
"""
import functools
import hashlib
import os

DIRECTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'c_code')


@functools.lru_cache(maxsize=None)
def _text(name):
    with open(os.path.join(DIRECTORY, name)) as f:
        return f.read()


def read(*names):
    """The files ``names`` of ``c_code/``, one after the other."""
    return ''.join(_text(name) + '\n' for name in names)


def version(*names):
    """A number that changes with the contents of the files ``names``."""
    digest = hashlib.sha256(read(*names).encode('utf-8')).hexdigest()
    return int(digest[:12], 16)


def define(name, value):
    """A ``#define NAME value`` line (``NAME`` may take arguments)."""
    return '#define {} {}\n'.format(name, value)


def defines(**values):
    """``#define NAME value`` lines for the constants a file takes."""
    return ''.join(define(name, value) for name, value in values.items())
