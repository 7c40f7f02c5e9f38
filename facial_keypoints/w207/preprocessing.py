"""Image preprocessing from the W207 experiments, with scikit-image."""
import numpy as np
from skimage import exposure

from ..base.errors import UsageError


def contrast_stretch(img):
    """Stretch intensities in [0, 0.8] to the full range."""
    return exposure.rescale_intensity(img, in_range=(0, 0.8))


def equalize_hist(img):
    """Global histogram equalisation."""
    return exposure.equalize_hist(img)


def equalize_adapthist(img):
    """Contrast-limited adaptive histogram equalisation (CLAHE)."""
    return exposure.equalize_adapthist(img, clip_limit=0.03)


PREPROCESSORS = {
    'contrast_stretch': contrast_stretch,
    'equalize_hist': equalize_hist,
    'equalize_adapthist': equalize_adapthist,
}


def preprocess(X, method):
    """Apply ``method`` (a name of PREPROCESSORS) to each 96x96 image of X.

    X has pixels in [0, 1], shape (n, 9216) or (n, 1, 96, 96); the result
    has the same shape, float32.
    """
    if not method:
        return X
    try:
        func = PREPROCESSORS[method]
    except KeyError:
        raise UsageError('unknown preprocessing {!r}; choose one of: {}'.format(
            method, ', '.join(PREPROCESSORS))) from None
    out = np.empty_like(X, dtype=np.float32)
    for i, image in enumerate(X):
        out[i] = func(image.reshape(96, 96).astype(np.float64)).reshape(image.shape)
    return out
