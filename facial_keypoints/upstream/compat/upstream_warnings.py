"""Warnings that upstream code gives when it is called correctly."""
import contextlib
import io
import logging
import warnings

#: Warnings that upstream code gives when we call it correctly: (message
#: pattern, category, module pattern). Lasagne 0.1 passes ``image_shape``
#: to ``conv2d``, which Theano 1.0 renamed; the result is the same.


UPSTREAM_WARNINGS = [
    (r'The `image_shape` keyword argument to `tensor.nnet.conv2d` is deprecated',
     UserWarning, r'lasagne\.'),
]


def quiet_upstream_warnings():
    """Filter the warnings of :data:`UPSTREAM_WARNINGS`: each is upstream
    talking to itself across versions, not about anything the user does, and
    they made the tutorial's log unreadable (8 copies in the demo). Not a
    :class:`Patch`: warning filters are process state that test runners and
    ``warnings.catch_warnings`` reset, so it is simply called again."""
    for message, category, module in UPSTREAM_WARNINGS:
        warnings.filterwarnings('ignore', message=message, category=category,
                                module=module)


@contextlib.contextmanager
def silenced():
    """A block in which upstream says nothing: neither nolearn's layer table,
    which it prints as a net initializes, nor :data:`UPSTREAM_WARNINGS`; for
    a command whose own output is a report."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        quiet_upstream_warnings()
        yield


@contextlib.contextmanager
def gpu_start_untold():
    """A block in which Theano does not log why its GPU back-end did not
    start: it logs a traceback of pygpu's (a dozen lines, when no driver is
    there) as it is imported, before a report that says the same in one
    line (the doctor's)."""
    logger = logging.getLogger('theano.gpuarray')
    disabled, logger.disabled = logger.disabled, True
    try:
        yield
    finally:
        logger.disabled = disabled
