"""Kaggle-shaped synthetic faces: the embedded default data set.

The Kaggle images cannot be shipped, so this module renders 96x96 grayscale
faces whose features sit at labelled keypoints and writes them in the exact
Kaggle format (``training.csv``, ``test.csv``, ``IdLookupTable.csv``,
``SampleSubmission.csv``).

Labels come from a statistical shape model whose figures were derived from
the real Kaggle labels by :func:`derive_label_stats` and ship in
``label_stats.json``: the mean shape and covariance of the 2140
complete rows, and how often each pattern of missing keypoints occurs (e.g.
the 4755 rows that label only eye centres, nose tip and bottom lip). At the
default sizes the per-column label counts equal the real ones.

The faces vary the way the Kaggle photographs do where it matters for the
tutorial's story: with much that says nothing about the keypoints (backdrop
objects, skin grain, hair, glasses, beards), a net that maps pixels to
positions (net1) learns them slowly, and the convnets, which learn local
detectors, overtake it (``benchmarks/learning_net1_vs_net2.py`` measures
both).
"""
import json
import os

import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter

from ..base.atomic import atomic_directory, atomic_write
from ..base.errors import UsageError
from .format import (HALF, IMAGE_SIZE, KEYPOINT_COLUMNS, KEYPOINT_NAMES, LOOKUP_FILE,
                     SAMPLE_SUBMISSION_FILE, TEST_FILE, TEST_ROWS, TRAIN_FILE, TRAIN_ROWS)

STATS_FILE = os.path.join(os.path.dirname(__file__), 'label_stats.json')
#: The generator's seed of the embedded data set.
SEED = 42
GENERATOR_VERSION = 3
#: Written into the directories the generator fills.
MARKER = 'SYNTHETIC.json'


# -- the shape model ------------------------------------------------------------

def _patterns(mask_frame):
    """Counts of each keypoint-presence pattern, as '1'/'0' strings."""
    per_keypoint = mask_frame.values[:, ::2]
    strings = [''.join('1' if v else '0' for v in row) for row in per_keypoint]
    counts = pd.Series(strings).value_counts()
    return [[pattern, int(n)] for pattern, n in counts.items()]


def derive_label_stats(labels_dir):
    """Derive the shape model's figures from the real Kaggle label files."""
    labels = pd.read_csv(os.path.join(labels_dir, 'training_keypoints.csv'))
    labels = labels[list(KEYPOINT_COLUMNS)]
    complete = labels.dropna().values
    lookup = pd.read_csv(os.path.join(labels_dir, LOOKUP_FILE))
    asked = pd.crosstab(lookup['ImageId'], lookup['FeatureName']) > 0
    asked = asked.reindex(columns=list(KEYPOINT_COLUMNS), fill_value=False)
    return {
        'source': 'Kaggle Facial Keypoints Detection: training.csv labels '
                  'and IdLookupTable.csv',
        'n_train': len(labels),
        'n_test': int(lookup['ImageId'].nunique()),
        'n_complete': len(complete),
        'column_counts': [int(n) for n in labels.count().values],
        'mean': np.round(complete.mean(axis=0), 4).tolist(),
        'cov': np.round(np.cov(complete, rowvar=False), 4).tolist(),
        'train_patterns': _patterns(labels.notna()),
        'lookup_patterns': _patterns(asked),
    }


def label_stats():
    """The shape model's figures shipped with the package."""
    with open(STATS_FILE) as f:
        return json.load(f)


def allocate_patterns(patterns, n, rng):
    """Give each of ``n`` rows a presence pattern, in the real proportions.

    Largest-remainder allocation, then shuffled: at the real size every
    pattern occurs exactly as often as in the real data.
    """
    counts = np.array([c for _, c in patterns], dtype=float)
    exact = counts * n / counts.sum()
    alloc = np.floor(exact).astype(int)
    remainder = np.argsort(-(exact - alloc), kind='stable')[:n - alloc.sum()]
    alloc[remainder] += 1
    rows = np.repeat([[c == '1' for c in p] for p, _ in patterns], alloc, axis=0)
    return rows[rng.permutation(n)]


