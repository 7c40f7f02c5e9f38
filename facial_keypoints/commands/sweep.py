"""Sweeps over one parameter of a named net (the W207 experiments)."""
import inspect
import os

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from tabulate import tabulate

from ..base.atomic import atomic_write
from ..base.errors import UsageError
from ..longrun import checkpoints, cluster, pauses
from ..longrun.train import default_work_dir, request
from ..longrun.units import Unit
from ..model.registry import get_net
from ..model.settings import SWEEP_EPOCHS, SWEEP_OUT, RunControl
from ..tutorial.plots import save_figure
from ..w207.preprocessing import PREPROCESSORS


def parse_value(text):
    """'500' -> 500, '0.3' -> 0.3, 'none' -> None, else the text."""
    for kind in (int, float):
        try:
            return kind(text)
        except (TypeError, ValueError):
            pass
    return None if str(text).lower() == 'none' else text


def check_param(net, param, values):
    """Raise UsageError unless ``param`` is a parameter ``net`` has and
    each value is of the kind its current value is."""
    if param == 'preprocess':
        unknown = [v for v in values if v is not None and v not in PREPROCESSORS]
        if unknown:
            raise UsageError('preprocess: unknown value {!r}; choose from none, {}'.format(
                unknown[0], ', '.join(PREPROCESSORS)))
        return
    params = net.get_params(deep=False)
    if param not in set(params) - {'layers'}:
        layer_classes = dict((name, cls) for name, cls in net.layers)
        layer = next((name for name in layer_classes if param.startswith(name + '_')), None)
        argument = param[len(layer) + 1:] if layer else None
        if layer is None or argument not in _arguments(layer_classes[layer]):
            raise UsageError('{}: not a parameter of this net; its layers are {}, and a '
                             'layer parameter is LAYER_ARGUMENT, e.g. {}_num_units'.format(
                                 param, ', '.join(layer_classes), list(layer_classes)[-2]))
    current = params.get(param) if param in set(params) else None
    if isinstance(current, (int, float, tuple)) and not isinstance(current, bool):
        bad = [v for v in values if not isinstance(v, (int, float))]
        if bad:
            raise UsageError('{}: {!r} is not a number'.format(param, bad[0]))


def _arguments(layer_class):
    names = set()
    for cls in inspect.getmro(layer_class):
        if '__init__' in vars(cls):
            names |= set(inspect.signature(cls.__init__).parameters)
    return names - {'self', 'incoming', 'incomings', 'kwargs'}


def parameter_value(param, value):
    """``value`` as ``param`` takes it: a filter size ``n`` is ``(n, n)``."""
    if param.endswith('_filter_size') and isinstance(value, int):
        return (value, value)
    return value


def sweep_settings(name, param, value, **options):
    """The settings of the sweep's run of ``name`` with ``param`` at ``value``
    (``param='preprocess'``: the image preprocessing, None for none), and
    the ``options`` given (None: not given)."""
    settings = request(net=name, **options).settings
    if param == 'preprocess':
        return settings.replace(preprocess=value)
    return settings.replace(params=((param, parameter_value(param, value)),))


def sweep(name, param, values, max_epochs=SWEEP_EPOCHS, out=SWEEP_OUT, seed=None,
          control=RunControl()):
    """Train ``name`` once per value of ``param``; print a table of value,
    final train and valid loss and seconds per epoch, write each file of
    ``out`` by its extension (the table as ``.csv``, the losses plotted as
    ``.png``, ``.pdf`` or ``.svg``), and return the table's rows.

    ``param='preprocess'`` sweeps the loader's image preprocessing instead.
    Each value's net is a unit of work kept in ``control.work_dir``
    (default: the first of ``out`` with ``.checkpoints``) until the table is
    made, so that running the same sweep again after a stop continues it
    (``control.restart`` starts over); with ``control.cluster`` (a
    :class:`~facial_keypoints.longrun.cluster.Spec`) the values train side by side
    on a cluster's workers.
    """
    out = (out,) if isinstance(out, str) else tuple(out)
    for path in out:
        _writer(path)
    check_param(get_net(name), param, values)
    work = checkpoints.WorkDir(control.work_dir or default_work_dir(out[0] if out else 'sweep'),
                               control.restart)
    units = [Unit('{}={}'.format(param, value),
                  sweep_settings(name, param, value, max_epochs=max_epochs, seed=seed),
                  quietly=True)
             for value in values]
    with pauses.pausable(), cluster.runner(control.cluster) as runner:
        trained = runner.run(units, work, control)
    rows = []
    for value, unit in zip(values, units):
        history = trained[unit.key].train_history_
        rows.append([value, history[-1]['train_loss'], history[-1]['valid_loss'],
                     float(np.mean([h['dur'] for h in history]))])
    print(tabulate(rows, headers=[param] + COLUMNS, floatfmt=('', '.6f', '.6f', '.2f')))
    for path in out:
        _writer(path)(name, param, rows, path)
    work.remove()
    return rows


#: The table's columns after the swept parameter's.
COLUMNS = ['train loss', 'valid loss', 's/epoch']


def _writer(path):
    """How ``sweep`` writes ``path``, by its extension."""
    extension = os.path.splitext(path)[1].lower()
    if extension == '.csv':
        return write_sweep_table
    if extension in ('.png', '.pdf', '.svg'):
        return plot_sweep
    raise UsageError('`out` {}: name the table .csv or the figure .png, .pdf or '
                     '.svg'.format(path))


def write_sweep_table(name, param, rows, out):
    """The sweep's table as CSV: the parameter's value, the final losses,
    seconds per epoch."""
    with atomic_write(out, 'w', newline='') as f:
        pd.DataFrame(rows, columns=[param] + COLUMNS).to_csv(f, index=False)
    return out


def plot_sweep(name, param, rows, out):
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
    return save_figure(fig, out)
