"""Derive the synthetic shape model's figures from the real Kaggle labels.

    python scripts/derive_label_stats.py [../shared/data/kaggle-labels]

Writes facial_keypoints/kaggle/label_stats.json: figures only (mean shape,
covariance, missing-label patterns), never the label files themselves.
"""
import json
import os
import sys

from facial_keypoints.base.atomic import atomic_write
from facial_keypoints.kaggle.synthetic import STATS_FILE, derive_label_stats


def main(labels_dir):
    stats = derive_label_stats(labels_dir)
    with atomic_write(STATS_FILE, 'w') as f:
        json.dump(stats, f)
        f.write('\n')
    print('wrote {} from {} ({} rows, {} complete)'.format(
        STATS_FILE, labels_dir, stats['n_train'], stats['n_complete']))


if __name__ == '__main__':
    here = os.path.dirname(os.path.abspath(__file__))
    main(sys.argv[1] if len(sys.argv) > 1 else
         os.path.join(here, '..', '..', 'shared', 'data', 'kaggle-labels'))