def sample_keypoints(rng, n, stats=None):
    """Draw ``n`` complete shapes (n, 30) in pixels from the shape model."""
    stats = stats or label_stats()
    cov = np.asarray(stats['cov'])
    root = np.linalg.cholesky(cov + 1e-6 * np.eye(len(cov)))
    shapes = np.asarray(stats['mean']) + rng.standard_normal((n, len(cov))) @ root.T
    return np.clip(shapes, 0.5, IMAGE_SIZE - 0.5)


# -- rendering --------------------------------------------------------------------

_YY, _XX = np.mgrid[0:IMAGE_SIZE, 0:IMAGE_SIZE].astype(np.float32)


def _frame(center, angle, grid=None):
    """Pixel coordinates in a frame centred at ``center``, rotated by ``angle``;
    of the whole image, or of the pixels ``grid`` (x, y arrays) only."""
    xx, yy = grid or (_XX, _YY)
    dx, dy = xx - center[0], yy - center[1]
    c, s = np.cos(angle), np.sin(angle)
    return dx * c + dy * s, -dx * s + dy * c


def _unit(x):
    """``x`` clipped to [0, 1]: the same values as ``np.clip``, whose checks of
    its arguments take longer than the clipping on a small window."""
    return np.minimum(np.maximum(x, 0), 1)


def ellipse(center, a, b, angle=0.0, grid=None):
    """Anti-aliased coverage (0..1) of an ellipse with semi-axes a, b."""
    u, v = _frame(center, angle, grid)
    r = np.sqrt((u / a) ** 2 + (v / b) ** 2)
    return _unit((1 - r) * min(a, b) + 0.5)


def stroke(points, width, grid=None):
    """Anti-aliased coverage of a polyline of the given width."""
    xx, yy = grid or (_XX, _YY)
    distance = np.full(xx.shape, np.inf, dtype=np.float32)
    for p, q in zip(points[:-1], points[1:]):
        d = q - p
        t = _unit(((xx - p[0]) * d[0] + (yy - p[1]) * d[1]) / max(d @ d, 1e-6))
        distance = np.minimum(distance, np.hypot(xx - p[0] - t * d[0],
                                                 yy - p[1] - t * d[1]))
    return _unit(width / 2 - distance + 0.5)


def lips(left, right, top, bottom):
    """Coverage of a mouth through its corners and top/bottom lip centres,
    and of the slit between the lips."""
    center = (left + right) / 2
    axis = left - right
    half = max(np.hypot(*axis) / 2, 1.0)
    angle = np.arctan2(axis[1], axis[0])
    u, v = _frame(center, angle)
    # In this frame +v points down the face for either eye order.
    sign = 1.0 if np.cos(angle) > 0 else -1.0
    v = v * sign
    normal = np.array([-np.sin(angle), np.cos(angle)]) * sign
    v_top = min((top - center) @ normal, -0.8)
    v_bottom = max((bottom - center) @ normal, 0.8)
    within = np.abs(u) <= half
    bend = np.clip(1 - (u / half) ** 2, 0, None)
    inside = np.clip(np.minimum(v - v_top * bend, v_bottom * bend - v) + 0.5, 0, 1)
    slit_v = (v_top + 0.45 * (v_bottom - v_top)) * bend
    slit = np.clip(0.9 - np.abs(v - slit_v), 0, 1)
    return inside * within, slit * within


def _texture(rng, sigma):
    """Zero-mean smooth noise of unit standard deviation."""
    noise = gaussian_filter(rng.standard_normal(_XX.shape).astype(np.float32), sigma)
    return noise / noise.std()


def _window(low, high, reach):
    """The image's rows and columns within ``reach`` of the box low..high."""
    (x0, y0), (x1, y1) = np.floor(low - reach), np.ceil(high + reach) + 1
    return (slice(int(max(y0, 0)), int(min(max(y1, 0), IMAGE_SIZE))),
            slice(int(max(x0, 0)), int(min(max(x1, 0), IMAGE_SIZE))))


