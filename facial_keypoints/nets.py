"""The tutorial's nets, importable as ``from facial_keypoints.nets import net6``.

Thin re-exports: the definitions are in :mod:`facial_keypoints.tutorial.nets`
and the registry of every named net in :mod:`facial_keypoints.model.registry`.
"""
from .model.registry import get_net, net_names  # noqa: F401
from .tutorial import nets as _nets
from .tutorial.nets import input_is_2d  # noqa: F401


def __getattr__(name):
    if name in _nets.MAKERS:
        return getattr(_nets, name)  # built at its first use
    raise AttributeError('module {!r} has no attribute {!r}'.format(__name__, name))
