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
import dataclasses
from collections import OrderedDict

import numpy as np
import pandas as pd

from ..base.errors import UsageError
from ..kaggle import datadir
from ..kaggle.format import KEYPOINT_COLUMNS, KEYPOINT_NAMES, TRAIN_FILE, to_pixels
from ..kaggle.reading import read_csv_cached
from ..longrun import checkpoints, cluster, pauses
from ..longrun.train import default_work_dir, request
from ..longrun.units import Unit, unit_key
from ..model import persist, record
from ..model.inputs import load_for
from ..model.settings import DEFAULT_SEED, FOLDS, RunControl, RunSettings
from ..outputs.prediction import predict_columns
from ..outputs.tables import LABELLED, MEAN_FACE, OVERALL, write_table
from .fit import specialist_units, specialists_settings

SPECIALISTS = 'specialists'


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


@dataclasses.dataclass(frozen=True)
class Approach:
    """What ``evaluate`` trains in each fold.

    Attributes
    ----------
    name : str
        A net's name, or :data:`SPECIALISTS`.
    settings : RunSettings
        What every fold's nets share: the net (for specialists, the trunk
        they copy), seed, epochs, ``all_rows``, a fold's ``time_limit``, and
        for specialists the ``pretrained`` file they start from.
    pretrain : str or None
        Specialists: the net trained on each fold's training folds first,
        to start them from.
    """

    name: str
    settings: RunSettings
    pretrain: str = None

    def label(self):
        """The table's column: 'net6', 'net6 all rows', 'specialists of
        net6', ..."""
        name = self.name
        if name == SPECIALISTS:
            name = 'specialists of {}'.format(self.pretrain or self.settings.net)
        return name + (' all rows' if self.settings.all_rows else '')


def approach(name, pretrain=None, pretrained_net=None, **options):
    """The :class:`Approach` of ``evaluate``'s arguments: the net ``name``,
    or the specialists of ``pretrain`` or of ``pretrained_net`` (the net of
    the file ``options['pretrained']``), else of the tutorial's ``net``;
    with the ``options`` given (fields of the settings; None: not given)."""
    if name != SPECIALISTS and (options.get('pretrained') or pretrain):
        raise UsageError('`pretrained` and `pretrain` are for specialists only')
    if options.get('pretrained') and pretrain:
        raise UsageError('give `pretrained` or `pretrain`, not both')
    if name != SPECIALISTS:
        return Approach(name, request(net=name, **options).settings)
    if pretrain:
        return Approach(name, request(net=pretrain, **options).settings, pretrain)
    return Approach(name, specialists_settings(pretrained_net, **options))


def fold_units(approach, k, folds, held_out):
    """The units of work of fold ``k`` of ``folds``, trained quietly without
    the rows ``held_out``: the approach's net, or its specialists (after
    ``pretrain``'s net, which takes half the fold's ``time_limit``; the
    specialists share the rest)."""
    prefix = 'fold-{}-'.format(k)
    settings = approach.settings.replace(exclude='fold {} of {}'.format(k, folds))
    held_out = tuple(int(r) for r in held_out)
    limit = settings.time_limit
    if approach.name != SPECIALISTS:
        return [Unit(unit_key(settings, prefix), settings, held_out, quietly=True)]
    first, after = [], None
    if approach.pretrain:  # first the net to pretrain from, on these folds only
        limit = limit and limit / 2.
        trunk = settings.replace(time_limit=limit)
        first = [Unit(unit_key(trunk, prefix), trunk, held_out, quietly=True)]
        after = first[0].key
    specialists = settings.replace(time_limit=limit and limit / 6.)
    return first + specialist_units(specialists, prefix, held_out, after=after, quietly=True)


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


def evaluate(name, folds=FOLDS, all_rows=None, max_epochs=None, seed=None,
             pretrained=None, pretrain=None, time_limit=None, out=None,
             control=RunControl()):
    """K-fold cross-validation of the net ``name``, or of ``'specialists'``.

    Returns a DataFrame indexed by keypoint (and 'all keypoints', over every
    labelled entry): the number of labelled held-out points, the RMSE in
    pixels of the approach, and of the mean face of the training folds;
    with ``out``, also written there as CSV
    (:func:`~facial_keypoints.outputs.tables.write_table`).

    Without ``all_rows`` a net trains on the training folds' complete rows
    (the tutorial's way), with it on all their labelled rows with the masked
    loss. Specialists start from ``pretrained`` (a trained net's file; if
    it was trained on the whole training set, it has seen the held-out folds), or
    from a net ``pretrain`` trained on each fold's training folds first, or
    from scratch. ``max_epochs`` shortens every net (each specialist's
    epochs); ``time_limit`` is each fold's seconds of epochs: all to a net;
    for specialists half to ``pretrain``'s net and the rest in six.

    Each net is a unit of work whose checkpoint, and once finished its
    ``.npz``, are kept in ``control.work_dir`` (default ``OUT.checkpoints``,
    or ``evaluate-NAME.checkpoints`` without ``out``) until the table is
    made: run again after a stop, it keeps the finished folds and continues
    the net that was training (``control.restart`` starts over). With
    ``control.cluster`` (a :class:`.cluster.Spec`) the nets train side by
    side on a cluster's workers, to the same table.
    """
    pretrained_net = persist.load_single_net(pretrained) if pretrained else None
    chosen = approach(name, pretrain, pretrained_net, all_rows=all_rows, seed=seed,
                      pretrained=pretrained, time_limit=time_limit, max_epochs=max_epochs)
    return cross_validate(chosen, folds, out, control, pretrained_net)


def cross_validate(chosen, folds=FOLDS, out=None, control=RunControl(), pretrained_net=None):
    """:func:`evaluate` of the :class:`Approach` ``chosen`` (what it was
    asked for, as one value); ``pretrained_net`` is the net of
    ``chosen.settings.pretrained``, loaded, if any."""
    pretrained = chosen.settings.pretrained
    _, values, _ = read_csv_cached(datadir.data_file(TRAIN_FILE))
    rows = labelled_rows(values)
    groups = split_folds(rows, folds, chosen.settings.seed)
    work = checkpoints.WorkDir(control.work_dir or default_work_dir(
        out or 'evaluate-' + chosen.name), control.restart)
    units = [fold_units(chosen, k, folds, held_out) for k, held_out in enumerate(groups, 1)]
    with pauses.pausable(), cluster.runner(control.cluster) as runner:
        trained = runner.run([u for fold in units for u in fold], work, control,
                             nets={pretrained: pretrained_net} if pretrained_net else None)
    table = score_folds(chosen, groups, units, trained, values)
    if out:
        write_table(table, out)
    work.remove()
    return table


def score_folds(chosen, groups, units, trained, values):
    """The table of :func:`evaluate` from each fold's trained nets."""
    errors, baseline, info = [], [], []
    label, rows = chosen.label(), labelled_rows(values)
    for k, (held_out, fold) in enumerate(zip(groups, units), 1):
        nets = [trained[u.key] for u in fold]
        models = nets[0] if chosen.name != SPECIALISTS else OrderedDict(
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
              'on {} held-out rows'.format(label, k, len(groups), '/'.join(
                  str(r) for r in info[-1]['train_rows']), '/'.join(map(str, epochs)),
                  seconds, float(np.sqrt(np.nanmean(errors[-1]))), len(held_out)))
    table = rmse_table(np.vstack(errors), np.vstack(baseline), label)
    directory = datadir.data_dir()
    table.attrs.update(folds=info, data_source=datadir.data_source(directory),
                       data_dir=directory, seed=chosen.settings.seed, label=label)
    return table
