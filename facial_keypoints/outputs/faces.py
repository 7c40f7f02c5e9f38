"""Finding frontal faces in a photograph: scikit-image's LBP cascade (the
frontal-face cascade it ships, trained for OpenCV), without OpenCV."""
import numpy as np

#: Photos are searched at most this large (longest side, pixels): faces
#: smaller than a 16th of it are not looked for, and larger photos only
#: cost time.
SEARCH_SIDE = 1024
#: The cascade's settings: a finer scale step than its default, and more
#: overlapping detections needed to keep one, which drops the lone windows
#: that clothes and backdrops fire.
SCALE_FACTOR, MIN_NEIGHBOURS, SMALLEST = 1.1, 12, 24


def _cascade():
    from skimage import data, feature
    return feature.Cascade(data.lbp_frontal_face_cascade_filename())


def _shrunk(grey):
    """``grey`` at most :data:`SEARCH_SIDE` on its longest side, and the
    factor from its pixels back to the photo's."""
    from skimage.transform import rescale
    factor = max(grey.shape) / SEARCH_SIDE
    if factor <= 1:
        return grey, 1.0
    return rescale(grey, 1 / factor, anti_aliasing=True), factor


def _inside(box, other):
    """True when ``box``'s centre lies within ``other``."""
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    return other[0] <= cx <= other[0] + other[2] and other[1] <= cy <= other[1] + other[3]


def find_faces(grey):
    """The frontal faces in ``grey`` (a 2-d image, values in [0, 1]), as
    boxes (x, y, width, height) in its pixels, largest first; a box whose
    centre lies within a larger one is left out (one face found twice)."""
    image, factor = _shrunk(np.asarray(grey, dtype=float))
    side = min(image.shape)
    smallest = max(SMALLEST, side // 16)
    if side < smallest:
        return []
    found = _cascade().detect_multi_scale(
        img=image, scale_factor=SCALE_FACTOR, step_ratio=1,
        min_size=(smallest, smallest), max_size=(side, side),
        min_neighbor_number=MIN_NEIGHBOURS)
    boxes = sorted(((d['c'] * factor, d['r'] * factor, d['width'] * factor,
                     d['height'] * factor) for d in found), key=lambda b: -b[2])
    kept = []
    for box in boxes:
        if not any(_inside(box, other) for other in kept):
            kept.append(box)
    return kept
