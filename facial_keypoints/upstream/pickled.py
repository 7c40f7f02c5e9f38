"""What a net's pickle may rebuild of Theano, Lasagne and nolearn, and how.

nolearn pickles a net whole: its layers, their shared variables and its
three compiled Theano functions (``train_iter_``, ``eval_iter_``,
``predict_iter_``), whose unpickling links each function and compiles its C
code from what the file says; its ``__setstate__`` compiles the net, and
may import any layer class its definition names as a string. So:

- :func:`dump` pickles a net without its compiled functions, nor the graphs
  dropout's random streams keep of each compilation: the file names data
  and the classes that hold it, and plain ``pickle.load`` still gives a
  working net (nolearn compiles one without functions as it loads);
- while a pickle loads, :data:`STAND_INS` take the place of what would run
  code: a net's state is set and nothing compiled; a tensor type is built by
  its constructor from its dtype and broadcastable pattern (the dtype
  chooses the C type); each part of a compiled function or graph is
  :class:`Compiled`, which keeps what the file gives it as data;
- :func:`finish` checks the net, drops what stood for compiled functions and
  compiles its prediction function afresh from the net's own layers.
"""
import pickle

import theano
from lasagne.layers import InputLayer, Layer, get_output
from nolearn.lasagne import NeuralNet
from theano.compile.sharedvalue import SharedVariable
from theano.sandbox.rng_mrg import MRG_RandomStreams
from theano.tensor.type import TensorType
from theano.tensor.var import TensorVariable

COMPILED_FUNCTIONS = ('train_iter_', 'eval_iter_', 'predict_iter_')


class NotANet(ValueError):
    """A loaded pickle's net is not one this package builds."""


class Compiled:
    """Any part of a compiled Theano function or graph, as a pickle names
    it: what the file gives it (arguments, state, items) is kept as data,
    and nothing runs."""

    def __new__(cls, *args, **kwargs):
        part = object.__new__(cls)
        part.args, part.state, part.items = args, None, []
        return part

    def __setstate__(self, state):
        self.state = state

    def append(self, item):
        self.items.append(item)

    def extend(self, items):
        self.items.extend(items)

    def __setitem__(self, key, value):
        self.items.append((key, value))


class _LoadingNet(NeuralNet):
    """nolearn's NeuralNet while its pickle loads: its state is set, and
    nothing is compiled or imported (:func:`finish` does the rest)."""

    def __setstate__(self, state):
        self.__dict__.update(state)


def _checked(type_, *fields):
    """``type_`` (a tensor type), built by its constructor, which refuses an
    unknown dtype, from the dtype, broadcastable pattern, name and
    ``fields`` a pickle gives it."""

    class Checked(type_):

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.__class__ = type_

        def __setstate__(self, state):
            type_.__init__(self, state['dtype'], state['broadcastable'],
                           name=_name(state.get('name')),
                           **{field: state.get(field) for field in fields})
            self.__class__ = type_

    Checked.__name__ = Checked.__qualname__ = 'Checked' + type_.__name__
    return Checked


def _name(name):
    if name is not None and not isinstance(name, str):
        raise NotANet('a tensor type named {!r}'.format(type(name).__name__))
    return name


def _gpu_array_type():
    try:
        from theano.gpuarray.type import GpuArrayType
    except ImportError:  # no pygpu: a GPU pickle cannot load anyway
        return None
    return GpuArrayType


GpuArrayType = _gpu_array_type()
#: The types of a net's parameters.
PARAMETER_TYPES = (TensorType,) if GpuArrayType is None else (TensorType, GpuArrayType)

#: What the unpickler gives for a global, where not the global itself.
STAND_INS = {('nolearn.lasagne.base', 'NeuralNet'): _LoadingNet,
             ('theano.tensor.type', 'TensorType'): _checked(TensorType)}
if GpuArrayType is not None:
    STAND_INS['theano.gpuarray.type', 'GpuArrayType'] = _checked(GpuArrayType, 'context_name')


def stand_in(module, name, found):
    """What the unpickler gives for the allowed global ``module.name``,
    which is ``found``."""
    return STAND_INS.get((module, name), found)


# -- saving ------------------------------------------------------------------------

class _Pickler(pickle.Pickler):

    def __init__(self, file, protocol):
        super().__init__(file, protocol)
        self.protocol = protocol

    def reducer_override(self, obj):
        if isinstance(obj, NeuralNet):
            return _reduced(obj, self.protocol, COMPILED_FUNCTIONS + ('_initialized',))
        if isinstance(obj, MRG_RandomStreams):
            # Each compilation appends its graph; no one reads them back.
            return _reduced(obj, self.protocol, (), state_updates=[])
        return NotImplemented


