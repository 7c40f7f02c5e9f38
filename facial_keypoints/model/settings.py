"""A training run's settings: what it was asked to do, as one frozen value.

Every command that trains (``fit``, ``fit_specialists``, ``evaluate``,
``sweep``, ``reproduce``, ``demo``) builds a :class:`RunSettings` for each
net it trains, and the training code takes it. What the run then did (its
epochs, rows, versions, timings) is the run record beside it
(:mod:`facial_keypoints.model.record`). A net carries both; its pickle, its
``.npz`` and its checkpoints store both.

A run continued from a checkpoint or a trained net keeps its stored
settings: the settings the command asks for are compared with them as
values, and another value is refused, except for those in
:data:`SAFE_TO_CHANGE`, which are applied and recorded. How a command runs
its trainings (start over, checkpoint interval, work directory, cluster)
is a value of its own, :class:`RunControl`.
"""
import dataclasses
import hashlib
import json
import zlib

from ..base.errors import SettingsMismatch

#: Settings a continued run may change: more (or fewer) epochs. The
#: learning-rate and momentum schedules follow ``max_epochs`` from the
#: next epoch on.
SAFE_TO_CHANGE = ('max_epochs',)

#: NumPy's seed of every training run unless given.
DEFAULT_SEED = 42
#: Epochs of each net of ``sweep`` unless given.
SWEEP_EPOCHS = 10
#: What ``sweep`` writes unless told: its losses plotted.
SWEEP_OUT = 'sweep.png'
#: Epochs of net6 in ``demo`` unless given.
DEMO_EPOCHS = 3
#: The specialists' pickle that ``fit_specialists`` writes and ``predict``,
#: ``detect`` and the plots read, unless given.
SPECIALISTS_PICKLE = 'net-specialists.pickle'
#: The net that ``plot_predictions`` and ``plot_conv1`` read unless given
#: (``fit``'s default net, ``net``, pickled).
NET_PICKLE = 'net.pickle'
#: The figures of the ``plot_`` commands unless named.
LEARNING_CURVES_PNG, SAMPLES_PNG = 'learning_curves.png', 'samples.png'
PREDICTIONS_PNG, CONV1_PNG = 'predictions.png', 'conv1.png'
#: Folds of ``evaluate`` unless given.
FOLDS = 5
#: The report that ``report`` and ``reproduce`` write unless given.
REPORT = 'report.md'
#: Rows of ``clean``'s contact sheet unless given.
SHEET_ROWS = 24


@dataclasses.dataclass(frozen=True)
class RunSettings:
    """The settings of one net's training run.

    Attributes
    ----------
    net : str
        The definition's name in :mod:`facial_keypoints.model.registry`.
    data : str or None
        'kaggle' or 'synthetic': the data the run trains on.
    preprocess : str or None
        Image preprocessing (W207); None for none (a new run's settings
        take the definition's own unless given: ``longrun.train.request``).
    exclude : str or None
        The training rows left out: a file of row numbers (``kfkd
        clean``), or a description such as 'fold 2 of 5'.
    dct_window : int or None
        DCT low/high-pass copies appended to the training set (W207).
    all_rows : bool
        Train on every row with a keypoint, with the masked loss.
    seed : int
        The run's random seed.
    max_epochs : int or None
        Epochs to train; None for the definition's own.
    columns : tuple of str or None
        A specialist's target columns; None for all 30.
    pretrained : str or None
        The file (or net) the weights start from.
    params : tuple of (str, value)
        Net or layer parameters set on the definition (a sweep's value).
    time_limit : float or None
        Seconds of epochs after which training stops.
    """

    net: str = 'net'
    data: str = None
    preprocess: str = None
    exclude: str = None
    dct_window: int = None
    all_rows: bool = False
    seed: int = DEFAULT_SEED
    max_epochs: int = None
    columns: tuple = None
    pretrained: str = None
    params: tuple = ()
    time_limit: float = None

    def __post_init__(self):  # JSON's lists back to tuples: hashable, comparable
        if self.columns is not None:
            object.__setattr__(self, 'columns', tuple(self.columns))
        object.__setattr__(self, 'params', _tuples(self.params))

    def to_dict(self):
        """The settings as JSON-able values."""
        values = dataclasses.asdict(self)
        values['columns'] = list(self.columns) if self.columns is not None else None
        values['params'] = [list(p) for p in self.params]
        return values

    @classmethod
    def from_dict(cls, values):
        """Settings from :meth:`to_dict`'s values (unknown keys ignored, so
        that a record of an older release still reads)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})

    def replace(self, **changes):
        """A copy with ``changes``."""
        return dataclasses.replace(self, **changes)

    def fingerprint(self):
        """A digest of every setting, stable across processes and machines."""
        text = json.dumps(self.to_dict(), sort_keys=True)
        return hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]

    def unit_seed(self):
        """The seed NumPy's generator starts from for this net: the run's
        seed for a whole-face net, and for a specialist one derived from the
        run's seed and its columns, so that each specialist's numbers do not
        depend on which specialists trained before it, or where."""
        if self.columns is None:
            return self.seed
        key = zlib.crc32(' '.join(self.columns).encode('ascii'))
        return (self.seed * 1000003 + key) % (2 ** 32)

    def continued(self, asked, source, compared=None):
        """These stored settings, continued by a run that asks for the
        settings ``asked``: the fields ``compared`` (default: every one)
        must be equal, as values, but those of :data:`SAFE_TO_CHANGE`, which
        are applied. Return the settings and the changes applied, {name:
        [old, new]}.

        Raises :class:`SettingsMismatch` naming ``source``, the setting and
        both values when another field differs.
        """
        changes = {}
        for name in compared or FIELDS:
            stored, wanted = getattr(self, name), getattr(asked, name)
            if stored == wanted:
                continue
            if name not in SAFE_TO_CHANGE:
                raise SettingsMismatch(source, name, stored, wanted)
            changes[name] = [stored, wanted]
        return self.replace(**{k: v[1] for k, v in changes.items()}), changes


#: The names of the settings, in order.
FIELDS = tuple(f.name for f in dataclasses.fields(RunSettings))


@dataclasses.dataclass(frozen=True)
class Request:
    """What a command or a notebook asked a training run for, as one value.

    Attributes
    ----------
    settings : RunSettings
        The run's settings: those given, and defaults for the others.
    given : tuple of str
        The names of the fields that were given. A run continued from
        stored settings compares these with them; the others it takes
        from what was stored.
    """

    settings: RunSettings
    given: tuple = FIELDS


@dataclasses.dataclass(frozen=True)
class RunControl:
    """How a command runs its trainings, apart from what they train.

    Attributes
    ----------
    restart : bool
        Start over, removing what a stopped run of the same command left.
    checkpoint_every : int or None
        Epochs between checkpoints; None: every
        :data:`facial_keypoints.longrun.checkpoints.DEFAULT_SECONDS`.
    work_dir : str or None
        Where the units' checkpoints and results are kept until the
        command's output is written; None: the command's own default.
    cluster : :class:`facial_keypoints.longrun.cluster.Spec` or None
        The Dask cluster the units train on; None: in this process.
    progress : bool
        Show progress within each epoch where output goes to a terminal or
        a notebook (:mod:`facial_keypoints.longrun.watch`).
    tensorboard : str or None
        A directory to write each net's scalars to for TensorBoard, a run
        per net.
    """

    restart: bool = False
    checkpoint_every: int = None
    work_dir: str = None
    cluster: object = None
    progress: bool = True
    tensorboard: str = None


def _tuples(value):
    if isinstance(value, (list, tuple)):
        return tuple(_tuples(v) for v in value)
    return value
