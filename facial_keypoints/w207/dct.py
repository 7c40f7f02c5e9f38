"""Data augmentation from the W207 experiments: low-pass and high-pass
versions of the training images, appended to the training set
(:func:`append_dct_copies`, ``kfkd fit --dct-window N``).
"""
import numpy as np
from scipy.fft import dctn, idctn


def dct_low_pass(X, window):
    """Keep the top-left ``window`` x ``window`` DCT coefficients of each image.

    Orthonormal 2-D DCT over the last two axes; the inverse DCT of the kept
    coefficients is the low-pass image.
    """
    coefficients = dctn(X, axes=(-2, -1), norm='ortho')
    kept = np.zeros_like(coefficients)
    kept[..., :window, :window] = coefficients[..., :window, :window]
    return idctn(kept, axes=(-2, -1), norm='ortho').astype(X.dtype)


def dct_high_pass(X, window):
    """Zero the top-left ``window`` x ``window`` DCT coefficients of each image;
    ``dct_low_pass(X, w) + dct_high_pass(X, w)`` is X."""
    coefficients = dctn(X, axes=(-2, -1), norm='ortho')
    coefficients[..., :window, :window] = 0
    return idctn(coefficients, axes=(-2, -1), norm='ortho').astype(X.dtype)


def append_dct_copies(X, y, window=24):
    """The training set followed by its low-pass and high-pass copies."""
    X = np.asarray(X)
    return (np.concatenate([X, dct_low_pass(X, window), dct_high_pass(X, window)]),
            np.concatenate([y, y, y]))
