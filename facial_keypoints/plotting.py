"""The tutorial's figures, written to PNG files.

Figures are made with matplotlib's object API (no pyplot, no display), so
they work headless; in a notebook, a returned Figure shows inline.
"""
import numpy as np
from matplotlib.figure import Figure

from .atomic import atomic_write


def save_figure(fig, fname, dpi=80):
    """Write ``fig`` to ``fname`` as PNG, atomically."""
    with atomic_write(fname) as f:
        fig.savefig(f, format='png', dpi=dpi)
    return fname


def plot_sample(x, y, axis):
    """Show image ``x`` on ``axis`` with keypoints ``y`` (scaled to [-1, 1])."""
    img = x.reshape(96, 96)
    axis.imshow(img, cmap='gray')
    axis.scatter(y[0::2] * 48 + 48, y[1::2] * 48 + 48, marker='x', s=10)


def plot_samples(X, y, fname=None, n=16):
    """A 4x4 grid of images with their keypoints, as in the tutorial."""
    fig = Figure(figsize=(6, 6))
    fig.subplots_adjust(left=0, right=1, bottom=0, top=1, hspace=0.05, wspace=0.05)
    for i in range(min(n, len(X))):
        ax = fig.add_subplot(4, 4, i + 1, xticks=[], yticks=[])
        plot_sample(X[i], y[i], ax)
    return save_figure(fig, fname) if fname else fig


def rmse(losses):
    """RMSE in pixels from mean squared errors of targets scaled by 1/48."""
    return np.sqrt(np.asarray(losses, dtype=float)) * 48


def rebin(a, newshape):
    """Resample ``a`` to ``newshape`` by nearest lower index."""
    assert len(a.shape) == len(newshape)

    slices = [slice(0, old, float(old) / new)
              for old, new in zip(a.shape, newshape)]
    coordinates = np.mgrid[slices]
    indices = coordinates.astype('i')  # choose the biggest smaller integer index
    return a[tuple(indices)][:newshape[0]]


def plot_net_learning_curve(net, fname=None, title=None):
    """Train and valid loss of one net by epoch, log scale (the tutorial's
    first figure)."""
    history = net.train_history_
    fig = Figure(figsize=(8, 5))
    ax = fig.add_subplot(1, 1, 1)
    ax.plot([h['train_loss'] for h in history], linewidth=3, label='train')
    ax.plot([h['valid_loss'] for h in history], linewidth=3, label='valid')
    ax.grid()
    ax.legend()
    ax.set_xlabel('epoch')
    ax.set_ylabel('loss')
    ax.set_yscale('log')
    if title:
        ax.set_title(title)
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

    for model_number, (cg, model) in enumerate(models.items(), 1):
        valid_loss = rmse([i['valid_loss'] for i in model.train_history_])
        train_loss = rmse([i['train_loss'] for i in model.train_history_])

        valid_loss = rebin(valid_loss, (100,))
        train_loss = rebin(train_loss, (100,))

        valid_losses.append(valid_loss)
        train_losses.append(train_loss)
        ax.plot(valid_loss,
                label='{} ({})'.format(cg[0], len(cg)), linewidth=3)
        ax.plot(train_loss,
                linestyle='--', linewidth=3, alpha=0.6)
        ax.set_xticks([])

    weights = np.array([m.output_num_units for m in models.values()],
                       dtype=float)
    weights /= weights.sum()
    mean_valid_loss = (
        np.vstack(valid_losses) * weights.reshape(-1, 1)).sum(axis=0)
    ax.plot(mean_valid_loss, color='r', label='mean', linewidth=4, alpha=0.8)

    ax.legend()
    ax.set_ylim((1.0, 4.0))
    ax.grid()
    ax.set_ylabel("RMSE")
    return save_figure(fig, fname) if fname else fig


def plot_conv1_weights(net, fname=None):
    """The first convolution layer's filters as small images."""
    W = net.layers_['conv1'].W.get_value()[:, 0]
    cols = int(np.ceil(np.sqrt(len(W))))
    fig = Figure(figsize=(6, 6))
    for i, w in enumerate(W):
        ax = fig.add_subplot(cols, cols, i + 1, xticks=[], yticks=[])
        ax.imshow(w, cmap='gray', interpolation='nearest')
    return save_figure(fig, fname) if fname else fig
