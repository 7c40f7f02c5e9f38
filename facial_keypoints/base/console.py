"""Whether output goes to a person (a terminal or a notebook) or to a file,
and whether it gets colours.

Imports nothing from the package.
"""
import os
import sys


def is_interactive(stream=None):
    """True when ``stream`` (default: stdout) is a terminal or a Jupyter
    notebook's output, which show colours and the tutorial's full printout."""
    stream = stream or sys.stdout
    if 'ipykernel' in sys.modules and type(stream).__module__.startswith('ipykernel'):
        return True
    isatty = getattr(stream, 'isatty', None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def use_colour(stream=None, environ=None):
    """True when output to ``stream`` gets colours: never with ``NO_COLOR``
    set (https://no-color.org), always with ``FORCE_COLOR`` or
    ``CLICOLOR_FORCE`` set (but to 0), else on a terminal or in a notebook."""
    environ = os.environ if environ is None else environ
    if environ.get('NO_COLOR'):
        return False
    if any(environ.get(name, '0') not in ('', '0') for name in ('FORCE_COLOR',
                                                                'CLICOLOR_FORCE')):
        return True
    return is_interactive(stream)
