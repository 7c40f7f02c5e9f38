"""Detecting facial keypoints with convolutional neural nets.

A runnable reproduction of Daniel Nouri's tutorial (Kaggle Facial Keypoints
Detection, December 2014) on Theano, Lasagne and nolearn. Importing this
package first makes those upstream releases work on CPython 3.11 to 3.15
and NumPy 1.26 to 2.5: their
patches (:mod:`facial_keypoints.upstream.compat`) apply as Theano and
nolearn are first imported (:mod:`facial_keypoints.upstream.loading`).

Packages: :mod:`.tutorial` (the tutorial itself), :mod:`.w207` (the W207
experiments), :mod:`.kaggle` (the Kaggle format and data), :mod:`.upstream`
(patches to Theano, Lasagne and nolearn); :mod:`.kfkd` has the tutorial's
names and runs the command line (:mod:`.cli`).
"""
import sys

from .about import SUPPORTED_PYTHON, __version__, supported_pythons  # noqa: F401

if not SUPPORTED_PYTHON[0] <= sys.version_info[:2] < SUPPORTED_PYTHON[1]:
    raise ImportError(
        'facial_keypoints needs {} (the versions its patches to Theano 1.0.5 are '
        'tested on); this is Python {}.{}. Run `python install.py` with a supported '
        'Python, or `make demo`.'.format(supported_pythons(), *sys.version_info[:2]))

from .upstream import threads  # noqa: E402

threads.rest_idle_threads()  # before Theano loads OpenBLAS and OpenMP

from .upstream import compat, loading  # noqa: E402,F401

loading.patch_on_first_import()
