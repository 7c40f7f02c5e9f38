"""The W207 experiments: variants of net6 by a UC Berkeley MIDS team (2016).

All are net6-style unless stated: dropout 0.1/0.2/0.3 after each conv stage
and 0.5 after hidden4, hidden layers of 500, 30 linear outputs, net6's
learning schedule and flipping. Their printed layer shapes and parameter
counts are the specification (see tests/test_w207.py).
"""
from lasagne import layers

from ..tutorial.nets import convnet


def conv(name, num_filters, size, stride=1):
    params = {name + '_num_filters': num_filters, name + '_filter_size': (size, size)}
    if stride != 1:
        params[name + '_stride'] = (stride, stride)
    return [(name, layers.Conv2DLayer)], params


def pool(name, size, ignore_border=True):
    params = {name + '_pool_size': (size, size)}
    if not ignore_border:
        params[name + '_ignore_border'] = False
    return [(name, layers.MaxPool2DLayer)], params


def dropout(name, p):
    return [(name, layers.DropoutLayer)], {name + '_p': p}


def dense(name, num_units):
    return [(name, layers.DenseLayer)], {name + '_num_units': num_units}


def net6_style(trunk, hidden=('hidden4', 'hidden5'), max_epochs=3000):
    """A net6-style net on ``trunk``, a list of (layers, params) parts
    between the input and the hidden layers."""
    head = []
    if 'hidden4' in hidden:
        head += [dense('hidden4', 500), dropout('dropout4', 0.5)]
    if 'hidden5' in hidden:
        head += [dense('hidden5', 500)]
    net_layers = [('input', layers.InputLayer)]
    params = dict(input_shape=(None, 1, 96, 96))
    for part_layers, part_params in trunk + head:
        net_layers += part_layers
        params.update(part_params)
    net_layers.append(('output', layers.DenseLayer))
    return convnet(net_layers, max_epochs, output_num_units=30,
                   output_nonlinearity=None, **params)


def make_Net6LP():
    """Large pools. Their code says pools 4/6/8, their printed shapes imply
    4/4/8 with the last pool keeping the border (4x4 -> 1x1): shapes win."""
    return net6_style([
        conv('conv1', 32, 3), pool('pool1', 4), dropout('dropout1', 0.1),
        conv('conv2', 64, 2), pool('pool2', 4), dropout('dropout2', 0.2),
        conv('conv3', 128, 2), pool('pool3', 8, ignore_border=False),
        dropout('dropout3', 0.3)])


def make_Net6NP():
    """No pooling; 6/12/24 filters of 3x3, 2x2, 2x2."""
    return net6_style([
        conv('conv1', 6, 3), dropout('dropout1', 0.1),
        conv('conv2', 12, 2), dropout('dropout2', 0.2),
        conv('conv3', 24, 2), dropout('dropout3', 0.3)])


def make_Net6NPLF():
    """No pooling; 6/12/24 filters of 5x5."""
    return net6_style([
        conv('conv1', 6, 5), dropout('dropout1', 0.1),
        conv('conv2', 12, 5), dropout('dropout2', 0.2),
        conv('conv3', 24, 5), dropout('dropout3', 0.3)])


def replaced_pools(filters, sizes):
    """Each pool replaced by a 2x2 convolution of stride 2."""
    trunk = []
    for i, (n, size) in enumerate(zip(filters, sizes), 1):
        trunk += [conv('conv{}'.format(i), n, size),
                  conv('rp{}'.format(i), n, 2, stride=2),
                  dropout('dropout{}'.format(i), i / 10)]
    return trunk


def make_Net6RP():
    """Pools replaced by 2x2 stride-2 convolutions; 6/12/32 filters of 5x5."""
    return net6_style(replaced_pools((6, 12, 32), (5, 5, 5)))


def make_Net6RPXL():
    """As Net6RP with 32/64/128 filters of 5x5, 7x7, 9x9."""
    return net6_style(replaced_pools((32, 64, 128), (5, 7, 9)))


def no_pool_large_filters():
    return [conv('conv1', 6, 5), dropout('dropout1', 0.1),
            conv('conv2', 12, 7), dropout('dropout2', 0.2),
            conv('conv3', 36, 9), dropout('dropout3', 0.3)]


def make_CNet_NPLFXL():
    """Their final net: no pooling; 6/12/36 filters of 5x5, 7x7, 9x9; trained
    on histogram-equalised images (see PREPROCESS)."""
    return net6_style(no_pool_large_filters())


def make_Net6RHL():
    """CNet_NPLFXL without hidden4 and dropout4."""
    return net6_style(no_pool_large_filters(), hidden=('hidden5',))


def make_ConvNet_Stack():
    """Two stacked convolutions (32@2x2, 64@3x3) before the first pool, a
    128@2x2 stage, and one hidden layer of 500."""
    return net6_style([
        conv('conv1', 32, 2), conv('conv2', 64, 3), pool('pool2', 2),
        dropout('dropout2', 0.2),
        conv('conv3', 128, 2), pool('pool3', 2), dropout('dropout3', 0.3)],
        hidden=('hidden4',))


def make_ConvNet_Stack_Increase_Filter_Size():
    """ConvNet_Stack with conv1 3x3 and conv2 5x5."""
    return net6_style([
        conv('conv1', 32, 3), conv('conv2', 64, 5), pool('pool2', 2),
        dropout('dropout2', 0.2),
        conv('conv3', 128, 2), pool('pool3', 2), dropout('dropout3', 0.3)],
        hidden=('hidden4',))


MAKERS = {
    'Net6LP': make_Net6LP, 'Net6NP': make_Net6NP, 'Net6NPLF': make_Net6NPLF,
    'Net6RP': make_Net6RP, 'Net6RPXL': make_Net6RPXL,
    'CNet_NPLFXL': make_CNet_NPLFXL, 'Net6RHL': make_Net6RHL,
    'ConvNet_Stack': make_ConvNet_Stack,
    'ConvNet_Stack_Increase_Filter_Size': make_ConvNet_Stack_Increase_Filter_Size,
}

#: The preprocessing each variant was trained with (see :mod:`.preprocessing`).
PREPROCESS = {'CNet_NPLFXL': 'equalize_hist'}
