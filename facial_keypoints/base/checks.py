"""The checks of arguments that the library and the command line share.

Each takes a value (a number, or the text of an option) and returns it as
the library uses it, or raises :class:`~.errors.UsageError` saying what it
must be; :func:`named` puts the parameter's name in front, for the
library's own calls. The command line uses the same checks as its option
types, so that each rule is written once.
"""
import math
import os

from .errors import UsageError


def whole_number(value, minimum=1):
    """``value`` (or its text) as an int of at least ``minimum``."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise UsageError('{!r} is not a whole number'.format(value)) from None
    if isinstance(value, float) and number != value:
        raise UsageError('{!r} is not a whole number'.format(value))
    if number < minimum:
        raise UsageError('must be at least {}, not {}'.format(minimum, number))
    return number


def positive_seconds(value):
    """``value`` (or its text) as a positive, finite number of seconds."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise UsageError('{!r} is not a number of seconds'.format(value)) from None
    if not seconds > 0 or math.isinf(seconds):
        raise UsageError('must be a positive number of seconds, not {}'.format(value))
    return seconds


def existing_file(path, folders=False):
    """``path``, when it names a file (or, with ``folders``, a folder)."""
    if not os.path.exists(path):
        raise UsageError('{}: no such file'.format(path))
    if os.path.isdir(path) and not folders:
        raise UsageError('{}: is a directory, not a file'.format(path))
    return path


def named(name, check, value, *args):
    """``check(value, *args)``, or None for None, its error naming the
    parameter ``name``."""
    if value is None:
        return None
    try:
        return check(value, *args)
    except UsageError as e:
        raise UsageError('`{}` {}'.format(name, e)) from None
