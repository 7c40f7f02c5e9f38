"""Finding training labels that look wrong (the W207 data cleaning).

:func:`flag_labels` checks each row's geometry; :func:`rank_by_error` orders
rows by a trained net's error. ``kfkd clean`` writes both to a CSV, a
contact sheet PNG for review and a list of rows that ``load(exclude=...)``
and ``kfkd fit --exclude`` leave out.
"""
import os

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..base.atomic import atomic_write
from ..kaggle.format import IMAGE_SIZE, KEYPOINT_COLUMNS, rmse_pixels, to_unit
from ..tutorial.plots import save_figure
from .preprocessing import preprocess

#: (left, right) keypoints: the subject's left lies right in the image, x larger.
LEFT_RIGHT = [(name, name.replace('left', 'right')) for name in KEYPOINT_COLUMNS
              if 'left' in name and name.endswith('_x')]


def flag_labels(values, min_eye_distance=10, max_eye_distance=70):
    """Reasons each row's labels look wrong, as a list of strings per row.

    ``values`` are keypoints in pixels (n, 30), NaN where missing:
    points off the image, left/right swapped, implausible geometry (eyes not
    above the nose tip, nose tip not above the bottom lip, eyes too close or
    too far apart).
    """
    frame = pd.DataFrame(values, columns=KEYPOINT_COLUMNS)
    reasons = [[] for _ in range(len(frame))]

    def flag(mask, reason):
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            reasons[i].append(reason)

    flag(((frame < 0) | (frame > IMAGE_SIZE)).any(axis=1), 'point off the image')
    for left, right in LEFT_RIGHT:
        flag(frame[left] < frame[right], 'left/right swapped: ' + left[:-2])
    eyes_y = frame[['left_eye_center_y', 'right_eye_center_y']].mean(axis=1)
    flag(eyes_y >= frame['nose_tip_y'], 'eyes not above the nose tip')
    flag(frame['nose_tip_y'] >= frame['mouth_center_bottom_lip_y'],
         'nose tip not above the bottom lip')
    distance = np.hypot(frame['left_eye_center_x'] - frame['right_eye_center_x'],
                        frame['left_eye_center_y'] - frame['right_eye_center_y'])
    flag((distance < min_eye_distance) | (distance > max_eye_distance),
         'implausible eye distance')
    return reasons


def rank_by_error(net, X, y):
    """Per-row RMSE in pixels of ``net``'s predictions against labels ``y``
    (scaled to [-1, 1], as ``load`` returns them), and the rows by it, worst
    first."""
    errors = rmse_pixels(np.mean((net.predict(X) - y) ** 2, axis=1))
    return errors, np.argsort(-errors, kind='stable')


def contact_sheet(images, values, labels, fname, columns=6):
    """A grid of images with their keypoints (pixels) and a label each."""
    rows = max(1, int(np.ceil(len(images) / columns)))
    fig = Figure(figsize=(2 * columns, 2.2 * rows))
    for i, (image, points, label) in enumerate(zip(images, values, labels)):
        ax = fig.add_subplot(rows, columns, i + 1, xticks=[], yticks=[])
        ax.imshow(image.reshape(IMAGE_SIZE, IMAGE_SIZE), cmap='gray')
        ax.scatter(points[0::2], points[1::2], marker='x', s=10, c='r')
        ax.set_title(label, fontsize=7)
    return save_figure(fig, fname)


def write_exclusions(rows, fname, reasons=None):
    """Write 1-based row numbers, one per line, with their reasons as comments."""
    with atomic_write(fname, 'w') as f:
        f.write('# training.csv rows to leave out: kfkd fit --exclude {}\n'.format(fname))
        for row in rows:
            note = '  # ' + '; '.join(reasons[row]) if reasons and reasons.get(row) else ''
            f.write('{}{}\n'.format(row, note))
    return fname


def review(training, net, out_dir, worst, takes_images=True,
           preprocessing=None):
    """Flag the rows of a parsed training.csv (columns, values, images) and,
    with ``net``, rank its complete rows by error; write clean-flags.csv,
    clean-sheet.png (flagged rows first, then the worst errors) and
    clean-exclude.txt (the flagged rows) into ``out_dir``. ``takes_images``
    and ``preprocessing`` say what input ``net`` takes."""
    _, values, images = training
    reasons = flag_labels(values)
    table = pd.DataFrame({'row': np.arange(1, len(values) + 1),
                          'reasons': ['; '.join(r) for r in reasons],
                          'error_px': np.nan})
    if net is not None:
        complete = np.isfinite(values).all(axis=1)
        X = (images[complete] / 255.).astype(np.float32)
        if takes_images:
            X = X.reshape(-1, 1, IMAGE_SIZE, IMAGE_SIZE)
        X = preprocess(X, preprocessing)
        y = to_unit(values[complete]).astype(np.float32)
        table.loc[complete, 'error_px'] = rank_by_error(net, X, y)[0]

    flagged = table[table['reasons'] != '']
    by_error = table[table['reasons'] == ''].dropna(subset=['error_px'])
    sheet = pd.concat([flagged, by_error.sort_values('error_px', ascending=False)])
    sheet = sheet.head(worst)

    os.makedirs(out_dir, exist_ok=True)
    with atomic_write(os.path.join(out_dir, 'clean-flags.csv'), 'w', newline='') as f:
        table.to_csv(f, index=False)
    index = sheet['row'].values - 1
    labels = ['row {} {}'.format(row, reason[:28] or '{:.1f} px'.format(error))
              for row, reason, error in zip(sheet['row'], sheet['reasons'],
                                            sheet['error_px'])]
    contact_sheet(images[index] / 255., values[index], labels,
                  os.path.join(out_dir, 'clean-sheet.png'))
    write_exclusions(flagged['row'].tolist(), os.path.join(out_dir, 'clean-exclude.txt'),
                     dict(zip(flagged['row'], flagged['reasons'])))
    print('{} of {} rows flagged; wrote clean-flags.csv, clean-sheet.png and '
          'clean-exclude.txt to {}'.format(len(flagged), len(table), out_dir))
    return table
