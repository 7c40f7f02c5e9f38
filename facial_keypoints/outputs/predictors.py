"""A trained net, the specialists or an ONNX model as one function: grey
96x96 images in, the 30 keypoints in pixels out."""
import os

import numpy as np

from ..base.errors import CheckpointError, UserError
from ..kaggle.format import KEYPOINT_COLUMNS, to_pixels


def _theano(models):
    from ..model.inputs import preprocessing_of, takes_images
    from .prediction import as_specialists
    from ..w207.preprocessing import preprocess

    def predict(images):
        out = np.full((len(images), len(KEYPOINT_COLUMNS)), np.nan, np.float32)
        for columns, net in as_specialists(models).items():
            X = images if takes_images(net) else images.reshape(len(images), -1)
            values = to_pixels(net.predict(preprocess(X, preprocessing_of(net))))
            for column, value in zip(columns, values.T):
                out[:, KEYPOINT_COLUMNS.index(column)] = value
        return out
    return predict


def _onnx(fname):
    from ..w207.preprocessing import preprocess
    try:
        import onnxruntime
    except ImportError:
        raise UserError("{}: an ONNX model needs onnxruntime: pip install "
                        "'facial-keypoints[onnx]'".format(fname)) from None
    try:
        session = onnxruntime.InferenceSession(fname, providers=['CPUExecutionProvider'])
    except Exception as e:  # onnxruntime raises its own classes, one per failure
        raise CheckpointError(fname, 'not a readable ONNX model ({})'.format(
            str(e).splitlines()[0][:200])) from None
    method = session.get_modelmeta().custom_metadata_map.get('preprocess') or None
    name = session.get_inputs()[0].name

    def predict(images):
        X = preprocess(images.astype(np.float32), method)
        return session.run(None, {name: X})[0]
    return predict


def predictor(net):
    """``net`` as a function of images (n, 1, 96, 96) in [0, 1] that returns
    their keypoints (n, 30) in pixels of the 96x96 image, in Kaggle's columns.

    Parameters
    ----------
    net : str, NeuralNet or dict
        A file (a pickle or ``.npz`` of a net or the specialists, or an
        ``.onnx`` model of ``kfkd export --format onnx``), or a trained net
        or specialists dict.
    """
    if not isinstance(net, str):
        return _theano(net)
    if os.path.splitext(net)[1].lower() == '.onnx':
        return _onnx(net)
    from ..model.persist import load_net
    return _theano(load_net(net))
