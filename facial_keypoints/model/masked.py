"""Training on every labelled keypoint: a mean squared error over the
targets a row has.

``load(all_rows=True)`` keeps the rows with missing keypoints, as NaN
targets. :func:`masked_squared_error` is the loss for them, and
:func:`use_masked_loss` gives it to any net (tutorial or W207) before it is
compiled.
"""
import theano
import theano.tensor as T


def masked_squared_error(predictions, targets):
    """The mean squared error over the present (non-NaN) targets: the sum of
    squared differences over present entries / their number (0 for none).

    A scalar, so nolearn's ``objective`` (which takes the mean of the loss)
    leaves it unchanged. Missing targets are replaced by 0 before the
    difference and the difference is then masked: no NaN reaches the
    gradient, whose entries for missing targets are exactly 0.
    """
    present = T.invert(T.isnan(targets))
    difference = T.switch(present, predictions - T.switch(present, targets, 0), 0)
    count = T.cast(T.sum(present), theano.config.floatX)
    return T.sum(T.sqr(difference)) / T.maximum(count, 1)


def use_masked_loss(net):
    """Make ``net`` train and validate with :func:`masked_squared_error`
    (nolearn compiles both losses from the same objective).

    A net already compiled with another loss (a pretrained specialist, a
    complete-rows net continued on all rows) is compiled again; its layers
    and weights are kept.
    """
    if uses_masked_loss(net):
        return net
    net.objective_loss_function = masked_squared_error
    if getattr(net, '_initialized', False):
        net._initialized = False  # nolearn compiles only once otherwise
        net.initialize()
    return net


def uses_masked_loss(net):
    """True when ``net`` trains with :func:`masked_squared_error`."""
    return getattr(net, 'objective_loss_function', None) is masked_squared_error
