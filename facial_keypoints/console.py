"""Whether output goes to a person (a terminal or a notebook) or to a file.

Imports nothing from the package.
"""
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
