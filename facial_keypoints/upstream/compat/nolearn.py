"""nolearn 0.6.1's ``NeuralNet`` under today's scikit-learn (parameters,
``clone``, the HTML repr) and its epoch log's colours."""
from copy import deepcopy

from .patch import Patch

class NeuralNetParamAttributes(Patch):
    """scikit-learn >= 0.24's ``get_params`` reads every ``__init__``
    argument back from the instance. nolearn 0.6.1's ``NeuralNet`` accepts
    ``loss`` and ``X_tensor_type`` only to raise when they are given, and
    never stores them: ``get_params`` and ``clone`` raise AttributeError.
    Their only valid value is None, so that becomes the class attribute.
    """

    name = 'nolearn-param-attributes'
    attributes = ('loss', 'X_tensor_type')

    def needed(self):
        from nolearn.lasagne import NeuralNet
        return any(not hasattr(NeuralNet, a) for a in self.attributes)

    def apply(self):
        from nolearn.lasagne import NeuralNet
        for attribute in self.attributes:
            if not hasattr(NeuralNet, attribute):
                setattr(NeuralNet, attribute, None)


#: Attributes the package keeps on a net that a clone shares: the run
#: settings and record (:mod:`facial_keypoints.model.record`) describe the
#: definition and data, which a clone has too. (Its training state is the
#: trained net's alone.)
KEPT_ON_CLONE = ('run_settings_', 'run_record_')


def clone_neural_net(net):
    """Return an unfitted copy of a nolearn ``NeuralNet`` with equal params.

    Each parameter is cloned as scikit-learn's ``clone`` does (deep copies,
    so ``theano.shared`` learning rates and momenta are new variables and
    callbacks carry no state across). The ``PrintLog`` and
    ``PrintLayerInfo`` handlers that nolearn's ``__init__`` appended for
    ``verbose`` are dropped first, because ``__init__`` appends them again.
    Layers are built only at ``fit``, as for the original.
    """
    from sklearn.base import clone
    from nolearn.lasagne import PrintLayerInfo, PrintLog

    params = net.get_params(deep=False)
    # ``layers`` stays in nolearn's list type, which ``clone`` deep-copies
    # whole: a plain list would be cloned item by item, and a Lasagne layer
    # instance in it (nolearn's ``layers=l`` form) has a ``get_params`` that
    # is not scikit-learn's.
    if params.get('verbose'):
        added_by_init = {'on_epoch_finished': PrintLog,
                         'on_training_started': PrintLayerInfo}
        for name, handler_type in added_by_init.items():
            params[name] = [h for h in params[name] or []
                            if type(h) is not handler_type]
    params = {name: clone(value, safe=False) for name, value in params.items()}
    copy = type(net)(**params)
    for attribute in KEPT_ON_CLONE:
        if hasattr(net, attribute):
            setattr(copy, attribute, deepcopy(getattr(net, attribute)))
    return copy


class NeuralNetClone(Patch):
    """scikit-learn >= 0.24's ``clone`` raises RuntimeError for nolearn
    0.6.1's ``NeuralNet``: its ``__init__`` wraps ``layers`` in a new list
    and appends print handlers to the callback lists it is given, so the
    constructed net's parameters are not the objects passed in (older
    scikit-learn only warned). ``copy.deepcopy`` is no substitute, since
    nolearn's ``__setstate__`` builds the layers at copy time. scikit-learn
    >= 1.3 lets an estimator define ``__sklearn_clone__``; we give
    ``NeuralNet`` one that calls :func:`clone_neural_net`.
    """

    name = 'nolearn-clone'

    def needed(self):
        from nolearn.lasagne import NeuralNet
        return '__sklearn_clone__' not in vars(NeuralNet)

    def apply(self):
        from nolearn.lasagne import NeuralNet
        NeuralNet.__sklearn_clone__ = clone_neural_net


def neural_net_params_html(net, deep=True, **kwargs):
    """scikit-learn's HTML parameter table for a nolearn ``NeuralNet``.

    Runs scikit-learn's own ``_get_params_html`` while ``net.get_params``
    returns a plain dict instead of nolearn's always-containing ``_dict``.
    Other keyword arguments pass through (scikit-learn 1.9 passes
    ``doc_link``).
    """
    from sklearn.base import BaseEstimator
    net.get_params = lambda deep=True: dict(type(net).get_params(net, deep=deep))
    try:
        return BaseEstimator._get_params_html(net, deep=deep, **kwargs)
    finally:
        del net.get_params


class NeuralNetHtmlRepr(Patch):
    """scikit-learn >= 1.6 shows estimators in notebooks as HTML with a
    table of parameters, which asks ``name in params`` for each
    ``__init__`` argument. nolearn 0.6.1's ``get_params`` returns a dict
    whose ``__contains__`` is always True (so that ``set_params`` accepts
    any layer parameter), and the table raises KeyError on ``'kwargs'``:
    a notebook cell ending in ``net.fit(X, y)`` fails after training. We
    give ``NeuralNet`` a ``_get_params_html`` that works on a plain dict.
    """

    name = 'nolearn-html-repr'

    def needed(self):
        from nolearn.lasagne import NeuralNet
        from sklearn.base import BaseEstimator
        return (hasattr(BaseEstimator, '_get_params_html')
                and '_get_params_html' not in vars(NeuralNet))

    def apply(self):
        from nolearn.lasagne import NeuralNet
        NeuralNet._get_params_html = neural_net_params_html


class TerminalColours(object):
    """nolearn's ``ansi`` colour codes, empty unless output gets colours
    (:func:`facial_keypoints.base.console.use_colour`)."""

    def __init__(self, codes):
        self._codes = codes

    def __getattr__(self, name):
        from ...base.console import use_colour
        code = vars(self._codes)[name] if name in vars(self._codes) else None
        if code is None:
            raise AttributeError(name)
        return code if use_colour() else ''


class NolearnColoursOnTerminal(Patch):
    """nolearn 0.6.1's epoch log marks the best losses with ANSI colour
    codes whatever stdout is, so a log written to a file or a pipe is full
    of escape sequences. We give its handlers colour codes that are empty
    unless stdout is a terminal or a notebook, or the user asks for colours
    (``FORCE_COLOR``), and always with ``NO_COLOR``.
    """

    name = 'nolearn-colours-on-terminal'

    def needed(self):
        from nolearn.lasagne import handlers
        return not isinstance(handlers.ansi, TerminalColours)

    def apply(self):
        from nolearn.lasagne import handlers
        handlers.ansi = TerminalColours(handlers.ansi)
