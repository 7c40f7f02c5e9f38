"""``export``: a trained net or the specialists as a pickle-free ``.npz``
(:func:`facial_keypoints.model.persist.export_npz`) or one ONNX model
(:mod:`facial_keypoints.outputs.onnx_export`)."""
import os

from ..base.errors import UsageError
from ..model.persist import export_npz, load_net


def export(net_file, format='npz', out=None):
    """Write the net or specialists of ``net_file`` as ``format`` ('npz' or
    'onnx') to ``out`` (default: ``net_file`` with that extension); return
    ``out``."""
    out = out or os.path.splitext(net_file)[0] + '.' + format
    if os.path.abspath(out) == os.path.abspath(net_file):
        raise UsageError('`out` {}: would overwrite the file being exported'.format(out))
    models = load_net(net_file)
    if format == 'onnx':
        from ..outputs.onnx_export import export_onnx  # (onnx: an extra)
        return export_onnx(models, out, source=net_file)
    return export_npz(models, out)
