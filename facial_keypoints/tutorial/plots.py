"""The tutorial's figures, written to PNG files.

Figures are made with matplotlib's object API (no pyplot, no display), so
they work headless; in a notebook, a returned Figure shows inline.
"""
import numpy as np
from matplotlib.figure import Figure

from ..base.atomic import atomic_write
from ..base.errors import UsageError
from ..kaggle.format import IMAGE_SIZE, rmse_pixels, to_pixels

#: The tutorial's RMSE axis (pixels) for the specialists' learning curves.
RMSE_LIMITS = (1.0, 4.0)
#: Below this many points a curve also gets markers, so one epoch shows.
MARKERS_BELOW = 30


def save_figure(fig, fname, dpi=80):
    """Write ``fig`` to ``fname`` as PNG, atomically."""
    with atomic_write(fname) as f:
        fig.savefig(f, format='png', dpi=dpi)
    return fname


def plot_sample(x, y, axis):
    """Show image ``x`` on ``axis`` with keypoints ``y`` (scaled to [-1, 1]),
    or the image alone when ``y`` is None."""
    img = x.reshape(IMAGE_SIZE, IMAGE_SIZE)
    axis.imshow(img, cmap='gray')
    if y is not None:
        axis.scatter(to_pixels(y[0::2]), to_pixels(y[1::2]), marker='x', s=10)


def plot_samples(X, y=None, fname=None, n=16):
    """A 4x4 grid of images with their keypoints, as in the tutorial."""
    fig = Figure(figsize=(6, 6))
    fig.subplots_adjust(left=0, right=1, bottom=0, top=1, hspace=0.05, wspace=0.05)
    for i in range(min(n, len(X))):
        ax = fig.add_subplot(4, 4, i + 1, xticks=[], yticks=[])
        plot_sample(X[i], None if y is None else y[i], ax)
    return save_figure(fig, fname) if fname else fig


def plot_weights(weights, fname=None):
    """The first 16 columns of a dense layer's weights on the 9216 pixels
    (net1's hidden layer: ``net1.layers_['hidden'].W.get_value()``), as
    96x96 images."""
    fig = Figure(figsize=(6, 6))
    fig.subplots_adjust(left=0, right=1, bottom=0, top=1, hspace=0.05, wspace=0.05)
    for i in range(min(16, weights.shape[1])):
        ax = fig.add_subplot(4, 4, i + 1, xticks=[], yticks=[])
        ax.imshow(weights[:, i].reshape(IMAGE_SIZE, IMAGE_SIZE), cmap='gray')
    return save_figure(fig, fname) if fname else fig


def rebin(a, newshape):
    """Resample ``a`` to ``newshape`` by nearest lower index."""
    assert len(a.shape) == len(newshape)

    slices = [slice(0, old, float(old) / new)
              for old, new in zip(a.shape, newshape)]
    coordinates = np.mgrid[slices]
    indices = coordinates.astype('i')  # choose the biggest smaller integer index
    return a[tuple(indices)][:newshape[0]]


def _limits_note(ax, curves, limits):
    """Keep ``limits`` when every curve fits in them, else widen the axis to
    the curves; return the words for the title saying so."""
    values = np.concatenate([np.ravel(c) for c in curves])
    values = values[np.isfinite(values)]
    if values.size == 0 or (values.min() >= limits[0] and values.max() <= limits[1]):
        ax.set_ylim(limits)
        return ''
    low, high = min(limits[0], values.min()), max(limits[1], values.max())
    ax.set_ylim((low * 0.95, high * 1.05))
    return ' (axis widened from {:g}-{:g} px to fit the curves)'.format(*limits)


