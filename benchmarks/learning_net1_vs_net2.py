"""Does the convnet learn? net1 against net2 on one data set, as in the tutorial.

    python benchmarks/learning_net1_vs_net2.py [--data-dir DIR]
        [--net1-epochs 400] [--net2-epochs 100] [--report 10 25 50 100 200]

Trains the tutorial's net1 and net2, unchanged and seeded as ``kfkd fit``
seeds them (42), on the complete rows of DIR (default: the embedded
synthetic set) and prints each one's valid loss at a few epochs and at the
end, with the RMSE in pixels, beside the mean-face baseline: predicting the
training rows' mean shape for every validation row. All figures use
nolearn's split (TrainSplit(0.2): the first 20% of the shuffled rows
validate). On the real Kaggle images net1 ends at 0.003255 after 400 epochs
and net2 is below that well before epoch 100. Prints figures only.
"""
import argparse
import contextlib
import io
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import facial_keypoints  # noqa: E402,F401
from facial_keypoints.model.inputs import load_for  # noqa: E402
from facial_keypoints.kaggle import datadir, synthetic  # noqa: E402
from facial_keypoints.kaggle.format import rmse_pixels  # noqa: E402
from facial_keypoints.model.registry import get_net  # noqa: E402
from facial_keypoints.tutorial.nets import quiet  # noqa: E402

TUTORIAL = {'net1': (400, 0.003255), 'net2': (1000, 0.001566)}


def rmse_px(loss):
    """Targets are scaled to [-1, 1] from 96 px: 48 px per unit."""
    return float(rmse_pixels(loss))


def load(net):
    with contextlib.redirect_stdout(io.StringIO()):  # load prints column counts
        return load_for(net)


def mean_face_baseline(y, eval_size=0.2):
    """MSE of the training rows' mean shape on nolearn's validation rows."""
    n_valid = len(y) - int(len(y) * (1 - eval_size) + 0.5)
    valid, train = y[:n_valid], y[n_valid:]
    return float(((valid - train.mean(axis=0)) ** 2).mean()), n_valid


def train(name, epochs, report):
    np.random.seed(42)  # what `kfkd fit` does before building the net
    net = quiet(get_net(name))
    net.max_epochs = epochs
    X, y = load(net)
    print('\n{}: {} epochs on {} rows'.format(name, epochs, len(X)))
    print('  epoch   train loss   valid loss   valid RMSE px')
    shown = set(report) | {epochs}

    def show(nn, history):
        # As it goes, so that a long run's log says how far it got.
        h = history[-1]
        if h['epoch'] in shown:
            print('  {:5d}   {:10.6f}   {:10.6f}   {:13.2f}'.format(
                h['epoch'], h['train_loss'], h['valid_loss'],
                rmse_px(h['valid_loss'])), flush=True)

    net.on_epoch_finished.append(show)
    start = time.perf_counter()
    net.fit(X, y)
    seconds = time.perf_counter() - start
    history = net.train_history_
    print('  {:.0f} s in all, {:.2f} s/epoch after the first'.format(
        seconds, np.median([h['dur'] for h in history[1:]] or [seconds])))
    best = min(h['valid_loss'] for h in history)
    print('  best valid loss {:.6f} ({:.2f} px)'.format(best, rmse_px(best)))
    return history[-1]['valid_loss'], y


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data-dir', help='Kaggle-format data (default: the '
                        'embedded synthetic set)')
    parser.add_argument('--net1-epochs', type=int, default=400)
    parser.add_argument('--net2-epochs', type=int, default=100)
    parser.add_argument('--report', type=int, nargs='+',
                        default=[1, 10, 25, 50, 100, 200])
    args = parser.parse_args(argv)
    datadir.set_data_dir(args.data_dir)
    directory = datadir.data_dir()
    datadir.data_file('training.csv')  # generates the default data set if needed
    print('Data: {} ({})'.format(directory, datadir.data_source()))
    marker = os.path.join(directory, synthetic.MARKER)
    if os.path.exists(marker):
        with open(marker) as f:
            made = json.load(f)
        print('Synthetic generator version {} (seed {}, {} + {} faces)'.format(
            made.get('version'), made.get('seed'), made.get('n_train'),
            made.get('n_test')))

    final = {}
    for name, epochs in (('net1', args.net1_epochs), ('net2', args.net2_epochs)):
        final[name], y = train(name, epochs, args.report)
    baseline, n_valid = mean_face_baseline(y)

    print('\nSummary (valid loss, valid RMSE px; {} validation rows)'.format(n_valid))
    print('  mean-face baseline      {:.6f}  {:5.2f}'.format(baseline, rmse_px(baseline)))
    for name, epochs in (('net1', args.net1_epochs), ('net2', args.net2_epochs)):
        print('  {} after {:4d} epochs  {:.6f}  {:5.2f}   ({:.0%} of the baseline)'.format(
            name, epochs, final[name], rmse_px(final[name]), final[name] / baseline))
    for name, (epochs, loss) in TUTORIAL.items():
        print('  tutorial {} ({} epochs, real images): {:.6f}  {:5.2f}'.format(
            name, epochs, loss, rmse_px(loss)))
    print('  net2/net1 valid loss ratio: {:.2f}'.format(final['net2'] / final['net1']))


if __name__ == '__main__':
    main()
