"""Derive Kaggle's framing of a face box from the real Kaggle labels and
scikit-image's astronaut photograph.

    python scripts/derive_framing.py [../shared/data/kaggle-labels]

Finds the astronaut's face with the same detector as ``kfkd detect`` and
relates its box to where her eyes and bottom lip are (located by hand on
the 512x512 photograph, below) and to where Kaggle's mean face has them.
Writes facial_keypoints/outputs/framing.json: figures only, never labels.
"""
import json
import os
import sys

from skimage import data

from facial_keypoints.base.atomic import atomic_write
from facial_keypoints.outputs.faces import find_faces
from facial_keypoints.outputs.framing import FRAMING_FILE, derive_framing, kaggle_face
from facial_keypoints.outputs.photos import grey

#: The astronaut's eye centres and bottom lip, by eye on an enlarged grid of
#: skimage.data.astronaut() (left: her left, on the image's right, as Kaggle's).
ASTRONAUT = {'left_eye_center': [246.4, 103.0], 'right_eye_center': [202.4, 101.6],
             'mouth_center_bottom_lip': [222.0, 152.5]}


def main(labels_dir):
    boxes = find_faces(grey(data.astronaut()))
    if len(boxes) != 1:
        sys.exit('expected one face on the astronaut, found {}'.format(len(boxes)))
    kaggle = kaggle_face(labels_dir)
    result = {'source': 'Kaggle training.csv mean eye centres and bottom lip; '
                        'skimage.data.astronaut() with points located by hand; '
                        'scikit-image LBP frontal-face cascade (outputs/faces.py)',
              'kaggle_mean_face': kaggle, 'astronaut_points': ASTRONAUT,
              'astronaut_box': [round(float(v), 2) for v in boxes[0]],
              'crop': derive_framing(kaggle, ASTRONAUT, boxes[0])}
    with atomic_write(FRAMING_FILE, 'w') as f:
        json.dump(result, f, indent=1)
        f.write('\n')
    print('wrote {}: crop {}'.format(FRAMING_FILE, result['crop']))


if __name__ == '__main__':
    here = os.path.dirname(os.path.abspath(__file__))
    main(sys.argv[1] if len(sys.argv) > 1 else
         os.path.join(here, '..', '..', 'shared', 'data', 'kaggle-labels'))
