"""Keypoints on your own photographs: find each face, crop it as Kaggle
cropped its faces, predict, and map the keypoints back to the photo.

In a notebook, :func:`find_keypoints` returns the points and
:func:`draw_keypoints` draws them; :func:`detect` is ``kfkd detect``.
"""
import contextlib
import os

import numpy as np
import pandas as pd

from ..base.errors import UsageError, UserError
from ..kaggle.format import IMAGE_SIZE, KEYPOINT_NAMES
from ..model.settings import SPECIALISTS_PICKLE
from .faces import find_faces
from .framing import crop_of, to_photo

#: Photos larger than this are refused before they are decoded: a
#: decompression bomb, or a scan far beyond what faces need.
MAX_PIXELS = 60_000_000
#: The drawn photo's longest side, in pixels: the photo's own, within these.
FIGURE_SIDES = (640, 1600)
#: ITU-R 601 luma, as Pillow makes grey ("L") images.
LUMA = np.array([0.299, 0.587, 0.114])
BOX_COLUMNS = ['box_x', 'box_y', 'box_width', 'box_height']


class PhotoError(UserError, ValueError):
    """A photo that cannot be read, or holds no face to find."""

    def __init__(self, path, message):
        super().__init__('{}: {}'.format(path, message))
        self.path = path


@contextlib.contextmanager
def _opened(path):
    """Pillow's image of ``path``, its header read, its pixels not yet: its
    own limit on pixels lifted, as :func:`read_photo` checks its own."""
    from PIL import Image
    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        image = Image.open(path)
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    with image:
        yield image