def _clutter(rng, img, n):
    """Paint ``n`` random blobs and strokes into ``img``: the backdrop's
    objects. Each is computed only where it can cover a pixel: the rest of
    its coverage is exactly 0, so the image is the same as with the whole."""
    for _ in range(n):
        start = rng.uniform(0, IMAGE_SIZE, 2)
        if rng.rand() < 0.5:
            a, b, angle = rng.uniform(1.5, 6), rng.uniform(1.5, 6), rng.uniform(0, np.pi)
            window = _window(start, start, max(a, b) * (1 + 0.5 / min(a, b)) + 1)
            coverage = ellipse(start, a, b, angle, grid=(_XX[window], _YY[window]))
        else:
            points = start + np.cumsum(rng.normal(0, 6, (3, 2)), axis=0)
            width = rng.uniform(1, 4)
            window = _window(points.min(axis=0), points.max(axis=0), width / 2 + 1)
            coverage = stroke(points, width, grid=(_XX[window], _YY[window]))
        img[window] = img[window] * (1 - coverage) + rng.uniform(0, 1) * coverage


def _glasses(rng, paint, p, span, tilt):
    """Round frames about the eyes, joined by a bridge."""
    eye_l, eye_r = p['left_eye_center'], p['right_eye_center']
    value, thick = rng.uniform(0.0, 0.4), rng.uniform(1.0, 2.5)
    r = span * rng.uniform(0.28, 0.36)
    for center in (eye_l, eye_r):
        center = center + rng.normal(0, 1.0, 2)
        ring = (ellipse(center, r + thick / 2, r * 0.8 + thick / 2, tilt)
                - ellipse(center, r - thick / 2, r * 0.8 - thick / 2, tilt))
        paint(np.clip(ring, 0, 1), value)
    inward = (eye_l - eye_r) * (r / span)
    paint(stroke([eye_l - inward, eye_r + inward], thick), value)


