"""Errors that are the user's input or environment, not bugs.

Every error the command line reports in one line derives from
:class:`UserError`; anything else is a bug and keeps its traceback.
Imports nothing from the package.
"""
import os
import re
import sys


class UserError(Exception):
    """A failure the user can fix: bad input, a missing file, a full disk.

    ``str(error)`` is one line: what is wrong, and what to do. A message
    names the library's parameters in backquotes (```max_epochs```), so
    that the command line can name its options instead (:meth:`describe`).
    """

    def describe(self, option=lambda name: name):
        """The message with each backquoted parameter named by ``option(name)``."""
        return re.sub(r'`([a-z_]+)`', lambda match: option(match.group(1)), str(self))

    def __reduce__(self):
        # As raised, whatever a subclass's __init__ takes: an error of a unit
        # of work comes back from a cluster's worker pickled.
        return _rebuilt, (type(self), self.args, self.__dict__)


def _rebuilt(cls, args, attributes):
    error = Exception.__new__(cls)
    error.args = args
    error.__dict__.update(attributes)
    return error


class UsageError(UserError, ValueError):
    """A bad argument (the command line exits with status 2)."""


class SaveFailed(UserError):
    """A trained net could not be written where asked; it was saved elsewhere."""


class SettingsMismatch(UsageError):
    """A run continued with settings that differ from its stored ones."""

    def __init__(self, source, name, stored, given):
        super().__init__(
            '{}: holds a run with `{}` {}, not {}; give that value to continue it, '
            'or start over with `restart`'.format(source, name, _shown(stored), _shown(given)))
        self.source, self.name, self.stored, self.given = source, name, stored, given


def _shown(value):
    if isinstance(value, tuple) and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        return ','.join('{}={}'.format(*pair) for pair in value) or 'none'  # params
    if isinstance(value, (list, tuple)):
        return ','.join(map(str, value))
    return 'none' if value is None else str(value)


class Paused(KeyboardInterrupt):
    """Training stopped at the end of an epoch on a signal (Ctrl-C, SIGTERM,
    SIGHUP) with its checkpoint written; ``str(error)`` says where and how
    to continue. ``exit_status`` is the shell's 128 + the signal's number."""

    def __init__(self, message, signum):
        super().__init__(message)
        self.signum = signum
        self.exit_status = 128 + int(signum)


class DataError(UserError, ValueError):
    """Bad input data, located by file, 1-based data row and column."""

    def __init__(self, path, message, row=None, column=None):
        where = [os.path.basename(path) if path else '<data>']
        if row is not None:
            where.append('row {} (line {})'.format(row, row + 1))
        if column is not None:
            where.append('column {}'.format(column))
        super().__init__('{}: {}'.format(', '.join(where), message))
        self.path, self.row, self.column = path, row, column


class CheckpointError(UserError, ValueError):
    """A file that should hold a trained net (or specialists) does not."""

    def __init__(self, path, message):
        super().__init__('{}: {}'.format(path, message))
        self.path = path


class CompileFailed(UserError, RuntimeError):
    """Theano could not compile a loaded net's functions: the machine's
    compiler or Theano's compile directory failed, not the file."""

    def __init__(self, path, cause):
        super().__init__(
            '{}: read, but Theano could not compile its functions ({}: {}); the machine '
            'is at fault, not the file: its C++ compiler, or Theano\'s compile directory '
            '{}. Run `kfkd doctor`, and try again once other Theano processes have '
            'finished compiling'.format(path, type(cause).__name__, _first_line(cause),
                                        _compile_directory() or '(see `kfkd doctor`)'))
        self.path = path

    @staticmethod
    def in_compile_directory(error):
        """Whether ``error`` names a file in Theano's compile directory."""
        where = _compile_directory()
        return bool(where) and where in str(error)


def _first_line(error):
    lines = str(error).strip().splitlines()
    return lines[0] if lines else ''


def _compile_directory():
    theano = sys.modules.get('theano')
    return getattr(getattr(theano, 'config', None), 'compiledir', None)


class PretrainedMismatch(UserError, ValueError):
    """The pretrained net cannot initialise the specialists."""


class DownloadError(UserError, RuntimeError):
    """The download cannot proceed; the message says what the user must do."""
