"""K-fold cross-validation on the training set: the RMSE in pixels of each
keypoint over the held-out labels (Kaggle's leaderboard metric), beside the
mean face.

The rows of ``training.csv`` with at least one keypoint are split into K
folds with a fixed seed. For each fold a fresh net (or six specialists) is
trained on the other folds, exactly as ``fit`` (``fit_specialists``) trains
it, nolearn's own validation split included, and predicts the held-out
fold. Every labelled held-out entry is scored, whichever rows the net
trained on, so approaches compare on the same entries.
"""
from collections import OrderedDict

import numpy as np
import pandas as pd

from . import checkpoints, cluster, persist, record, stops
from .atomic import atomic_write
from .checks import named, whole_number
from .errors import UsageError
from .inputs import load_for
from .kaggle import datadir
from .kaggle.format import KEYPOINT_COLUMNS, KEYPOINT_NAMES, TRAIN_FILE, to_pixels
from .kaggle.reading import read_csv_cached
from .prediction import predict_columns
from .runs import default_work_dir, new_settings, unit_key
from .settings import DEFAULT_SEED
from .training import specialist_units
from .units import Unit

SPECIALISTS = 'specialists'
MEAN_FACE = 'mean face'
LABELLED = 'labelled'
OVERALL = 'all keypoints'


def labelled_rows(values):
    """1-based numbers of the rows with at least one keypoint."""
    return np.flatnonzero(np.isfinite(values).any(axis=1)) + 1


def split_folds(rows, folds, seed=DEFAULT_SEED):
    """``rows`` in ``folds`` disjoint groups of near-equal size, at random
    (``seed``); each group sorted."""
    if folds < 2 or folds > len(rows):
        raise UsageError('`folds` must be between 2 and the {} labelled rows, not '
                         '{}'.format(len(rows), folds))
    shuffled = np.random.RandomState(seed).permutation(rows)
    return [np.sort(fold) for fold in np.array_split(shuffled, folds)]


def mean_face(values, rows):
    """Each column's mean (pixels) over the labelled entries of ``rows``."""
    return np.nanmean(values[np.asarray(rows) - 1], axis=0)


def approach_label(name, all_rows=False, pretrained=None, pretrain=None):
    """The column name of an approach: 'net6', 'net6 all rows',
    'specialists of net6', ..."""
    if name == SPECIALISTS:
        source = pretrain or (record.settings_of(pretrained).net
                              if pretrained is not None else 'net')
        name = 'specialists of {}'.format(source)
    return name + (' all rows' if all_rows else '')


def fold_units(name, excluded, description, k, all_rows=None, max_epochs=None,
               seed=DEFAULT_SEED, pretrained=None, pretrained_from=None, pretrain=None,
               time_limit=None):
    """The units of work of fold ``k``: the net ``name`` (or the
    specialists, after ``pretrain``'s net), trained quietly without the rows
    ``excluded``; ``time_limit`` seconds of epochs in all. The specialists
    start from ``pretrain``'s net, or from ``pretrained`` (the net of the
    file ``pretrained_from``)."""
    options = dict(exclude=description, all_rows=all_rows, seed=seed,
                   max_epochs=max_epochs)
    prefix = 'fold-{}-'.format(k)
    excluded = tuple(int(r) for r in excluded)

    def unit(net_name, limit):
        settings = new_settings(dict(options, net=net_name, time_limit=limit))
        return Unit(unit_key(settings, prefix), settings, excluded, quietly=True)

    if name != SPECIALISTS:
        return [unit(name, time_limit)]
    first = []
    if pretrain:  # first the net to pretrain from, on these folds only
        time_limit = time_limit and time_limit / 2.
        first = [unit(pretrain, time_limit)]
        trunk = first[0].settings
    else:
        trunk = record.settings_of(pretrained) if pretrained is not None else \
            new_settings({})
    settings = new_settings(dict(options, net=trunk.net, preprocess=trunk.preprocess,
                                 pretrained=None if pretrain else pretrained_from,
                                 time_limit=time_limit and time_limit / 6.))
    return first + specialist_units(settings, prefix, excluded,
                                    after=first[0].key if first else None, quietly=True)


def predict_rows(models, excluded):
    """Predictions and targets (pixels; NaN where unlabelled or not
    predicted) for every keypoint of the labelled rows not in ``excluded``."""
    targets = []

    def load(model):
        X, y = load_for(model, exclude=excluded, all_rows=True)
        targets.append(y)
        return X

    predicted = predict_columns(models, load)
    targets = to_pixels(targets[0])
    predictions = np.full(targets.shape, np.nan)
    for j, column in enumerate(KEYPOINT_COLUMNS):
        if column in predicted:
            predictions[:, j] = predicted[column]
    return predictions, targets


def rmse_table(errors, baseline, label):
    """Per-keypoint and overall RMSE from squared errors (NaN where
    unlabelled), with the mean face's and the number of labels."""
    rows = []
    for k, keypoint in enumerate(KEYPOINT_NAMES):
        xy = slice(2 * k, 2 * k + 2)
        rows.append((keypoint, int(np.isfinite(errors[:, 2 * k]).sum()),
                     np.sqrt(np.nanmean(errors[:, xy])),
                     np.sqrt(np.nanmean(baseline[:, xy]))))
    rows.append((OVERALL, int(np.isfinite(errors[:, ::2]).sum()),
                 np.sqrt(np.nanmean(errors)), np.sqrt(np.nanmean(baseline))))
    table = pd.DataFrame(rows, columns=['keypoint', LABELLED, label, MEAN_FACE])
    return table.set_index('keypoint')