def render_face(rng, shape):
    """Render one 96x96 face (float in [0, 1]) whose features sit at
    ``shape``: the 30 keypoint coordinates in Kaggle's column order.

    The faces differ as people and photographs do, in ways that say nothing
    about the keypoints: objects in the backdrop, grainy skin, hair over the
    brows, glasses, beards, open mouths, faint or strong features.
    """
    p = {name: shape[2 * i:2 * i + 2] for i, name in enumerate(KEYPOINT_NAMES)}
    eye_l, eye_r = p['left_eye_center'], p['right_eye_center']
    eyes = (eye_l + eye_r) / 2
    span = max(np.hypot(*(eye_l - eye_r)), 10.0)
    tilt = np.arctan2(eye_l[1] - eye_r[1], eye_l[0] - eye_r[0])
    chin = p['mouth_center_bottom_lip']

    # A dark, faintly textured backdrop and a bright face: the face's outline,
    # which moves, scales and turns with the keypoints, stands out.
    img = rng.uniform(0.02, 0.12) + rng.uniform(0.02, 0.05) * _texture(rng, rng.uniform(1, 3))
    hair_texture = _texture(rng, (3, 0.7))
    skin = rng.uniform(0.78, 0.9)
    contrast = rng.uniform(0.5, 1.0)  # of the features against the skin

    def paint(coverage, value):
        img[:] = img * (1 - coverage) + value * coverage

    def feature(coverage, value):
        paint(coverage, skin + contrast * (value - skin))

    _clutter(rng, img, 20)
    face_center = np.array([(eyes[0] + chin[0]) / 2, (eyes[1] + chin[1]) / 2 + 4])
    face_a = span * rng.uniform(0.92, 1.02)
    face_b = max(chin[1] - eyes[1], 20) * rng.uniform(1.25, 1.35)
    face = ellipse(face_center, face_a, face_b, tilt)
    u, v = _frame(face_center, tilt)
    rounding = np.clip(1 - (u / face_a) ** 2 - 0.5 * (v / face_b) ** 2, 0, 1)
    paint(face, skin * (0.8 + 0.2 * np.sqrt(rounding)))
    img += face * 0.2 * _texture(rng, rng.uniform(0.7, 1.5))
    if rng.rand() < 0.9:  # hair: down to a little above the brows, or a fringe over them
        hair = ellipse(face_center - [0, 4], face_a * 1.08, face_b * 1.04, tilt)
        brow_line = min(p['left_eyebrow_outer_end'][1], p['right_eyebrow_outer_end'][1])
        above = rng.uniform(7, 12)
        if rng.rand() < 0.4:
            above = rng.uniform(-4, 3)
        hair *= np.clip((brow_line - above - _YY) / 3, 0, 1)
        paint(hair, rng.uniform(0.03, 0.12) + 0.06 * hair_texture)
    if rng.rand() < 0.4:  # a beard, from a little below the nose
        beard = ellipse(face_center + [0, face_b * 0.45], face_a * 0.9, face_b * 0.6, tilt)
        beard *= np.clip((_YY - p['nose_tip'][1] - rng.uniform(2, 6)) / 2, 0, 1)
        paint(beard * rng.uniform(0.5, 0.9), rng.uniform(0.05, 0.25) + 0.05 * hair_texture)

    brow = rng.uniform(0.0, 0.1)
    width = rng.uniform(3.5, 4.0)
    for side in ('left', 'right'):
        inner, outer = p[side + '_eyebrow_inner_end'], p[side + '_eyebrow_outer_end']
        arch = (inner + outer) / 2 - [0, rng.uniform(0.5, 2.5)]
        feature(stroke([inner, arch, outer], width), brow)

    white = rng.uniform(0.92, 1.0)
    iris_value = rng.uniform(0.0, 0.08)
    iris_radius = rng.uniform(3.3, 4.0)
    for side in ('left', 'right'):
        inner, outer = p[side + '_eye_inner_corner'], p[side + '_eye_outer_corner']
        length = max(np.hypot(*(outer - inner)) / 2, 3.0)
        angle = np.arctan2(*(outer - inner)[::-1])
        feature(ellipse((inner + outer) / 2, length, length * rng.uniform(0.35, 0.5), angle),
                white)
        center = p[side + '_eye_center']
        feature(ellipse(center, iris_radius, iris_radius), iris_value)
        feature(ellipse(center, 1.1, 1.1), 0.0)
    if rng.rand() < 0.4:
        _glasses(rng, paint, p, span, tilt)

    nose = p['nose_tip']
    feature(stroke([eyes + [0, 4], nose - [0, 3]], 1.5), skin * 0.88)
    across = np.array([np.cos(tilt), np.sin(tilt)]) * span * rng.uniform(0.1, 0.14)
    for offset in (-across, across):
        feature(ellipse(nose + offset + [0, 1.5], 1.8, 1.2, tilt), rng.uniform(0.0, 0.1))
    feature(ellipse(nose, 1.6, 1.6), min(skin + 0.15, 1.0))

    inside, slit = lips(p['mouth_left_corner'], p['mouth_right_corner'],
                        p['mouth_center_top_lip'], chin)
    feature(inside, rng.uniform(0.1, 0.3))
    if rng.rand() < 0.5:  # open: a wider gap between the lips
        slit = np.clip(slit * 3, 0, 1)
    feature(slit, rng.uniform(0.0, 0.08))

    light = rng.uniform(-0.06, 0.06, size=2)
    img *= 1 + light[0] * (_XX - HALF) / HALF + light[1] * (_YY - HALF) / HALF
    img = gaussian_filter(img, rng.uniform(0.3, 0.7))
    img += rng.normal(0, rng.uniform(0.02, 0.06), img.shape)
    return np.clip(img, 0, 1)


def render_faces(rng, shapes):
    """Render each row of ``shapes`` to a uint8 image row of 9216 pixels."""
    out = np.empty((len(shapes), IMAGE_SIZE * IMAGE_SIZE), np.uint8)
    for i, shape in enumerate(shapes):
        out[i] = np.round(render_face(rng, shape) * 255).ravel()
    return out


# -- writing the Kaggle files -------------------------------------------------------

_PIXEL_TEXT = np.array([str(i) for i in range(256)], dtype=object)


