"""Kaggle's framing of a face: where a face detector's box puts the 96x96
crop that a net trained on Kaggle's faces expects.

Kaggle's faces are cropped so that the eyes sit about 36 pixels apart and
38 from the top, the bottom lip about 41 pixels below them. A
detector's box frames a face its own way; ``framing.json`` holds the crop
as a square relative to the box (its corner and side in units of the box's
width), derived by :func:`derive_framing` from the real Kaggle labels and
a photograph whose eyes and mouth were located by hand
(``scripts/derive_framing.py``).

Coordinates are pixels with (0, 0) the centre of the top-left pixel, as
Kaggle's keypoints are read here.
"""
import json
import os

import numpy as np
import pandas as pd

from ..kaggle.format import IMAGE_SIZE

FRAMING_FILE = os.path.join(os.path.dirname(__file__), 'framing.json')
#: The keypoints the framing rests on, labelled in nearly every Kaggle row.
EYES = ('left_eye_center', 'right_eye_center')
LIP = 'mouth_center_bottom_lip'


def _measures(points):
    """Eye midpoint, eye distance and eye-to-bottom-lip height of a face
    given as {keypoint: (x, y)}."""
    left, right = (np.asarray(points[e], float) for e in EYES)
    middle = (left + right) / 2
    return middle, np.hypot(*(left - right)), points[LIP][1] - middle[1]


def kaggle_face(labels_dir):
    """The mean position of the eyes and the bottom lip over Kaggle's
    training labels (each over the rows that label it), in 96x96 pixels."""
    labels = pd.read_csv(os.path.join(labels_dir, 'training_keypoints.csv'))
    return {k: [round(float(labels[k + '_x'].mean()), 3),
                round(float(labels[k + '_y'].mean()), 3)] for k in EYES + (LIP,)}


def derive_framing(kaggle, photo_points, box):
    """The crop, relative to the detector's ``box`` (x, y, width, height), that
    frames the photographed face as Kaggle's mean face is framed: the same
    eye midpoint, scaled by the mean of the eye distance's and the
    eye-to-lip height's ratios.

    Returns {'x', 'y', 'size'}: the crop's top-left corner from the box's,
    and its side, in units of the box's width.
    """
    k_middle, k_eyes, k_height = _measures(kaggle)
    p_middle, p_eyes, p_height = _measures(photo_points)
    scale = (p_eyes / k_eyes + p_height / k_height) / 2  # photo pixels per crop pixel
    corner = p_middle - (k_middle + 0.5) * scale + 0.5
    bx, by, width = box[0], box[1], box[2]
    return {'x': round(float((corner[0] - bx) / width), 4),
            'y': round(float((corner[1] - by) / width), 4),
            'size': round(float(IMAGE_SIZE * scale / width), 4)}


def framing():
    """The crop relative to a detector's box, as ``framing.json`` holds it."""
    with open(FRAMING_FILE) as f:
        return json.load(f)['crop']


def crop_of(box):
    """The square (x, y, side) of the photo that Kaggle's framing crops from
    a face ``box`` (x, y, width, height)."""
    f = framing()
    x, y, width = box[0], box[1], (box[2] + box[3]) / 2  # a detector's are square
    return x + f['x'] * width, y + f['y'] * width, f['size'] * width


def box_of(crop):
    """The face box whose crop (:func:`crop_of`) is ``crop`` (x, y, side)."""
    f = framing()
    width = crop[2] / f['size']
    return crop[0] - f['x'] * width, crop[1] - f['y'] * width, width, width


def to_photo(points, crop):
    """Keypoints (n, 2) in the 96x96 crop's pixels -> the photo's pixels."""
    x, y, side = crop
    scale = side / IMAGE_SIZE
    return (np.asarray(points, float) + 0.5) * scale - 0.5 + [x, y]
