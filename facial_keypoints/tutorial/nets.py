"""The tutorial's nets, net1 to net8, and ``net``, the one its script trains.

Each module-level net is built by a function of the same name with the
``make_`` prefix, which returns a fresh, untrained net (independent
callbacks and shared variables) each time it is called; net1 is the
tutorial's code as written, the convnets share :func:`convnet`. The
module-level nets are built when first asked for, once each.
"""
from lasagne import layers
from lasagne.updates import nesterov_momentum
from nolearn.lasagne import BatchIterator, NeuralNet, PrintLayerInfo, PrintLog

from .callbacks import EarlyStopping, learning_schedule
from .iterators import FlipBatchIterator

CONV_LAYERS = [
    ('input', layers.InputLayer),
    ('conv1', layers.Conv2DLayer),
    ('pool1', layers.MaxPool2DLayer),
    ('conv2', layers.Conv2DLayer),
    ('pool2', layers.MaxPool2DLayer),
    ('conv3', layers.Conv2DLayer),
    ('pool3', layers.MaxPool2DLayer),
    ('hidden4', layers.DenseLayer),
    ('hidden5', layers.DenseLayer),
    ('output', layers.DenseLayer),
    ]

DROPOUT_LAYERS = [
    ('input', layers.InputLayer),
    ('conv1', layers.Conv2DLayer),
    ('pool1', layers.MaxPool2DLayer),
    ('dropout1', layers.DropoutLayer),
    ('conv2', layers.Conv2DLayer),
    ('pool2', layers.MaxPool2DLayer),
    ('dropout2', layers.DropoutLayer),
    ('conv3', layers.Conv2DLayer),
    ('pool3', layers.MaxPool2DLayer),
    ('dropout3', layers.DropoutLayer),
    ('hidden4', layers.DenseLayer),
    ('dropout4', layers.DropoutLayer),
    ('hidden5', layers.DenseLayer),
    ('output', layers.DenseLayer),
    ]

CONV_PARAMS = dict(
    input_shape=(None, 1, 96, 96),
    conv1_num_filters=32, conv1_filter_size=(3, 3), pool1_pool_size=(2, 2),
    conv2_num_filters=64, conv2_filter_size=(2, 2), pool2_pool_size=(2, 2),
    conv3_num_filters=128, conv3_filter_size=(2, 2), pool3_pool_size=(2, 2),
    output_num_units=30, output_nonlinearity=None,
    )

DROPOUT_PARAMS = dict(dropout1_p=0.1, dropout2_p=0.2, dropout3_p=0.3,
                      dropout4_p=0.5)

HIDDEN_500 = dict(hidden4_num_units=500, hidden5_num_units=500)
HIDDEN_1000 = dict(hidden4_num_units=1000, hidden5_num_units=1000)


def make_net1():
    """One hidden layer of 100 units on the flattened 96x96 image."""
    return NeuralNet(
        layers=[  # three layers: one hidden layer
            ('input', layers.InputLayer),
            ('hidden', layers.DenseLayer),
            ('output', layers.DenseLayer),
            ],
        # layer parameters:
        input_shape=(None, 9216),  # 96x96 input pixels per batch
        hidden_num_units=100,  # number of units in hidden layer
        output_nonlinearity=None,  # output layer uses identity function
        output_num_units=30,  # 30 target values

        # optimization method:
        update=nesterov_momentum,
        update_learning_rate=0.01,
        update_momentum=0.9,

        regression=True,  # flag to indicate we're dealing with regression problem
        max_epochs=400,  # we want to train this many epochs
        verbose=1,
        )


