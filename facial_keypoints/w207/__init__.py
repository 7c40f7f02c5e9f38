"""The W207 experiments: a UC Berkeley MIDS team's extensions of the
tutorial (2016).

Their variants of net6 (:mod:`.variants`), image preprocessing
(:mod:`.preprocessing`), DCT copies of the training set (:mod:`.dct`)
and label cleaning (:mod:`.cleaning`); their parameter sweeps are the
command :mod:`facial_keypoints.commands.sweep`. Builds on the tutorial; the
tutorial imports nothing from here.
"""
_built = {}


def __getattr__(name):
    # Each variant built at its first use (Net6LP, ...), so that importing a
    # module of this package imports no Lasagne.
    from ..tutorial.nets import module_level_net
    from .variants import MAKERS
    return module_level_net(name, MAKERS, _built, __name__)
