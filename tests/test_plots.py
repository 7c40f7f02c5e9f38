"""The learning-curve figures: curves inside their axes, a marker per epoch
for short runs, and a legend that does not cover the curves."""
from types import SimpleNamespace

import numpy as np
from matplotlib.figure import Figure

from facial_keypoints.kaggle.format import HALF
from facial_keypoints.tutorial import plots
from facial_keypoints.tutorial.plots import plot_sample



def specialist(rmse_px, epochs, outputs=2):
    """A stand-in trained net whose losses give ``rmse_px`` pixels."""
    losses = np.linspace(rmse_px[0], rmse_px[1], epochs) ** 2 / HALF ** 2
    history = [{'epoch': i + 1, 'train_loss': loss * 0.8, 'valid_loss': loss}
               for i, loss in enumerate(losses)]
    return SimpleNamespace(train_history_=history, output_num_units=outputs)


def legend_beside_axes(fig):
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent()
    return legend.x0 >= ax.get_window_extent().x1


def test_curves_that_fit_keep_the_tutorials_axis_and_legend():
    models = {('a_x', 'a_y'): specialist((3.5, 1.5), 200),
              ('b_x', 'b_y'): specialist((3.8, 2.0), 150)}
    fig = plots.plot_learning_curves(models)
    ax = fig.axes[0]
    assert ax.get_ylim() == plots.RMSE_LIMITS
    assert 'widened' not in ax.get_title()
    assert not legend_beside_axes(fig)
    assert all(line.get_marker() in (None, 'None') for line in ax.get_lines())


def test_curves_outside_the_axis_widen_it_and_say_so():
    models = {('a_x', 'a_y'): specialist((9.0, 6.0), 3),
              ('b_x', 'b_y'): specialist((2.0, 1.5), 3)}
    fig = plots.plot_learning_curves(models)
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    for line in ax.get_lines():
        values = line.get_ydata()
        assert low <= values.min() and values.max() <= high
    assert 'axis widened from 1-4 px' in ax.get_title()
    assert legend_beside_axes(fig)


def test_short_runs_get_a_marker_per_epoch():
    fig = plots.plot_learning_curves({('a_x', 'a_y'): specialist((5.0, 5.0), 1)})
    assert fig.axes[0].get_lines()[0].get_marker() == 'o'
    history = specialist((5.0, 4.0), 3).train_history_
    lines = plots.learning_curve_figure(history).axes[0].get_lines()
    assert [line.get_marker() for line in lines[:2]] == ['o', 'o']
    assert list(lines[0].get_xdata()) == [1, 2, 3]


def test_plot_sample_without_keypoints():
    ax = Figure().add_subplot(1, 1, 1)
    plot_sample(np.zeros(9216, np.float32), None, ax)
    assert len(ax.images) == 1 and not ax.collections
    plot_sample(np.zeros(9216, np.float32), np.zeros(30, np.float32), ax)
    assert len(ax.collections) == 1
