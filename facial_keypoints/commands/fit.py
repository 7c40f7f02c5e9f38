"""The tutorial's training runs, ``fit`` and ``fit_specialists``, as the
command line runs them.

Each net is built from its :class:`~facial_keypoints.model.settings.RunSettings`,
writes checkpoints as it trains, pauses on Ctrl-C, SIGTERM or SIGHUP, and
continues exactly when the same command runs again; a trained net is never
lost (:mod:`facial_keypoints.longrun`). How a command runs (start over,
checkpoint interval, work directory, cluster) is one
:class:`~facial_keypoints.model.settings.RunControl`. Each net is a unit of
work (:mod:`facial_keypoints.longrun.units`): ``fit``'s keeps its
checkpoint beside its pickle; the specialists keep theirs in a work
directory and train one after another or on a cluster's workers.
"""
from collections import OrderedDict

from ..longrun import checkpoints, cluster, pauses
from ..longrun.checkpoints import save_or_rescue
from ..longrun.train import default_out, default_work_dir, device_line, request
from ..longrun.units import Serial, Unit, unit_key
from ..model import persist, record
from ..model.settings import SPECIALISTS_PICKLE, RunControl, RunSettings
from ..tutorial.specialists import SPECIALIST_SETTINGS


def fit(name=None, max_epochs=None, out=None, resume=None, preprocess=None,
        exclude=None, dct_window=None, seed=None, all_rows=None, restart=False,
        checkpoint_every=None):
    """Train the net ``name`` (default ``net``) and pickle it to
    ``NAME.pickle`` (``out``); return the net.

    ``max_epochs`` shortens a run (the schedules follow it). While it
    trains, the run's checkpoint is ``NAME.checkpoint.npz`` beside ``out``
    (every ``checkpoint_every`` epochs, or every minute); if one is there,
    the run continues from it, exactly, unless ``restart``. ``resume``
    continues a trained net (pickle, ``.npz`` or checkpoint) up to
    ``max_epochs`` and writes it back to the same file unless ``out``
    says otherwise. A continued run keeps its stored settings; an option
    given with another value is refused, but ``max_epochs``.
    ``preprocess`` (default: the definition's own), ``exclude`` (training
    rows to leave out) and ``dct_window`` (append DCT low/high-pass copies)
    are the W207 experiments' options. ``all_rows`` trains on every row with
    at least one keypoint, with a loss over the keypoints present
    (:mod:`facial_keypoints.model.masked`). Ctrl-C, SIGTERM and SIGHUP end the
    epoch in flight, save the checkpoint and the net so far, and raise
    :class:`~.errors.Paused` (a KeyboardInterrupt).
    """
    asked = request(net=name, max_epochs=max_epochs, preprocess=preprocess, exclude=exclude,
                    dct_window=dct_window, seed=seed, all_rows=all_rows)
    control = RunControl(restart=restart, checkpoint_every=checkpoint_every)
    return fit_net(asked, control, out, resume)[0]


def fit_net(asked, control=RunControl(), out=None, resume=None):
    """Train the net ``asked`` for (a :class:`~.settings.Request`) as
    ``control`` says, as one unit of work whose checkpoint is beside
    ``out``, and pickle it to ``out`` (default: ``NET.pickle``, or the
    pickle of the resumed file); return the net and ``out``.

    A run continued (from ``resume``, or from the checkpoint of an earlier
    run of the same command) compares the settings given in ``asked``
    with its stored settings; see :func:`fit`.
    """
    settings = asked.settings
    out = out or default_out(settings.net, resume)
    unit = Unit(settings.net, settings, given=asked.given, source=resume)
    print(device_line())
    with pauses.pausable():
        trained = Serial().run([unit], checkpoints.Beside(out, control.restart), control)
    return trained[unit.key], out


def specialist_units(settings, prefix='', held_out=None, after=None, quietly=False):
    """The six specialists of ``settings`` as units of work, one per group of
    ``SPECIALIST_SETTINGS`` (keys start with ``prefix``): each a copy of the
    definition ``settings.net``, pretrained from the net of the unit
    ``after`` or from the file ``settings.pretrained`` when given, trained
    on the rows that have its columns (with ``all_rows``: any of them, with
    the masked loss), without the rows ``held_out``."""
    units = []
    for setting in SPECIALIST_SETTINGS:
        specialist = settings.replace(columns=setting['columns'])
        units.append(Unit(unit_key(specialist, prefix), specialist, held_out, after, quietly))
    return units


def specialists_settings(pretrained_net, **options):
    """The settings the specialists share: the definition, preprocessing and
    exclusions of ``pretrained_net`` (the tutorial's ``net`` without one),
    and the ``options`` given (None: not given)."""
    source = (record.settings_of(pretrained_net) if pretrained_net is not None
              else RunSettings())
    asked = request(net=source.net, exclude=source.exclude, **options)
    return asked.settings.replace(preprocess=source.preprocess)


def fit_specialists(pretrained=None, out=SPECIALISTS_PICKLE, max_epochs=None,
                    seed=None, all_rows=None, control=RunControl()):
    """Train one specialist per group of keypoints and pickle them to ``out``
    as an OrderedDict keyed by the tuple of columns.

    With ``pretrained`` (the file of a trained net: pickle or ``.npz``),
    each specialist is a copy of that net's definition, starts from its
    weights and inherits its settings (its preprocessing among them);
    without it, a copy of the tutorial's ``net``. ``max_epochs`` overrides
    each specialist's own (for quick runs). ``all_rows`` trains each on the
    rows with any of its columns, with the masked loss.

    Each specialist is a unit of work: its checkpoint, and once finished its
    ``.npz``, are kept in ``control.work_dir`` (default ``OUT.checkpoints``)
    until ``out`` is written, so that running the same call again after a
    stop keeps the finished specialists and continues the one that was
    training (``control.restart`` starts over). With ``control.cluster``
    (a :class:`.cluster.Spec`) they train side by side on a cluster's
    workers, to the same nets.
    """
    pretrained_net = persist.load_single_net(pretrained) if pretrained else None
    settings = specialists_settings(pretrained_net, all_rows=all_rows, seed=seed,
                                    pretrained=pretrained, max_epochs=max_epochs)
    work = checkpoints.WorkDir(control.work_dir or default_work_dir(out), control.restart)
    units = specialist_units(settings)
    with pauses.pausable(), cluster.runner(control.cluster) as runner:
        trained = runner.run(units, work, control,
                             nets={pretrained: pretrained_net} if pretrained else None)
        specialists = OrderedDict((u.settings.columns, trained[u.key]) for u in units)
        # this time we're persisting a dictionary with all models:
        save_or_rescue(specialists, out)
    work.remove()
    return specialists
