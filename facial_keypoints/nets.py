"""The tutorial's nets, importable as ``from facial_keypoints.nets import net6``.

Thin re-exports: the definitions are in :mod:`facial_keypoints.tutorial.nets`
and the registry of every named net in :mod:`facial_keypoints.model.registry`.
"""
from .model.registry import get_net, net_names  # noqa: F401
from .tutorial.nets import (input_is_2d, net, net1, net2, net3, net4,  # noqa: F401
                            net5, net6, net7, net8)
