"""The tutorial's data augmentation: flipping images horizontally."""
import numpy as np
from nolearn.lasagne import BatchIterator


class FlipBatchIterator(BatchIterator):
    """Flip half of each training batch horizontally, at random.

    Images are mirrored, x coordinates negated (targets are scaled to
    [-1, 1] around the image centre), and left/right keypoint columns
    swapped by ``flip_indices``. Uses NumPy's global random generator, as
    the tutorial does, so ``np.random.seed`` makes a run repeatable.
    """

    flip_indices = [
        (0, 2), (1, 3),
        (4, 8), (5, 9), (6, 10), (7, 11),
        (12, 16), (13, 17), (14, 18), (15, 19),
        (22, 24), (23, 25),
        ]

    def transform(self, Xb, yb):
        Xb, yb = super().transform(Xb, yb)

        # Flip half of the images in this batch at random. (The tutorial's
        # `bs / 2` is a float under Python 3: a size must be `bs // 2`.)
        bs = Xb.shape[0]
        indices = np.random.choice(bs, bs // 2, replace=False)
        return self.flip(Xb, yb, indices)

    def flip(self, Xb, yb, indices):
        """Mirror the images ``indices`` of a batch and their targets, in
        place.

        As in the tutorial, a batch is a view of nolearn's training split,
        so a flipped image stays flipped in the split into the next epoch:
        which rows are flipped is part of a run's state (see
        :mod:`facial_keypoints.model.state`).
        """
        Xb[indices] = Xb[indices, :, :, ::-1]

        if yb is not None:
            # Horizontal flip of all x coordinates:
            yb[indices, ::2] = yb[indices, ::2] * -1

            # Swap places, e.g. left_eye_center_x -> right_eye_center_x
            for a, b in self.flip_indices:
                yb[indices, a], yb[indices, b] = (
                    yb[indices, b], yb[indices, a])

        return Xb, yb
