"""What the package is and what it needs: read without importing the
package (setup.py and install.py run this file on any Python), so it
imports nothing."""

__version__ = '0.1.0'

#: The CPython versions supported: from the first, up to but not including
#: the second (the compatibility layer is tested on each).
SUPPORTED_PYTHON = ((3, 11), (3, 16))

#: The tutorial's stack, exact: the releases the compatibility layer patches.
STACK = (('Theano', '1.0.5'), ('Lasagne', '0.1'), ('nolearn', '0.6.1'))

#: What else the package requires, as ranges: (distribution, lowest tested,
#: first untested or None, the CPythons it applies to or None for all). The
#: lowest are those of the oldest notebook platform tested (CPython 3.11 with
#: NumPy 1.26; scikit-learn 1.3 is the first with the clone protocol nolearn's
#: nets need), the highest the newest releases the layer is tested on. The
#: libraries whose releases break Theano or nolearn are bounded above; the
#: rest, whose APIs the package uses plainly, are not. scikit-image has no
#: final release for CPython 3.15 yet: its release candidate is taken there.
DEPENDENCIES = (
    ('numpy', '1.26', '2.6', None),
    ('scipy', '1.13', '1.19', None),
    ('pandas', '2.2', '3.2', None),
    ('scikit-learn', '1.3', '1.10', None),
    ('matplotlib', '3.7', '3.12', None),
    ('scikit-image', '0.24', '0.28', ((3, 11), (3, 15))),
    ('scikit-image', '0.27.0rc1', '0.28', ((3, 15), None)),
    ('tabulate', '0.8', None, None),
    ('six', '1.16', None, None),
    ('joblib', '1.2', None, None),
    ('dask', '2024.8', None, None),
    ('distributed', '2024.8', None, None),
    # Theano imports distutils, which CPython 3.12 removed: setuptools has it.
    ('setuptools', '65', None, ((3, 12), None)),
)

#: Optional parts, ``pip install 'CHECKOUT[onnx]'``: the Kaggle client (the
#: ``download`` command), the Dask dashboard, the ONNX export and its check.
EXTRAS = {
    'kaggle': ('kaggle>=1.6',),
    'dashboard': ('bokeh>=3.1',),
    'onnx': ('onnx>=1.18', 'onnxruntime>=1.20'),
    'tensorboard': ('tensorboardX>=2.6',),
    'notebook': ('ipywidgets>=8.0',),
}


def supported_pythons():
    """:data:`SUPPORTED_PYTHON` in words: 'CPython 3.11 to 3.15'."""
    (first, past) = SUPPORTED_PYTHON
    return 'CPython {}.{} to {}.{}'.format(*first, past[0], past[1] - 1)


def python_marker(pythons):
    """A PEP 508 environment marker for ``pythons`` (first, past), either
    of which may be None."""
    first, past = pythons
    parts = []
    if first:
        parts.append('python_version >= "{}.{}"'.format(*first))
    if past:
        parts.append('python_version < "{}.{}"'.format(*past))
    return ' and '.join(parts)


def requirement(name, lowest, past, pythons):
    """One entry of :data:`DEPENDENCIES` as a requirement string."""
    text = '{}>={}'.format(name, lowest) + (',<{}'.format(past) if past else '')
    return text + ('; ' + python_marker(pythons) if pythons else '')


def requirements():
    """What the package requires: the stack, exact, and the ranges."""
    return (['{}=={}'.format(name, version) for name, version in STACK]
            + [requirement(*entry) for entry in DEPENDENCIES])
