"""The C code of our ops lives in facial_keypoints/upstream/c_code/: each
file is used by an op that compiles and runs, and editing a file changes
its ops' compile cache version."""
import os

import numpy as np
import pytest
import theano
import theano.tensor as T
from theano.sandbox.rng_mrg import MRG_RandomStreams
from theano.tensor.nnet import conv2d

from facial_keypoints.upstream import c_sources, fast_conv, fast_cpu, fast_gemm

pytestmark = pytest.mark.skipif(not fast_conv.available(),
                                reason="Theano's BLAS is not OpenBLAS")

USERS = {fast_conv.FastCorr: fast_conv.C_FILES, fast_gemm.ParallelDot22: fast_gemm.C_FILES,
         fast_cpu.MRGUniform: fast_cpu.MRGUniform.C_FILES}


def compiled(op_type):
    """A function whose graph has ``op_type``, and its inputs."""
    if op_type is fast_conv.FastCorr:
        x, w = T.tensor4('x'), T.tensor4('w')
        return theano.function([x, w], conv2d(x, w)), (
            np.ones((2, 1, 9, 9), 'float32'), np.ones((3, 1, 3, 3), 'float32'))
    if op_type is fast_gemm.ParallelDot22:
        x, y = T.matrix('x'), T.matrix('y')
        return theano.function([x, y], T.dot(x, y)), (
            np.ones((300, 400), 'float32'), np.ones((400, 500), 'float32'))
    numbers = MRG_RandomStreams(5).uniform((128, 1024))
    return theano.function([], numbers), ()


#: The ops whose files test_fast_cpu.py compiles and runs.
POOLING = (fast_cpu.NonOverlappingMaxPool, fast_cpu.NonOverlappingMaxPoolGrad,
           fast_cpu.RectifiedMaxPool, fast_cpu.RectifiedMaxPoolGrad)


def test_every_file_is_some_ops_code():
    used = set(name for names in USERS.values() for name in names)
    used.update(name for op in POOLING for name in op.C_FILES)
    used.add(fast_cpu.ChannelSum.C_FILE)
    assert used == set(os.listdir(c_sources.DIRECTORY))


@pytest.mark.parametrize('op_type', list(USERS), ids=lambda t: t.__name__)
def test_each_file_compiles_in_its_op(op_type):
    function, inputs = compiled(op_type)
    assert op_type in {type(node.op) for node in function.maker.fgraph.toposort()}
    result = function(*inputs)
    assert np.isfinite(result).all() and result.any()


def test_a_files_contents_make_its_ops_version(tmp_path, monkeypatch):
    op = fast_gemm.ParallelDot22()
    before = op.c_code_cache_version()
    for name in fast_gemm.C_FILES:
        text = open(os.path.join(c_sources.DIRECTORY, name)).read()
        (tmp_path / name).write_text(text + ('\n/* edited */\n' if name.endswith('.c') else ''))
    monkeypatch.setattr(c_sources, 'DIRECTORY', str(tmp_path))
    c_sources._text.cache_clear()
    try:
        assert op.c_code_cache_version() != before
        assert '/* edited */' in op.c_support_code()
    finally:
        monkeypatch.undo()
        c_sources._text.cache_clear()
    assert op.c_code_cache_version() == before
