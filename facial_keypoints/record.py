"""The run record: what a training run did, kept with the net it trained.

A record is a plain dict stored on the net as ``run_record_``, so it travels
in the net's pickle and in its exported ``.npz``; ``clone`` keeps it.
Keys (absent when unknown):

``net``            the definition's name in :mod:`facial_keypoints.registry`
``data_source``    'synthetic' or 'kaggle'
``data_dir``       the data directory
``train_rows``     rows trained on (training and validation together)
``all_rows``       True when rows with missing keypoints were kept (masked loss)
``preprocess``     image preprocessing, or None
``exclude``        the file (or count) of training rows left out, or None
``exclude_rows``   how many rows were left out
``dct_window``     DCT copies appended, or None
``seed``           NumPy's global seed before training
``epochs``         epochs trained so far
``columns``        the target columns (a specialist's group, else all 30)
``pretrained``     the file the weights started from (specialists)
``interrupted``    True when Ctrl-C stopped the last run
``versions``       Python, Theano, Lasagne, nolearn, NumPy
``device``         Theano's device as configured
"""
import importlib.metadata
import platform

ATTRIBUTE = 'run_record_'

#: Attributes of nets trained before records existed, and their keys.
_LEGACY = {'net_name_': 'net', 'preprocess_': 'preprocess',
           'data_source_': 'data_source', 'train_rows_': 'train_rows'}


def get_record(net):
    """A copy of ``net``'s record ({} for a net that has none)."""
    record = getattr(net, ATTRIBUTE, None)
    if record is None:
        record = {key: getattr(net, attr) for attr, key in _LEGACY.items()
                  if hasattr(net, attr)}
    return dict(record)


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


def versions():
    """The versions of the stack, for a record."""
    found = {'Python': platform.python_version()}
    for name in ('Theano', 'Lasagne', 'nolearn', 'numpy'):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = 'unknown'
    return found


def theano_device():
    """'cpu', or the GPU device and its name, as Theano is configured."""
    import theano
    device = theano.config.device
    if device.startswith('cuda') or device.startswith('gpu'):
        try:
            from theano.gpuarray.type import get_context
            return '{} ({})'.format(device, get_context(None).devname)
        except Exception as e:  # a GPU flag without a working GPU back-end
            return '{} (GPU back-end unavailable: {})'.format(device, e)
    return device


def environment():
    """The keys every record gets: versions and device."""
    return {'versions': versions(), 'device': theano_device()}