def learning_curve_figure(history, title=None, reference=None):
    """Train and valid loss of one net by epoch, log scale (the tutorial's
    first figure); ``reference`` draws a published valid loss."""
    epochs = [h['epoch'] for h in history]
    marker = 'o' if len(history) < MARKERS_BELOW else None
    fig = Figure(figsize=(8, 5))
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(epochs, [h['train_loss'] for h in history], linewidth=3,
            marker=marker, label='train')
    ax.plot(epochs, [h['valid_loss'] for h in history], linewidth=3,
            marker=marker, label='valid')
    if reference is not None:
        ax.axhline(reference, color='r', linestyle=':',
                   label='published valid {:.6f}'.format(reference))
    ax.grid()
    ax.legend()
    ax.set_xlabel('epoch')
    ax.set_ylabel('loss')
    ax.set_yscale('log')
    if title:
        ax.set_title(title)
    return fig


def plot_net_learning_curve(net, fname=None, title=None, reference=None):
    """:func:`learning_curve_figure` of a trained net, written to ``fname``."""
    fig = learning_curve_figure(net.train_history_, title, reference)
    return save_figure(fig, fname) if fname else fig


def plot_learning_curves(models, fname=None):
    """Each specialist's valid (solid) and train (dashed) RMSE, rebinned to
    100 points, and the mean valid RMSE weighted by outputs in red."""
    fig = Figure(figsize=(10, 6))
    ax = fig.add_subplot(1, 1, 1)
    # The tutorial's ax.set_color_cycle was removed from matplotlib.
    ax.set_prop_cycle(color=['c', 'c', 'm', 'm', 'y', 'y', 'k', 'k', 'g', 'g',
                             'b', 'b'])

    valid_losses = []
    train_losses = []
    # Rebinning a run shorter than 100 epochs only repeats its points;
    # markers then show where each epoch is.
    marker = 'o' if min(len(m.train_history_) for m in models.values()) < MARKERS_BELOW \
        else None

    for cg, model in models.items():
        valid_loss = rmse_pixels([i['valid_loss'] for i in model.train_history_])
        train_loss = rmse_pixels([i['train_loss'] for i in model.train_history_])

        valid_loss = rebin(valid_loss, (100,))
        train_loss = rebin(train_loss, (100,))

        valid_losses.append(valid_loss)
        train_losses.append(train_loss)
        ax.plot(valid_loss, marker=marker, markevery=_markevery(model),
                label='{} ({})'.format(cg[0], len(cg)), linewidth=3)
        ax.plot(train_loss, marker=marker, markevery=_markevery(model),
                linestyle='--', linewidth=3, alpha=0.6)
        ax.set_xticks([])

    weights = np.array([m.output_num_units for m in models.values()],
                       dtype=float)
    weights /= weights.sum()
    mean_valid_loss = (
        np.vstack(valid_losses) * weights.reshape(-1, 1)).sum(axis=0)
    ax.plot(mean_valid_loss, color='r', label='mean', linewidth=4, alpha=0.8)

    note = _limits_note(ax, valid_losses + train_losses, RMSE_LIMITS)
    if note:
        # Curves that need a wider axis cover it; the legend goes beside it.
        fig.subplots_adjust(right=0.72)
        ax.legend(loc='upper left', bbox_to_anchor=(1.01, 1.0))
    else:
        ax.legend()
    ax.set_title('learning curves: RMSE in pixels by run progress' + note)
    ax.grid()
    ax.set_ylabel("RMSE")
    return save_figure(fig, fname) if fname else fig


def _markevery(model):
    """One marker per epoch on a curve rebinned to 100 points."""
    n = len(model.train_history_)
    return sorted({int(np.ceil(i * 100 / n)) for i in range(n)}) if n < 100 else None


def plot_conv1_weights(net, fname=None):
    """The first convolution layer's filters as small images."""
    if 'conv1' not in net.layers_:
        raise UsageError('the net has no layer conv1 (its layers: {}); give a '
                         'convnet'.format(', '.join(net.layers_)))
    W = net.layers_['conv1'].W.get_value()[:, 0]
    cols = int(np.ceil(np.sqrt(len(W))))
    fig = Figure(figsize=(6, 6))
    for i, w in enumerate(W):
        ax = fig.add_subplot(cols, cols, i + 1, xticks=[], yticks=[])
        ax.imshow(w, cmap='gray', interpolation='nearest')
    return save_figure(fig, fname) if fname else fig
