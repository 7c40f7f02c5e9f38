"""The data a net takes: ``load`` or ``load2d`` by its input, then the
image preprocessing it was trained with.

Every command that feeds a net asks :func:`load_for`, so a net trained on
equalised images is always given equalised images.
"""
from ..tutorial.data import load, load2d
from ..tutorial.nets import input_is_2d
from ..w207.preprocessing import preprocess as apply_preprocessing
from . import record
from .registry import DEFINITIONS, definition


def takes_images(net):
    """True when ``net`` takes (n, 1, 96, 96) images rather than flat rows."""
    if record.has_settings(net) and record.settings_of(net).net in DEFINITIONS:
        return DEFINITIONS[record.settings_of(net).net].input_2d
    return input_is_2d(net)


def preprocessing_of(net):
    """The preprocessing ``net`` was trained with (its settings'), or None."""
    return record.settings_of(net).preprocess


def load_for(net, test=False, cols=None, exclude=None, preprocess=None,
             all_rows=False):
    """``load`` or ``load2d`` for ``net``, preprocessed as ``preprocess``
    says, else as the net was trained; ``all_rows`` keeps rows with missing
    targets (NaN)."""
    return _loaded(takes_images(net), preprocess or preprocessing_of(net), test=test,
                   cols=cols, exclude=exclude, all_rows=all_rows)


def load_as(settings, test=False, cols=None, exclude=None, all_rows=False):
    """``load`` or ``load2d`` as the definition ``settings.net`` takes,
    preprocessed as ``settings`` say: the data of a net not built yet."""
    return _loaded(definition(settings.net).input_2d, settings.preprocess, test=test,
                   cols=cols, exclude=exclude, all_rows=all_rows)


def _loaded(images, preprocess, **options):
    X, y = (load2d if images else load)(**options)
    return apply_preprocessing(X, preprocess), y
