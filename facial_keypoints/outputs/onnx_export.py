"""A trained net, or the specialists, as one ONNX model.

The model takes a batch of grey 96x96 images, shape (N, 1, 96, 96),
float32, pixels scaled to [0, 1] as ``load2d`` scales them, and returns
(N, 30) keypoints in **pixels** of the 96x96 image, in the columns of
Kaggle's ``training.csv`` (:data:`~facial_keypoints.kaggle.format.KEYPOINT_COLUMNS`).
Pixels, not the [-1, 1] of training, because they are what Kaggle's files
and every user of a keypoint mean by a position; the values are not
clipped to the image, as a submission's are, so that a point a net puts
outside the crop stays where it put it.

Nets that take flat rows (net1) get a Flatten first; dropout is gone, as at
inference. Lasagne's convolution flips its filters and ONNX's Conv does not,
so the filters are stored flipped. A net trained on preprocessed images
(the W207 variants' ``preprocess``) cannot carry the preprocessing in
ONNX: the caller preprocesses, and the model's metadata names it
(``preprocess``). The specialists become one model: each one's graph on the
shared input, their outputs placed in the 30 columns as ``predict`` places
them.
"""
import json

import numpy as np

from ..model import record
from ..base.errors import UserError
from ..kaggle.format import HALF, IMAGE_SIZE, KEYPOINT_COLUMNS

#: ONNX's operator set and file format version; onnxruntime 1.20 reads both.
OPSET, IR_VERSION = 13, 8
INPUT, OUTPUT = 'images', 'keypoints'


class NotExportable(UserError):
    """A net with a layer, or specialists with a make-up, that this export
    does not express in ONNX."""


def _onnx():
    try:
        import onnx
    except ImportError:
        raise UserError('the ONNX export needs the onnx package: pip install '
                        "'facial-keypoints[onnx]'") from None
    return onnx


class Graph(object):
    """The nodes and weights of a model as it is built; names are unique."""

    def __init__(self):
        self.nodes, self.initializers = [], []

    def weight(self, name, value, dtype=np.float32):
        from onnx import numpy_helper
        self.initializers.append(numpy_helper.from_array(
            np.ascontiguousarray(value, dtype=dtype), name))
        return name

    def node(self, op, inputs, output, **attributes):
        from onnx import helper
        self.nodes.append(helper.make_node(op, inputs, [output], name=output,
                                           **attributes))
        return output


def _nonlinearity(graph, layer, x, name):
    """``layer``'s nonlinearity applied to ``x``."""
    from lasagne import nonlinearities as nl
    f = getattr(layer, 'nonlinearity', None)
    if f is None or f is nl.identity or f is nl.linear:
        return x
    if f is nl.rectify:
        return graph.node('Relu', [x], name + '/relu')
    if f is nl.sigmoid:
        return graph.node('Sigmoid', [x], name + '/sigmoid')
    if f is nl.tanh:
        return graph.node('Tanh', [x], name + '/tanh')
    if isinstance(f, nl.LeakyRectify):
        return graph.node('LeakyRelu', [x], name + '/leaky', alpha=float(f.leakiness))
    raise NotExportable('layer {!r}: its nonlinearity {} has no ONNX export here'.format(
        name, getattr(f, '__name__', type(f).__name__)))


def _dense(graph, layer, x, name):
    W = graph.weight(name + '/W', layer.W.get_value())
    inputs = [x, W]
    if layer.b is not None:
        inputs.append(graph.weight(name + '/b', layer.b.get_value()))
    return _nonlinearity(graph, layer, graph.node('Gemm', inputs, name + '/gemm'), name)


def _conv(graph, layer, x, name):
    if not isinstance(layer.pad, tuple) or getattr(layer, 'untie_biases', False):
        raise NotExportable('layer {!r}: only convolutions with numeric padding and '
                         'shared biases have an ONNX export here'.format(name))
    # Lasagne's conv2d is a true convolution; ONNX's Conv a correlation.
    W = graph.weight(name + '/W', layer.W.get_value()[:, :, ::-1, ::-1])
    inputs = [x, W]
    if layer.b is not None:
        inputs.append(graph.weight(name + '/b', layer.b.get_value()))
    pads = [int(p) for p in layer.pad] * 2
    y = graph.node('Conv', inputs, name + '/conv', kernel_shape=list(layer.filter_size),
                   strides=list(layer.stride), pads=pads)
    return _nonlinearity(graph, layer, y, name)


def _pool(graph, layer, x, name):
    from lasagne.layers import MaxPool2DLayer
    if type(layer) is not MaxPool2DLayer or any(layer.pad):
        raise NotExportable('layer {!r}: only unpadded max pooling has an ONNX export '
                         'here'.format(name))
    # ignore_border=True drops the partial windows (ONNX's floor mode); False
    # keeps them (its ceil mode).
    return graph.node('MaxPool', [x], name + '/maxpool',
                      kernel_shape=list(layer.pool_size), strides=list(layer.stride),
                      ceil_mode=0 if layer.ignore_border else 1)


