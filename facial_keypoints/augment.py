"""Data augmentation from the W207 experiments.

* DCT copies: low-pass and high-pass versions of the training images,
  appended to the training set (:func:`append_dct_copies`).
* Batch transforms that move the keypoints with the image: shift, stretch,
  crop, small rotation and brightness (:class:`AugmentBatchIterator`).
"""
import numpy as np
from scipy.fft import dctn, idctn
from scipy.ndimage import affine_transform

from .iterators import FlipBatchIterator

CENTER = 47.5  # the centre of a 96-pixel axis, pixel centres at 0..95


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


def affine(angle=0.0, scale=(1.0, 1.0), shift=(0.0, 0.0)):
    """Forward map of pixel (x, y) coordinates: p' = M (p - c) + c + shift."""
    c, s = np.cos(angle), np.sin(angle)
    M = np.array([[c, -s], [s, c]]) @ np.diag(scale)
    b = np.full(2, CENTER) - M @ np.full(2, CENTER) + np.asarray(shift, float)
    return M, b


def warp_image(img, M, b):
    """Resample a 96x96 image under the forward map (M, b)."""
    swap = np.array([[0, 1], [1, 0]])  # (x, y) <-> (row, col)
    inverse = np.linalg.inv(swap @ M @ swap)
    return affine_transform(img, inverse, offset=-inverse @ (swap @ b),
                            order=1, mode='nearest')


def warp_keypoints(y, M, b):
    """Move keypoints scaled to [-1, 1] (x, y interleaved) under (M, b)."""
    points = y.reshape(-1, 2) * 48 + 48
    return ((points @ M.T + b - 48) / 48).reshape(y.shape)


class AugmentBatchIterator(FlipBatchIterator):
    """Flip as the tutorial does, then transform each training image at
    random, moving its keypoints with it.

    Parameters
    ----------
    shift : float
        Largest shift in pixels along each axis.
    stretch : float
        Largest relative change of scale along each axis (0.1: 90%..110%).
    crop : float
        Largest share of the image cropped away and zoomed back (a zoom in).
    rotation : float
        Largest rotation in degrees.
    brightness : float
        Largest change of brightness, added to pixels in [0, 1].
    """

    def __init__(self, batch_size, shift=0, stretch=0, crop=0, rotation=0,
                 brightness=0, **kwargs):
        super(AugmentBatchIterator, self).__init__(batch_size, **kwargs)
        self.shift, self.stretch, self.crop = shift, stretch, crop
        self.rotation, self.brightness = rotation, brightness

    def random_map(self):
        zoom = 1 / (1 - np.random.uniform(0, self.crop)) if self.crop else 1.0
        scale = zoom * (1 + np.random.uniform(-self.stretch, self.stretch, 2))
        return affine(np.deg2rad(np.random.uniform(-self.rotation, self.rotation)),
                      scale, np.random.uniform(-self.shift, self.shift, 2))

    def transform(self, Xb, yb):
        Xb, yb = super(AugmentBatchIterator, self).transform(Xb, yb)
        if yb is None:
            return Xb, yb
        Xb, yb = Xb.copy(), yb.copy()
        for i in range(len(Xb)):
            M, b = self.random_map()
            Xb[i, 0] = warp_image(Xb[i, 0], M, b)
            yb[i] = warp_keypoints(yb[i], M, b)
        if self.brightness:
            delta = np.random.uniform(-self.brightness, self.brightness, (len(Xb), 1, 1, 1))
            Xb = np.clip(Xb + delta.astype(Xb.dtype), 0, 1)
        return Xb, yb