def convnet(layers, max_epochs, schedule=True, flip=True, patience=None,
            **params):
    """A regression net on 96x96 images, as net2 to net8 define it.

    Parameters
    ----------
    layers : list of (name, layer class)
        The layers, in nolearn's form; ``params`` holds each layer's
        parameters prefixed by its name (``conv1_num_filters=32``).
    max_epochs : int
        Epochs to train.
    schedule : bool
        The learning rate and momentum schedule of net4 onwards; without it,
        net2's fixed learning rate 0.01 and momentum 0.9.
    flip : bool
        Flip half of each training batch (net3 onwards), else plain batches
        of 128.
    patience : int or None
        Early stopping after this many epochs without improvement (net8).
    """
    if schedule:
        params.update(learning_schedule())
    else:
        params.update(update_learning_rate=0.01, update_momentum=0.9)
    if patience:
        params['on_epoch_finished'].append(EarlyStopping(patience=patience))
    iterator = FlipBatchIterator if flip else BatchIterator
    return NeuralNet(
        layers=layers,
        regression=True,
        batch_iterator_train=iterator(batch_size=128),
        max_epochs=max_epochs,
        verbose=1,
        **params)


def make_net2():
    """Three conv/pool stages and two hidden layers of 500."""
    return convnet(CONV_LAYERS, 1000, schedule=False, flip=False,
                   **HIDDEN_500, **CONV_PARAMS)


def make_net3():
    """net2 with horizontally flipped training images."""
    return convnet(CONV_LAYERS, 3000, schedule=False, **HIDDEN_500, **CONV_PARAMS)


def make_net4():
    """net2 with the learning-rate and momentum schedule."""
    return convnet(CONV_LAYERS, 1000, flip=False, **HIDDEN_500, **CONV_PARAMS)


def make_net5():
    """net4 with flipping."""
    return convnet(CONV_LAYERS, 2000, **HIDDEN_500, **CONV_PARAMS)


def make_net6():
    """net5 with dropout after each pooling stage and the first hidden layer."""
    return convnet(DROPOUT_LAYERS, 3000, **HIDDEN_500, **CONV_PARAMS,
                   **DROPOUT_PARAMS)


def make_net7():
    """net6 with hidden layers of 1000 units, trained longer."""
    return convnet(DROPOUT_LAYERS, 10000, **HIDDEN_1000, **CONV_PARAMS,
                   **DROPOUT_PARAMS)


def make_net8(max_epochs=10000):
    """net7 with early stopping after 200 epochs without improvement."""
    return convnet(DROPOUT_LAYERS, max_epochs, patience=200, **HIDDEN_1000,
                   **CONV_PARAMS, **DROPOUT_PARAMS)


def make_net():
    """The tutorial script's final net: net8 with ``max_epochs=3000``, the
    net that ``fit`` trains by default and ``fit_specialists`` clones."""
    return make_net8(max_epochs=3000)


def quiet(net):
    """Stop ``net`` printing its layer table and epoch log: nolearn adds its
    print handlers in ``__init__`` when ``verbose``, so setting ``verbose``
    later is not enough."""
    net.verbose = 0
    net.on_epoch_finished = [h for h in net.on_epoch_finished
                             if not isinstance(h, PrintLog)]
    net.on_training_started = [h for h in net.on_training_started
                               if not isinstance(h, PrintLayerInfo)]
    return net


def input_shape(net):
    """The shape of a net's input, from ``input_shape`` or its InputLayer."""
    first = net.layers[0]
    if isinstance(first, tuple) and isinstance(first[1], dict) and 'shape' in first[1]:
        return first[1]['shape']
    return net.input_shape


def input_is_2d(net):
    """True when ``net`` takes images (n, 1, 96, 96), i.e. needs ``load2d``."""
    return len(input_shape(net)) == 4


#: The tutorial's nets by name, in its order.
MAKERS = {
    'net1': make_net1, 'net2': make_net2, 'net3': make_net3,
    'net4': make_net4, 'net5': make_net5, 'net6': make_net6,
    'net7': make_net7, 'net8': make_net8, 'net': make_net,
    }

#: The nets that take flat rows of 9216 pixels (``load``); the others take
#: images (``load2d``).
FLAT_INPUT = ('net1',)

_built = {}


def __getattr__(name):
    return module_level_net(name, MAKERS, _built, __name__)


def module_level_net(name, makers, built, module):
    """The net ``name`` of ``makers``, built at its first use and kept in
    ``built``: a module's ``__getattr__`` for its module-level nets."""
    if name not in makers:
        raise AttributeError('module {!r} has no attribute {!r}'.format(module, name))
    if name not in built:
        built[name] = makers[name]()
    return built[name]