def _image_text(row):
    return ' '.join(_PIXEL_TEXT[row])


def write_training_csv(path, labels, images):
    """Kaggle's training.csv: 30 keypoint columns (empty when missing), Image."""
    with atomic_write(path, 'w', newline='') as f:
        f.write(','.join(KEYPOINT_COLUMNS + ('Image',)) + '\n')
        for values, image in zip(labels, images):
            cells = ['' if np.isnan(v) else '%.10f' % v for v in values]
            f.write(','.join(cells) + ',' + _image_text(image) + '\n')


def write_test_csv(path, images):
    """Kaggle's test.csv: ImageId (from 1), Image."""
    with atomic_write(path, 'w', newline='') as f:
        f.write('ImageId,Image\n')
        for image_id, image in enumerate(images, 1):
            f.write('{},{}\n'.format(image_id, _image_text(image)))


def write_lookup_files(directory, asked):
    """IdLookupTable.csv (CRLF line ends, as Kaggle's) and SampleSubmission.csv."""
    rows = [(image_id, KEYPOINT_COLUMNS[j])
            for image_id, wanted in enumerate(asked, 1)
            for j in np.flatnonzero(np.repeat(wanted, 2))]
    with atomic_write(os.path.join(directory, LOOKUP_FILE), 'w', newline='') as f:
        f.write('RowId,ImageId,FeatureName,Location\r\n')
        for row_id, (image_id, feature) in enumerate(rows, 1):
            f.write('{},{},{},\r\n'.format(row_id, image_id, feature))
    with atomic_write(os.path.join(directory, SAMPLE_SUBMISSION_FILE), 'w',
                      newline='') as f:
        f.write('RowId,Location\n')
        for row_id in range(1, len(rows) + 1):
            f.write('{},0\n'.format(row_id))


def check_target(directory):
    """Raise UsageError unless ``directory`` can receive a data set: it must
    be new, empty, or a synthetic data set made before (which is replaced)."""
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise UsageError('{}: exists and is not a directory; choose a new '
                         'directory'.format(directory))
    if (os.path.isdir(directory) and os.listdir(directory)
            and not os.path.exists(os.path.join(directory, MARKER))):
        raise UsageError('{}: holds other files and no synthetic data set; choose '
                         'an empty or new directory'.format(directory))


def write_dataset(directory, n_train=None, n_test=None, seed=None):
    """Write a complete synthetic Kaggle data set into ``directory``: by
    default as many faces as Kaggle's files hold, from the embedded set's
    seed.

    The files are written into a temporary directory that then replaces
    ``directory``, so an interrupted run leaves no partial data set.
    """
    n_train = TRAIN_ROWS if n_train is None else n_train
    n_test = TEST_ROWS if n_test is None else n_test
    seed = SEED if seed is None else seed
    for name, n in (('n_train', n_train), ('n_test', n_test)):
        if int(n) != n or n < 1:
            raise UsageError('{} must be a positive whole number, not {}'.format(name, n))
    check_target(directory)
    stats = label_stats()
    rng = np.random.RandomState(seed)
    shapes = sample_keypoints(rng, n_train + n_test, stats)
    images = render_faces(rng, shapes)
    present = allocate_patterns(stats['train_patterns'], n_train, rng)
    labels = np.where(np.repeat(present, 2, axis=1), shapes[:n_train], np.nan)
    asked = allocate_patterns(stats['lookup_patterns'], n_test, rng)

    with atomic_directory(directory, marker=MARKER) as tmp:
        write_training_csv(os.path.join(tmp, TRAIN_FILE), labels, images[:n_train])
        write_test_csv(os.path.join(tmp, TEST_FILE), images[n_train:])
        write_lookup_files(tmp, asked)
        with atomic_write(os.path.join(tmp, MARKER), 'w') as f:
            json.dump({'generator': 'facial_keypoints.kaggle.synthetic',
                       'version': GENERATOR_VERSION, 'seed': seed,
                       'n_train': n_train, 'n_test': n_test}, f, indent=2)
    return directory
