"""Detecting facial keypoints with convolutional neural nets.

A runnable reproduction of Daniel Nouri's tutorial (Kaggle Facial Keypoints
Detection, December 2014) on Theano, Lasagne and nolearn. Importing this
package first makes those upstream releases work on CPython 3.11 to 3.13
and NumPy 2: their
patches (:mod:`facial_keypoints.upstream.compat`) apply as Theano and
nolearn are first imported (:mod:`facial_keypoints.upstream.loading`).

Packages: :mod:`.tutorial` (the tutorial itself), :mod:`.w207` (the W207
experiments), :mod:`.kaggle` (the Kaggle format and data), :mod:`.upstream`
(patches to Theano, Lasagne and nolearn); :mod:`.kfkd` has the tutorial's
names and runs the command line (:mod:`.cli`).
"""
import sys

# setup.py reads these two without importing the package.
__version__ = '0.1.0'

#: The CPython versions supported: from the first, up to but not including
#: the second (the compatibility layer is tested on each).
SUPPORTED_PYTHON = ((3, 11), (3, 14))

if not SUPPORTED_PYTHON[0] <= sys.version_info[:2] < SUPPORTED_PYTHON[1]:
    raise ImportError(
        'facial_keypoints needs CPython 3.11 to 3.13 (the versions its patches '
        'to Theano 1.0.5 are tested on); this is Python {}.{}. '
        'Run `make demo` to set up a virtual environment with a supported Python.'
        .format(*sys.version_info[:2]))

from .upstream import threads  # noqa: E402

threads.rest_idle_threads()  # before Theano loads OpenBLAS and OpenMP

from .upstream import compat, loading  # noqa: E402,F401

loading.patch_on_first_import()