def _reduced(obj, protocol, dropped, **replaced):
    reduced = list(obj.__reduce_ex__(protocol))
    state = {k: v for k, v in reduced[2].items() if k not in dropped}
    state.update(replaced)
    reduced[2] = state
    return tuple(reduced)


def dump(models, f):
    """Pickle a net (or a dict of nets) to the open file ``f``, without
    compiled functions."""
    _Pickler(f, pickle.HIGHEST_PROTOCOL).dump(models)


# -- loading -----------------------------------------------------------------------

def finish(net):
    """Make ``net``, as the unpickler gave it with :data:`STAND_INS`, a
    working NeuralNet with its prediction function compiled (nolearn
    compiles the others when it trains); :class:`NotANet` if it is not one.

    Returns, where the file held a compiled training function (pickles of
    earlier releases, or of ``pickle.dump``), the values of the variables it
    updated beside the parameters (velocities, dropout's random streams), in
    its order, for training to continue with; else None.
    """
    if not isinstance(net, _LoadingNet):
        raise NotANet('holds a {}, not a nolearn NeuralNet'.format(type(net).__name__))
    net.__class__ = NeuralNet
    _check(net)
    training = net.__dict__.get('train_iter_')
    for name in COMPILED_FUNCTIONS:
        net.__dict__.pop(name, None)
    net._initialized = False
    for layer in net.layers_.values():
        if isinstance(getattr(layer, '_srng', None), MRG_RandomStreams):
            layer._srng.state_updates = []
    net.predict_iter_ = _predict_function(net)
    if not isinstance(training, Compiled):
        return None
    params = {id(p) for p in net.get_all_params(trainable=True)}
    return [v.get_value() for v in _updated_by(training) if id(v) not in params]


def _check(net):
    for entry in net.__dict__.get('layers') or ():
        if isinstance(entry, (tuple, list)) and len(entry) == 2:
            # (class, {keywords}), or the tutorial's (name, class)
            factory = entry[0] if isinstance(entry[1], dict) else entry[1]
        else:
            factory = entry
        if not (isinstance(factory, Layer) or (isinstance(factory, type)
                                               and issubclass(factory, Layer))):
            raise NotANet('its layers name {!r}, not a Lasagne layer'.format(factory))
    outputs, layers = net.__dict__.get('_output_layers'), net.__dict__.get('layers_')
    if not (isinstance(outputs, list) and outputs and hasattr(layers, 'values')
            and all(isinstance(layer, Layer) for layer in list(layers.values()) + outputs)):
        raise NotANet('its layers were never built')
    for layer in layers.values():
        if isinstance(layer, InputLayer) and not (
                isinstance(layer.input_var, TensorVariable) and layer.input_var.owner is None
                and isinstance(layer.input_var.type, TensorType)):
            raise NotANet('its input layer {!r} has no input variable'.format(layer.name))
        for param in getattr(layer, 'params', None) or ():
            if not (isinstance(param, SharedVariable) and isinstance(param.type, PARAMETER_TYPES)):
                raise NotANet('its layer {!r} has a parameter that is a {}'.format(
                    layer.name, type(param).__name__))
    if not isinstance(net.__dict__.get('y_tensor_type'), (TensorType, type(None))):
        raise NotANet('its target type is a {}'.format(type(net.y_tensor_type).__name__))


def _updated_by(function):
    """The shared variables a compiled function (as :class:`Compiled`)
    reads or updates, in the order of Theano's ``Function.get_shared``."""
    maker = function.args[0] if function.args else None
    inputs = maker.state.get('inputs', ()) if isinstance(getattr(maker, 'state', None),
                                                           dict) else ()
    return [part.state['variable'] for part in inputs
            if isinstance(part, Compiled) and isinstance(part.state, dict)
            and part.state.get('implicit')
            and isinstance(part.state.get('variable'), SharedVariable)]


def _predict_function(net):
    """nolearn's ``predict_iter_``, compiled as ``NeuralNet._create_iter_funcs``
    compiles it."""
    inputs = [theano.In(layer.input_var, name=layer.name)
              for layer in net.layers_.values() if isinstance(layer, InputLayer)]
    return theano.function(inputs=inputs,
                           outputs=get_output(net._output_layers, None, deterministic=True),
                           allow_input_downcast=True, on_unused_input='ignore')