def evaluate(name, folds=5, all_rows=None, max_epochs=None, seed=None,
             pretrained=None, pretrain=None, time_limit=None, restart=False,
             checkpoint_every=None, work_dir=None, cluster_spec=None):
    """K-fold cross-validation of the net ``name``, or of ``'specialists'``.

    Returns a DataFrame indexed by keypoint (and 'all keypoints', over every
    labelled entry): the number of labelled held-out points, the RMSE in
    pixels of the approach, and of the mean face of the training folds.

    Without ``all_rows`` a net trains on the training folds' complete rows
    (the tutorial's way), with it on all their labelled rows with the masked
    loss. Specialists start from ``pretrained`` (a trained net's file; if
    it was trained on the whole training set, it has seen the held-out folds), or
    from a net ``pretrain`` trained on each fold's training folds first, or
    from scratch. ``max_epochs`` shortens every net (each specialist's
    epochs); ``time_limit`` is each fold's seconds of epochs: all to a net;
    for specialists half to ``pretrain``'s net and the rest in six.

    Each net is a unit of work whose checkpoint, and once finished its
    ``.npz``, are kept in ``work_dir`` (default ``evaluate-NAME.checkpoints``)
    until the table is made: run again after a stop, it keeps the finished
    folds and continues the net that was training (``restart`` starts over).
    With ``cluster_spec`` (a :class:`.cluster.Spec`) the nets train side by
    side on a cluster's workers, to the same table.
    """
    max_epochs = named('max_epochs', whole_number, max_epochs)
    seed = DEFAULT_SEED if seed is None else seed
    if name != SPECIALISTS and (pretrained or pretrain):
        raise UsageError('`pretrained` and `pretrain` are for specialists only')
    if pretrained and pretrain:
        raise UsageError('give `pretrained` or `pretrain`, not both')
    fname_pretrained, pretrained = pretrained, (
        persist.load_single_net(pretrained) if pretrained else None)
    fname = datadir.data_file(TRAIN_FILE)
    _, values, _ = read_csv_cached(fname)
    rows = labelled_rows(values)
    groups = split_folds(rows, folds, seed)
    label = approach_label(name, all_rows, pretrained, pretrain)
    work = checkpoints.WorkDir(work_dir or default_work_dir('evaluate-' + name), restart)

    units = [fold_units(name, held_out, 'fold {} of {}'.format(k, folds), k, all_rows,
                        max_epochs, seed, pretrained, fname_pretrained, pretrain, time_limit)
             for k, held_out in enumerate(groups, 1)]
    with stops.pausable(), cluster.runner(cluster_spec) as runner:
        trained = runner.run([u for fold in units for u in fold], work, checkpoint_every,
                             nets={fname_pretrained: pretrained} if pretrained else None)

    errors, baseline, info = [], [], []
    for k, (held_out, fold) in enumerate(zip(groups, units), 1):
        nets = [trained[u.key] for u in fold]
        models = nets[0] if name != SPECIALISTS else OrderedDict(
            (u.settings.columns, trained[u.key]) for u in fold if u.settings.columns)
        others = np.setdiff1d(np.arange(1, len(values) + 1), held_out)
        predicted, targets = predict_rows(models, others)
        errors.append((predicted - targets) ** 2)
        baseline.append((mean_face(values, np.setdiff1d(rows, held_out)) - targets) ** 2)
        seconds = sum(h['dur'] for net in nets for h in net.train_history_)
        epochs = [len(net.train_history_) for net in nets]
        info.append(dict(fold=k, held_out=len(held_out), seconds=seconds, epochs=epochs,
                         train_rows=[record.get_record(n)['train_rows'] for n in nets]))
        print('{} fold {} of {}: trained on {} rows for {} epochs ({:.0f} s), RMSE {:.3f} px '
              'on {} held-out rows'.format(label, k, folds, '/'.join(
                  str(r) for r in info[-1]['train_rows']), '/'.join(map(str, epochs)),
                  seconds, float(np.sqrt(np.nanmean(errors[-1]))), len(held_out)))

    table = rmse_table(np.vstack(errors), np.vstack(baseline), label)
    directory = datadir.data_dir()
    table.attrs.update(folds=info, data_source=datadir.data_source(directory),
                       data_dir=directory, seed=seed, label=label)
    work.remove()
    return table


def describe(table):
    """One line: the data and folds a table was computed on."""
    attrs = table.attrs
    return 'data: {} ({}); {} folds, seed {}; {:.0f} s of training per fold'.format(
        attrs['data_source'], attrs['data_dir'], len(attrs['folds']), attrs['seed'],
        np.mean([f['seconds'] for f in attrs['folds']]))


def write_table(table, out):
    """Write ``table`` as CSV, its :func:`describe` line first as a ``#``
    comment (``pandas.read_csv(out, comment='#')`` skips it)."""
    with atomic_write(out, 'w') as f:
        f.write('# {}\n'.format(describe(table)))
        table.to_csv(f, float_format='%.4f')
    return out


def read_table(fname):
    """A table of :func:`write_table`, and its comment line."""
    with open(fname) as f:
        first = f.readline()
    try:
        table = pd.read_csv(fname, comment='#', index_col=0)
    except (ValueError, pd.errors.ParserError) as e:
        raise UsageError('{}: not a table of `kfkd evaluate`: {}'.format(fname, e)) from None
    if LABELLED not in table.columns or MEAN_FACE not in table.columns \
            or len(table.columns) != 3:
        raise UsageError('{}: not a table of `kfkd evaluate` (its columns are {})'.format(
            fname, ', '.join(table.columns)))
    return table, first[1:].strip() if first.startswith('#') else ''
