"""Sweeps over one parameter of a named net (the W207 experiments)."""
import numpy as np
from matplotlib.figure import Figure
from tabulate import tabulate

from .data import load, load2d
from .nets import get_net, input_is_2d, quiet
from .plotting import save_figure


def parse_value(text):
    """'500' -> 500, '0.3' -> 0.3, 'none' -> None, else the text."""
    for kind in (int, float):
        try:
            return kind(text)
        except (TypeError, ValueError):
            pass
    return None if str(text).lower() == 'none' else text


def configure(net, param, value):
    """Set ``param`` (any net or layer parameter, e.g. ``hidden_num_units``,
    ``conv1_filter_size``, ``dropout1_p``) to ``value`` on an unbuilt net."""
    if param.endswith('_filter_size') and isinstance(value, int):
        value = (value, value)
    net.set_params(**{param: value})
    return net


def sweep(name, param, values, max_epochs=10, fname='sweep.png'):
    """Train ``name`` once per value of ``param``; print a table of value,
    final train and valid loss and seconds per epoch, and plot the losses.

    ``param='preprocess'`` sweeps the loader's image preprocessing instead.
    """
    rows, data = [], {}
    for value in values:
        np.random.seed(42)
        net = quiet(get_net(name))
        net.max_epochs = max_epochs
        preprocess = value if param == 'preprocess' else None
        if param != 'preprocess':
            configure(net, param, value)
        key = (input_is_2d(net), preprocess)
        if key not in data:
            data[key] = (load2d if key[0] else load)(preprocess=preprocess)
        net.fit(*data[key])
        history = net.train_history_
        rows.append([value, history[-1]['train_loss'], history[-1]['valid_loss'],
                     float(np.mean([h['dur'] for h in history]))])
    print(tabulate(rows, headers=[param, 'train loss', 'valid loss', 's/epoch'],
                   floatfmt=('', '.6f', '.6f', '.2f')))
    if fname:
        plot_sweep(name, param, rows, fname)
    return rows


def plot_sweep(name, param, rows, fname):
    fig = Figure(figsize=(7, 4.5))
    ax = fig.add_subplot(1, 1, 1)
    labels = [str(r[0]) for r in rows]
    ax.plot(labels, [r[1] for r in rows], 'o--', label='train loss')
    ax.plot(labels, [r[2] for r in rows], 'o-', label='valid loss')
    ax.set_xlabel(param)
    ax.set_ylabel('final loss')
    ax.set_yscale('log')
    ax.set_title('{}: sweep of {}'.format(name, param))
    ax.grid()
    ax.legend()
    return save_figure(fig, fname)
