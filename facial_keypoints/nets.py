"""The tutorial's nets, importable as ``from facial_keypoints.nets import net6``.

Thin re-exports: the definitions are in :mod:`facial_keypoints.tutorial.nets`
and the registry of every named net in :mod:`facial_keypoints.model.registry`.
"""
from .model.registry import get_net, net_names  # noqa: F401
from .tutorial import nets as _nets
from .tutorial.nets import input_is_2d  # noqa: F401

__getattr__ = _nets.__getattr__  # the nets, each built at its first use