def read_photo(path):
    """The photo in ``path`` as an array, (h, w) grey or (h, w, 3) RGB,
    uint8, turned upright as its EXIF orientation says."""
    from PIL import Image, ImageOps, UnidentifiedImageError
    if os.path.isdir(path):
        raise PhotoError(path, 'is a directory, not a photo')
    if os.path.getsize(path) == 0:
        raise PhotoError(path, 'the file is empty')
    try:
        with _opened(path) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise PhotoError(path, '{}x{} pixels, more than the {} million this '
                                 'reads; scale it down'.format(width, height,
                                                               MAX_PIXELS // 10**6))
            image = ImageOps.exif_transpose(image)
            mode = 'L' if image.mode in ('1', 'L', 'I', 'I;16', 'F') else 'RGB'
            return np.asarray(image.convert(mode))
    except UnidentifiedImageError:
        raise PhotoError(path, 'not an image this can read (PNG, JPEG, ...)') from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        if isinstance(e, PhotoError):
            raise
        raise PhotoError(path, 'a damaged image ({})'.format(e)) from None


def grey(photo):
    """``photo`` (grey or RGB(A), integers or floats in [0, 1]) as a 2-d
    float image in [0, 1], as Kaggle's grey faces."""
    image = np.asarray(photo)
    if image.dtype.kind in 'ui':
        image = image / float(np.iinfo(image.dtype).max)
    if image.ndim == 3:
        image = image[..., :3] @ LUMA
    return image.astype(float)


def face_crop(grey_photo, crop):
    """The square ``crop`` (x, y, side) of ``grey_photo`` as a 96x96 float32
    image, smoothed first when it shrinks (no aliasing), the photo's edge
    repeated where the square reaches beyond it."""
    from scipy.ndimage import gaussian_filter
    from skimage.transform import AffineTransform, warp
    x, y, side = crop
    scale = side / IMAGE_SIZE
    height, width = grey_photo.shape
    margin = int(3 * scale) + 2
    x0 = min(max(0, int(np.floor(x)) - margin), width - 1)
    y0 = min(max(0, int(np.floor(y)) - margin), height - 1)
    part = grey_photo[y0:max(y0 + 1, int(np.ceil(y + side)) + margin),
                      x0:max(x0 + 1, int(np.ceil(x + side)) + margin)]
    if scale > 1:
        part = gaussian_filter(part, (scale - 1) / 2)
    shift = 0.5 * scale - 0.5  # pixel centres: crop pixel j is at x + (j + 0.5) * scale
    transform = AffineTransform(scale=scale, translation=(x - x0 + shift, y - y0 + shift))
    return warp(part, transform, output_shape=(IMAGE_SIZE, IMAGE_SIZE), order=1,
                mode='edge').astype(np.float32)


def find_keypoints(photo, net=SPECIALISTS_PICKLE, boxes=None):
    """The keypoints of each face on ``photo``, in the photo's pixels.

    Parameters
    ----------
    photo : str or array
        A photo's file, or the photo (grey or RGB) as an array.
    net : str, NeuralNet, dict or callable
        A trained net, the specialists, their file or an ``.onnx`` model
        (see :func:`~.predictors.predictor`), or such a predictor itself.
    boxes : list of (x, y, width, height), optional
        The faces' boxes, as the detector draws them; found when not given.

    Returns
    -------
    pandas.DataFrame
        One row per face and keypoint: ``face`` (from 1, largest first),
        ``keypoint`` (Kaggle's name), ``x``, ``y``, and the face's box
        (``box_x``, ``box_y``, ``box_width``, ``box_height``); empty when no
        face is found.
    """
    from .predictors import predictor
    image = grey(read_photo(photo) if isinstance(photo, str) else photo)
    boxes = find_faces(image) if boxes is None else [tuple(b) for b in boxes]
    rows = []
    if boxes:
        crops = [crop_of(box) for box in boxes]
        images = np.stack([face_crop(image, c) for c in crops])[:, None]
        predict = net if callable(net) else predictor(net)
        for face, (box, crop, points) in enumerate(zip(boxes, crops, predict(images)), 1):
            xy = to_photo(points.reshape(-1, 2), crop)
            rows += [(face, name, x, y) + tuple(box) for name, (x, y)
                     in zip(KEYPOINT_NAMES, xy)]
    return pd.DataFrame(rows, columns=['face', 'keypoint', 'x', 'y'] + BOX_COLUMNS)


def draw_keypoints(photo, points, title=None):
    """A figure of ``photo`` (a file or an array) with the keypoints and face
    boxes of :func:`find_keypoints`'s ``points``."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle
    image = read_photo(photo) if isinstance(photo, str) else np.asarray(photo)
    height, width = image.shape[:2]
    side = max(width, height)
    inches = min(max(side, FIGURE_SIDES[0]), FIGURE_SIDES[1]) / side / 100
    fig = Figure(figsize=(width * inches, height * inches), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1], xticks=[], yticks=[])
    ax.imshow(image, cmap='gray' if image.ndim == 2 else None)
    for face, group in points.groupby('face'):
        x, y, w, h = group[BOX_COLUMNS].iloc[0]
        ax.add_patch(Rectangle((x - 0.5, y - 0.5), w, h, fill=False, color='yellow',
                               linewidth=1.5))
        ax.text(x, y - 4, str(face), color='yellow', fontsize=10)
        ax.scatter(group['x'], group['y'], marker='x', s=30, color='red', linewidths=1.5)
    if title:
        ax.text(4, 4, title, color='white', fontsize=9, va='top',
                bbox=dict(facecolor='black', alpha=0.5, linewidth=0))
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(height - 0.5, -0.5)
    return fig


def _figure_name(out, path):
    return os.path.join(out, os.path.splitext(os.path.basename(path))[0] + '-keypoints.png')


def detect(photos, net=SPECIALISTS_PICKLE, box=None, out='.'):
    """``kfkd detect``: for each photo, its faces' keypoints drawn on it
    (``NAME-keypoints.png`` in ``out``) and, for all photos, the points in
    ``keypoints.csv`` (photo, face, keypoint, x, y). ``box`` (x, y, width,
    height) gives the face instead of finding it. Every photo is read and
    searched before anything is written: a photo without a face is an
    error and nothing is written. Return the files written."""
    from ..base.atomic import atomic_write
    from ..tutorial.plots import save_figure
    from .predictors import predictor
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError('`out` {}: is a file, not a directory'.format(out))
    figures = [_figure_name(out, p) for p in photos]
    if len(set(figures)) < len(figures):
        raise UsageError('two photos have the same name; each writes NAME-keypoints.png, '
                         'so give them apart')
    found = []  # every photo is read and searched before a net is loaded
    for path in photos:
        image = read_photo(path)
        boxes = [box] if box else find_faces(grey(image))
        height, width = image.shape[:2]
        if box and not (box[0] < width and box[1] < height and box[0] + box[2] > 0
                        and box[1] + box[3] > 0):
            raise PhotoError(path, 'the box `box` {} lies outside its {}x{} pixels'.format(
                ','.join('{:g}'.format(v) for v in box), width, height))
        if not boxes:
            raise PhotoError(path, 'no face found; give its place with `box` X,Y,W,H')
        found.append((path, image, boxes))
    predict = predictor(net)
    found = [(path, image, find_keypoints(image, predict, boxes))
             for path, image, boxes in found]
    written = []
    for (path, image, points), figure in zip(found, figures):
        faces = points['face'].nunique()
        written.append(save_figure(draw_keypoints(image, points, title='{}: {} face{}'.format(
            os.path.basename(path), faces, '' if faces == 1 else 's')), figure, dpi=100))
    table = pd.concat([points.assign(photo=path)[['photo', 'face', 'keypoint', 'x', 'y']]
                       for path, _, points in found])
    csv = os.path.join(out, 'keypoints.csv')
    with atomic_write(csv, 'w', newline='') as f:
        table.to_csv(f, index=False, float_format='%.2f')
    return written + [csv]