def _trunk(graph, net, x, prefix):
    """Add ``net``'s layers to ``graph`` on the (N, 1, 96, 96) input ``x``;
    return the name of its output, on the [-1, 1] scale."""
    from lasagne import layers as L
    flat = False
    previous = None
    for name, layer in net.layers_.items():
        where = prefix + name
        if previous is not None and getattr(layer, 'input_layer', None) is not previous:
            raise NotExportable('layer {!r}: not a chain of layers; only sequential nets '
                                'have an ONNX export here'.format(name))
        previous = layer
        if isinstance(layer, L.InputLayer):
            if len(layer.shape) == 2:  # flat rows (net1): the images flattened
                x, flat = graph.node('Flatten', [x], where + '/flatten', axis=1), True
        elif isinstance(layer, L.DropoutLayer):
            continue  # the identity at inference
        elif isinstance(layer, L.DenseLayer):
            if not flat:  # Lasagne's dense layer flattens its input
                x, flat = graph.node('Flatten', [x], where + '/flatten', axis=1), True
            x = _dense(graph, layer, x, where)
        elif isinstance(layer, L.Conv2DLayer) and not flat:
            x = _conv(graph, layer, x, where)
        elif isinstance(layer, L.MaxPool2DLayer) and not flat:
            x = _pool(graph, layer, x, where)
        else:
            raise NotExportable('layer {!r}: a {} has no ONNX export here'.format(
                name, type(layer).__name__))
    return x


def _as_specialists(models):
    if isinstance(models, dict):
        return list(models.items())
    return [(tuple(record.settings_of(models).columns or KEYPOINT_COLUMNS), models)]


def _column_order(columns):
    """The index, into the specialists' outputs side by side, of each of
    Kaggle's 30 columns."""
    missing = [c for c in KEYPOINT_COLUMNS if c not in columns]
    if missing or len(columns) != len(KEYPOINT_COLUMNS):
        raise NotExportable('the nets predict {} columns, not the 30 keypoints{}; only '
                         'nets that predict all 30 have an ONNX export here'.format(
                             len(columns), ' (none for {})'.format(missing[0])
                             if missing else ''))
    return [columns.index(c) for c in KEYPOINT_COLUMNS]


def to_onnx(models):
    """``models`` (a trained net, or the specialists' dict) as an ONNX model.

    Parameters
    ----------
    models : NeuralNet or dict
        A net (net1..net8, a W207 variant) or ``{columns: net}`` specialists
        that together predict the 30 keypoints.

    Returns
    -------
    onnx.ModelProto
        Checked by ``onnx.checker``; input ``images`` (N, 1, 96, 96) in
        [0, 1], output ``keypoints`` (N, 30) in pixels.
    """
    onnx = _onnx()
    from onnx import TensorProto, helper
    items = _as_specialists(models)
    preprocessing = {record.settings_of(net).preprocess for _, net in items}
    if len(preprocessing) > 1:
        raise NotExportable('the specialists were trained on differently preprocessed '
                         'images ({}); one model takes one kind'.format(
                             ', '.join(sorted(map(str, preprocessing)))))
    graph = Graph()
    outputs, columns = [], []
    for i, (cols, net) in enumerate(items):
        prefix = '' if len(items) == 1 else 'specialist{}/'.format(i + 1)
        outputs.append(_trunk(graph, net, INPUT, prefix))
        columns += list(cols)
    order = _column_order(columns)
    y = outputs[0] if len(outputs) == 1 else graph.node('Concat', outputs, 'concat', axis=1)
    if order != list(range(len(order))):
        index = graph.weight('column_order', order, dtype=np.int64)
        y = graph.node('Gather', [y, index], 'columns', axis=1)
    # [-1, 1] -> pixels, as to_pixels: y * 48 + 48
    half = graph.weight('half', np.array(HALF))
    graph.node('Add', [graph.node('Mul', [y, half], 'scaled'), half], OUTPUT)
    model = helper.make_model(
        helper.make_graph(
            graph.nodes, 'facial_keypoints',
            [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT,
                                           ['N', 1, IMAGE_SIZE, IMAGE_SIZE])],
            [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT,
                                           ['N', len(KEYPOINT_COLUMNS)])],
            graph.initializers),
        opset_imports=[helper.make_opsetid('', OPSET)], ir_version=IR_VERSION,
        producer_name='facial-keypoints',
        doc_string='Facial keypoints of grey 96x96 images scaled to [0, 1]; '
                   'output: the 30 keypoints in pixels, Kaggle\'s columns.')
    helper.set_model_props(model, metadata(items, preprocessing.pop()))
    onnx.checker.check_model(model, full_check=True)
    return model


def metadata(items, preprocess):
    """The model's metadata: its columns, its scale, the nets it holds and the
    preprocessing its caller must apply."""
    return {'columns': json.dumps(list(KEYPOINT_COLUMNS)),
            'input': 'grey 96x96 images, (N, 1, 96, 96), pixels / 255 as load2d',
            'output': 'pixels of the 96x96 image, not clipped',
            'nets': json.dumps([record.settings_of(net).net for _, net in items]),
            'preprocess': preprocess or ''}


def export_onnx(models, fname, source=None):
    """Write ``models`` (a net or the specialists) to ``fname`` as an ONNX
    model (:func:`to_onnx`), atomically; return ``fname``. ``source``, the
    file the nets came from, names them in an error."""
    from ..base.atomic import atomic_write
    try:
        model = to_onnx(models)
    except NotExportable as e:
        if source is None:
            raise
        raise NotExportable('{}: {}'.format(source, e)) from None
    with atomic_write(fname) as f:
        f.write(model.SerializeToString())
    return fname
