"""Errors that are the user's input or environment, not bugs.

Every error the command line reports in one line derives from
:class:`UserError`; anything else is a bug and keeps its traceback.
Imports nothing from the package.
"""
import os


class UserError(Exception):
    """A failure the user can fix: bad input, a missing file, a full disk.

    ``str(error)`` is one line: what is wrong, and what to do.
    """


class UsageError(UserError, ValueError):
    """A bad argument (the command line exits with status 2)."""


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


class PretrainedMismatch(UserError, ValueError):
    """The pretrained net cannot initialise the specialists."""


class DownloadError(UserError, RuntimeError):
    """The download cannot proceed; the message says what the user must do."""
