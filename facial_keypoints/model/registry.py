"""Every net this project defines, by name: the tutorial's and the W207's.

Each :class:`NetDefinition` says how to build the net, which input it takes
(flat rows for ``load``, images for ``load2d``) and the preprocessing it was
trained with. :func:`get_net`, the loaders and every command ask here.
"""
import collections

from ..base.errors import UsageError
from ..tutorial import nets as tutorial_nets
from ..w207 import variants
from . import record
from .masked import use_masked_loss

NetDefinition = collections.namedtuple(
    'NetDefinition', 'name build family input_2d preprocess')
NetDefinition.__doc__ = """A named net definition.

Attributes
----------
name : str
build : callable
    Returns a fresh, untrained net.
family : {'tutorial', 'w207'}
input_2d : bool
    True for convnets, which take ``load2d``'s (n, 1, 96, 96) images.
preprocess : str or None
    The image preprocessing the net was trained with.
"""


def _definitions():
    for name, build in tutorial_nets.MAKERS.items():
        yield NetDefinition(name, build, 'tutorial', name not in tutorial_nets.FLAT_INPUT,
                            None)
    # The W207 team's baseline "Net6" is the tutorial's net6; their variants
    # are convnets.
    yield NetDefinition('Net6', tutorial_nets.make_net6, 'w207', True, None)
    for name, build in variants.MAKERS.items():
        yield NetDefinition(name, build, 'w207', True, variants.PREPROCESS.get(name))


DEFINITIONS = collections.OrderedDict((d.name, d) for d in _definitions())


def net_names():
    """The names :func:`get_net` knows, in the tutorial's order."""
    return list(DEFINITIONS)


def definition(name):
    """The :class:`NetDefinition` called ``name``."""
    try:
        return DEFINITIONS[name]
    except KeyError:
        raise UsageError('unknown net {!r}; choose one of: {}'.format(
            name, ', '.join(net_names()))) from None


def get_net(name):
    """A fresh, untrained net by name, e.g. ``get_net('net6')``."""
    return definition(name).build()


def net_for(settings):
    """A fresh, untrained net as ``settings`` (a
    :class:`~facial_keypoints.model.settings.RunSettings`) define it: the named
    definition with the settings' parameters and epochs, and the masked
    loss for ``all_rows``; the settings are stored on it."""
    model = get_net(settings.net)
    if settings.params:
        model.set_params(**dict(settings.params))
    if settings.max_epochs:
        model.max_epochs = settings.max_epochs
    if settings.all_rows:
        use_masked_loss(model)
    return record.set_settings(model, settings)
