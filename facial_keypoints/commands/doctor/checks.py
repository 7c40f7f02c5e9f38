"""The doctor's checks on the configured device: a compiled Theano
function, and one forward pass of the tutorial's net2."""
import numpy as np

from ...upstream.compat import silenced
from .report import first_line

def check_theano_function(report, on_gpu):
    """A compiled ``x * 2 + 1`` gives the right numbers on the device."""
    import theano
    import theano.tensor as T
    label = 'compiled Theano function (x * 2 + 1)'
    if not theano.config.cxx:
        report.check(label, 'Theano found no C++ compiler, so it would run '
                     'every op in slow Python', 'install g++')
        return
    try:
        x = T.vector('x')
        f = theano.function([x], x * 2 + 1)
        got = np.asarray(f(np.arange(4, dtype=theano.config.floatX)))
    except Exception as e:
        report.check(label, first_line(e), 'see Theano\'s message above; '
                     'clearing the compile directory can help '
                     '(theano-cache purge)')
        return
    if not np.allclose(got, [1, 3, 5, 7]):
        report.check(label, 'got {} instead of [1, 3, 5, 7]'.format(
            got.tolist()), 'the compiler or BLAS set-up is broken')
        return
    ops = [type(node.op).__module__ for node in f.maker.fgraph.toposort()]
    if on_gpu and not any(m.startswith('theano.gpuarray') for m in ops):
        report.check(label, 'it ran on the CPU, not the GPU',
                     'check that THEANO_FLAGS does not also set '
                     'init_gpu_device or contexts')
        return
    report.check(label)


def check_net2(report):
    """One forward pass of net2 on a random batch: shape and finiteness."""
    from ...model.registry import get_net
    label = 'net2 forward pass (batch of 2 96x96 images)'
    batch = np.random.RandomState(0).rand(2, 1, 96, 96).astype(np.float32)
    try:
        net = get_net('net2')
        with silenced():
            net.initialize()
            predicted = net.predict(batch)
    except Exception as e:
        report.check(label, first_line(e), 'run the Theano function check '
                     'first; if that passes, this is a bug in the project')
        return
    if predicted.shape != (2, 30):
        report.check(label, 'predictions have shape {}, not (2, 30)'.format(
            predicted.shape), 'this is a bug in the project')
    elif not np.isfinite(predicted).all():
        report.check(label, 'predictions are not all finite',
                     'try floatX=float32 and a fresh compile directory')
    else:
        report.check(label)
