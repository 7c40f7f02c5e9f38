"""Units of work: one net to train, described in JSON, and the one way any
net is trained (:func:`run_unit`): started or continued, trained with its
checkpoints, kept.

Every command that trains describes its trainings as :class:`Unit` s:
``fit`` (its net, checkpoint beside its pickle), ``fit_specialists``
(each specialist), ``evaluate`` (each fold's nets), ``sweep`` (each
value), ``reproduce`` and ``demo`` (each net). A runner trains them:

- :class:`Serial` (the default) one after another in this process;
- :class:`.cluster.OnCluster` on the workers of a Dask cluster, each
  unit through :func:`.manifests.execute`.

Either way a unit's numbers depend only on its settings (its seed among
them, :meth:`.settings.RunSettings.unit_seed`) and its data, never on
where or in which order it ran: the nets and tables are the same to the bit.
"""
import dataclasses
import os

import numpy as np

from ..base.errors import Paused
from ..model import persist, record, state
from ..model.registry import net_for
from ..model.settings import RunControl, RunSettings
from ..tutorial.nets import quiet
from ..tutorial.specialists import (SPECIALIST_SETTINGS, make_specialist, specialist_index,
                                    specialist_name)
from . import checkpoints
from .train import continued, pause_message, train_net, training_data
from .watch import watching


@dataclasses.dataclass(frozen=True)
class Unit:
    """One net to train.

    Attributes
    ----------
    key : str
        Its name in the work directory (``fold-2-net6``).
    settings : RunSettings
        What to train; a specialist's settings have its ``columns``.
    held_out : tuple of int or None
        Training rows (1-based) left out: ``evaluate``'s held-out fold.
    after : str or None
        The key of the unit whose net this one starts from (a fold's net to
        pretrain the specialists from); else ``settings.pretrained`` names
        the file, if any.
    quietly : bool
        No layer table or epoch log (``evaluate``, ``sweep``).
    given : tuple of str or None
        The settings a continued net's stored settings are compared with
        (a :class:`~.settings.Request`'s); None: every one.
    source : str or None
        A trained net's file this unit continues (``fit --resume``).
    """

    key: str
    settings: RunSettings
    held_out: tuple = None
    after: str = None
    quietly: bool = False
    given: tuple = None
    source: str = None

    def to_json(self):
        return dict(dataclasses.asdict(self), settings=self.settings.to_dict(),
                    held_out=_listed(self.held_out), given=_listed(self.given))

    @classmethod
    def from_json(cls, values):
        values = dict(values)
        values['settings'] = RunSettings.from_dict(values['settings'])
        for name in ('held_out', 'given'):
            if values.get(name) is not None:
                values[name] = tuple(values[name])
        return cls(**values)


def _listed(values):
    return list(values) if values is not None else None


def unit_key(settings, prefix=''):
    """The file name of a unit of work in a :class:`.checkpoints.WorkDir`."""
    if settings.columns is None:
        return prefix + settings.net
    return prefix + specialist_name(settings.columns)


def run_unit(unit, work, pretrained_net=None, control=RunControl()):
    """Train ``unit``: take the net an earlier run finished in ``work`` (a
    :class:`.checkpoints.WorkDir`, or ``fit``'s
    :class:`.checkpoints.Beside`), or continue it from ``unit.source`` or
    its checkpoint there, or start it (NumPy's generator seeded from its
    settings first; a specialist from ``pretrained_net`` when given); train
    it on the rows of its settings without those ``unit.held_out``, with its
    checkpoints as ``control`` says, watched (its epoch log in ``work``,
    progress, TensorBoard: :mod:`.watch`); keep the finished net in
    ``work``; return it.

    A quiet unit prints no layer table, epoch table or progress. Raises
    :class:`~.errors.Paused` when a signal paused it.
    """
    key, checkpoint = unit.key, work.checkpoint(unit.key)
    if work.finished(key):
        model = continued(work.result(key), unit.settings, unit.given)
        X, y = training_data(record.settings_of(model), unit.held_out)
        state.check_data(getattr(model, state.ATTRIBUTE), state.TrainingData(model, X, y))
        print('Kept {}: it finished in an earlier run'.format(work.result(key)))
        return model
    source = unit.source or (checkpoint if os.path.exists(checkpoint) else None)
    if source:  # its stored settings hold, and say what it trains on
        model = continued(source, unit.settings, unit.given)
        _say_continuing(model, source, checkpoint)
        X, y = training_data(record.settings_of(model), unit.held_out)
    else:
        X, y = training_data(unit.settings, unit.held_out)
        np.random.seed(unit.settings.unit_seed())
        model = record.set_settings(_fresh_net(unit.settings, pretrained_net, len(y)),
                                    unit.settings)
    if unit.quietly:
        quiet(model)
    with watching(model, log=work.epoch_log(key), progress=control.progress and not unit.quietly,
                  tensorboard=control.tensorboard, name=key):
        outcome = train_net(model, X, y, checkpoint, control.checkpoint_every)
    if outcome.paused:
        raise Paused(pause_message(model, outcome, checkpoint, work.keep_so_far(key, model)),
                     outcome.paused)
    work.keep(key, model, outcome.data)
    checkpoints.remove(checkpoint)
    return model


def _say_continuing(model, source, checkpoint):
    done = len(model.train_history_)
    print('Continuing {} after epoch {}: epochs {}..{}{}'.format(
        source, done, done + 1, model.max_epochs,
        ' (remove it to start over)' if source == checkpoint else ''))
    if model.max_epochs <= done:
        print('Nothing to do: it has already run {} epochs.'.format(done))


def _fresh_net(settings, pretrained_net, rows):
    """The untrained net of ``settings``: its definition, or for a
    specialist a copy of it made as the tutorial makes one, on ``rows``
    training rows."""
    if settings.columns is None:
        return net_for(settings)
    setting = SPECIALIST_SETTINGS[specialist_index(settings.columns)]
    base = net_for(settings.replace(columns=None))
    model = make_specialist(setting, rows, base, pretrained_net, settings.max_epochs)
    print("Training model for columns {} for {} epochs".format(
        settings.columns, model.max_epochs))
    return model


class Serial:
    """Units one after another, in this process."""

    def run(self, units, work, control=RunControl(), nets=None):
        """Train ``units`` in order as ``control`` says; return {key: net}.
        ``nets`` holds nets already loaded, by file name (the pretrained
        net)."""
        nets, trained = dict(nets or {}), {}
        for unit in units:
            trained[unit.key] = run_unit(unit, work, _pretrained_net(unit, trained, nets),
                                         control)
        return trained


def _pretrained_net(unit, trained, nets):
    if unit.after is not None:
        return trained[unit.after]
    pretrained = unit.settings.pretrained
    if pretrained is None:
        return None
    if pretrained not in nets:  # loaded once for all the units that start from it
        nets[pretrained] = persist.load_single_net(pretrained)
    return nets[pretrained]
