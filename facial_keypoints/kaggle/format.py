"""The Kaggle Facial Keypoints Detection format: file names, columns, scale.

Shared by every part of the package; imports nothing from it.
"""
import numpy as np

TRAIN_FILE, TEST_FILE, LOOKUP_FILE = 'training.csv', 'test.csv', 'IdLookupTable.csv'
SAMPLE_SUBMISSION_FILE = 'SampleSubmission.csv'
#: Images in Kaggle's training.csv and test.csv (the synthetic set's sizes
#: unless given).
TRAIN_ROWS, TEST_ROWS = 7049, 1783

KEYPOINT_COLUMNS = (
    'left_eye_center_x', 'left_eye_center_y',
    'right_eye_center_x', 'right_eye_center_y',
    'left_eye_inner_corner_x', 'left_eye_inner_corner_y',
    'left_eye_outer_corner_x', 'left_eye_outer_corner_y',
    'right_eye_inner_corner_x', 'right_eye_inner_corner_y',
    'right_eye_outer_corner_x', 'right_eye_outer_corner_y',
    'left_eyebrow_inner_end_x', 'left_eyebrow_inner_end_y',
    'left_eyebrow_outer_end_x', 'left_eyebrow_outer_end_y',
    'right_eyebrow_inner_end_x', 'right_eyebrow_inner_end_y',
    'right_eyebrow_outer_end_x', 'right_eyebrow_outer_end_y',
    'nose_tip_x', 'nose_tip_y',
    'mouth_left_corner_x', 'mouth_left_corner_y',
    'mouth_right_corner_x', 'mouth_right_corner_y',
    'mouth_center_top_lip_x', 'mouth_center_top_lip_y',
    'mouth_center_bottom_lip_x', 'mouth_center_bottom_lip_y',
)
#: Keypoint names without their _x/_y suffix, in column order.
KEYPOINT_NAMES = tuple(c[:-2] for c in KEYPOINT_COLUMNS[::2])

IMAGE_SIZE = 96
N_PIXELS = IMAGE_SIZE * IMAGE_SIZE
#: Half the image size: the tutorial scales coordinates to [-1, 1] as
#: (pixels - 48) / 48, and a loss back to pixels as sqrt(loss) * 48.
HALF = IMAGE_SIZE // 2


def to_unit(pixels):
    """Keypoint coordinates in pixels -> the tutorial's [-1, 1] scale."""
    return (np.asarray(pixels) - HALF) / HALF


def to_pixels(unit):
    """Keypoint coordinates on the [-1, 1] scale -> pixels."""
    return np.asarray(unit) * HALF + HALF


def rmse_pixels(mse):
    """RMSE in pixels from mean squared errors on the [-1, 1] scale."""
    return np.sqrt(np.asarray(mse, dtype=float)) * HALF
