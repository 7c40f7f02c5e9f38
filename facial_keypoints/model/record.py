"""The run record: what a training run did, kept with the net it trained,
beside the settings it was asked to run with (:mod:`.settings`).

Both are attributes of the net, ``run_settings_`` (a
:class:`~facial_keypoints.model.settings.RunSettings`) and ``run_record_`` (a
plain dict), so they travel in the net's pickle, its ``.npz`` and its
checkpoints; ``clone`` keeps them. The record's keys (absent when unknown):

``data_dir``       the data directory
``train_rows``     rows trained on (training and validation together)
``exclude_rows``   how many rows were left out
``epochs``         epochs trained so far
``interrupted``    what paused the last run ('SIGTERM', 'Ctrl-C', ...), or None
``changes``        settings changed on continuing: [{epoch, name, old, new}]
``versions``       Python, Theano, Lasagne, nolearn, NumPy, this package
``device``         Theano's device as configured
"""
import importlib.metadata
import platform

from .settings import RunSettings

ATTRIBUTE = 'run_record_'
SETTINGS = 'run_settings_'

#: Attributes of nets pickled by releases before records existed, and the
#: record's keys they hold; read only for such pickles.
_LEGACY = {'net_name_': 'net', 'preprocess_': 'preprocess',
           'data_source_': 'data_source', 'train_rows_': 'train_rows'}
#: Keys of records written before settings were apart (pickles and version 1
#: .npz files of earlier releases), that are settings.
LEGACY_SETTINGS = {'net': 'net', 'data_source': 'data', 'preprocess': 'preprocess',
                    'exclude': 'exclude', 'dct_window': 'dct_window',
                    'all_rows': 'all_rows', 'seed': 'seed', 'columns': 'columns',
                    'pretrained': 'pretrained'}


def _legacy(net):
    record = getattr(net, ATTRIBUTE, None)
    if record is None:
        record = {key: getattr(net, attr) for attr, key in _LEGACY.items()
                  if hasattr(net, attr)}
    return dict(record)


def settings_of(net):
    """The :class:`RunSettings` ``net`` was trained with (read from the
    record of a net trained by an older release)."""
    settings = getattr(net, SETTINGS, None)
    if settings is not None:
        return settings
    return settings_from_legacy(_legacy(net))


def settings_from_legacy(old):
    """The settings in a record written before settings were apart."""
    return RunSettings.from_dict({new: old[key] for key, new in LEGACY_SETTINGS.items()
                                  if old.get(key) is not None})


def has_settings(net):
    """True when ``net`` was trained by this package (it has settings, or an
    older release's record of them)."""
    return getattr(net, SETTINGS, None) is not None or 'net' in _legacy(net)


def set_settings(net, settings):
    """Store ``settings`` on ``net``."""
    setattr(net, SETTINGS, settings)
    return net


def get_record(net):
    """A copy of ``net``'s record ({} for a net that has none)."""
    record = _legacy(net)
    if getattr(net, SETTINGS, None) is None:  # an older release's record
        record = {k: v for k, v in record.items() if k not in LEGACY_SETTINGS}
    return record


def set_record(net, record):
    """Store ``record`` on ``net``, with its epochs counted from its history."""
    record = dict(record)
    record['epochs'] = len(getattr(net, 'train_history_', None) or [])
    setattr(net, ATTRIBUTE, record)
    return net


def update_record(model, **changes):
    """Change some keys of ``model``'s record."""
    record = get_record(model)
    record.update(changes)
    return set_record(model, record)


#: The packages that make a run's numbers (not Python's patch level, which
#: differs between a Docker image and its host): a record names their
#: versions, and a training state continues only with the same ones.
NUMERIC_PACKAGES = ('Theano', 'Lasagne', 'nolearn', 'numpy', 'facial_keypoints')


def versions():
    """The versions of Python and the stack, for a record."""
    found = {'Python': platform.python_version()}
    for name in NUMERIC_PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = 'unknown'
    return found


def is_gpu_device(device):
    """Whether Theano's ``device`` flag names a GPU: ``cuda...`` or
    ``opencl...`` (its gpuarray back-end)."""
    return device.startswith(('cuda', 'opencl'))


def theano_device():
    """'cpu', or the GPU device and its name, as Theano is configured."""
    import theano
    device = theano.config.device
    if is_gpu_device(device):
        try:
            from theano.gpuarray.type import get_context
            return '{} ({})'.format(device, get_context(None).devname)
        except Exception as e:  # a GPU flag without a working GPU back-end
            return '{} (GPU back-end unavailable: {})'.format(device, e)
    return device


def theano_blas():
    """The BLAS Theano links, as one line for the user."""
    import theano
    from ..upstream.compat import theano_config
    # BLAS_INFO is None where the flags were given: by the user, or by the
    # process this one was started from.
    return theano_config.BLAS_INFO or theano_config.describe_blas(theano.config.blas.ldflags)


def environment():
    """The keys every record gets: versions and device."""
    return {'versions': versions(), 'device': theano_device()}
