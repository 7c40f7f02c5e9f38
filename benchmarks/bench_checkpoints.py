"""What checkpoints cost: seconds per checkpoint, its share of the training
time at the default interval and at every epoch, and its size on disk.

    python benchmarks/bench_checkpoints.py [--nets net1 net6 specialist] [--epochs 3]

For each net, in one process on the same data (the embedded synthetic set
unless --data-dir names the Kaggle files): seconds per epoch (median, the
first epoch excluded), seconds per checkpoint (median of --writes writes of
the whole checkpoint: state capture, the .npz, its fsync and rename), and
the checkpoint's size. 'specialist' is the tutorial's specialist for the eye
centres: a copy of its final ``net`` (net8's layers, 1000 hidden units) with
four outputs. The share at the default interval is one checkpoint per
``ceil(DEFAULT_SECONDS / epoch)`` epochs.
"""
import argparse
import contextlib
import io
import math
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402

import facial_keypoints  # noqa: E402,F401
from facial_keypoints.longrun import checkpoints, train  # noqa: E402
from facial_keypoints.model import registry, state  # noqa: E402
from facial_keypoints.kaggle import datadir  # noqa: E402
from facial_keypoints.model.settings import RunSettings  # noqa: E402
from facial_keypoints.tutorial.nets import quiet  # noqa: E402
from facial_keypoints.tutorial.specialists import SPECIALIST_SETTINGS  # noqa: E402

SPECIALIST = 'specialist'


def settings_for(name, epochs):
    if name == SPECIALIST:
        return RunSettings(net='net', data=datadir.source_in_use(), max_epochs=epochs,
                           columns=SPECIALIST_SETTINGS[0]['columns'])
    return train.request(net=name, max_epochs=epochs).settings


def measure(name, epochs, writes, directory):
    settings = settings_for(name, epochs)
    np.random.seed(settings.unit_seed())
    net = quiet(registry.net_for(settings))
    if settings.columns:
        net.output_num_units = len(settings.columns)
        net.batch_iterator_train.flip_indices = SPECIALIST_SETTINGS[0]['flip_indices']
    with contextlib.redirect_stdout(io.StringIO()):
        X, y = train.training_data(settings)
    net.fit(X, y)
    epoch = statistics.median(h['dur'] for h in net.train_history_[1:])
    data = state.TrainingData(net, X, y)
    path = os.path.join(directory, name + checkpoints.SUFFIX)
    seconds = []
    for _ in range(writes):
        start = time.perf_counter()
        checkpoints.write(net, path, data)
        seconds.append(time.perf_counter() - start)
    write = statistics.median(seconds)
    every = max(1, math.ceil(checkpoints.DEFAULT_SECONDS / epoch))
    return dict(net=name, rows=len(X), epoch=epoch, write=write, every=every,
                share_default=write / (every * epoch), share_every=write / epoch,
                megabytes=os.path.getsize(path) / 2 ** 20)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--nets', nargs='+', default=['net1', 'net6', SPECIALIST])
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--writes', type=int, default=5)
    parser.add_argument('--data-dir')
    args = parser.parse_args(argv)
    if args.data_dir:
        datadir.set_data_dir(args.data_dir)
    for name in args.nets:
        if name != SPECIALIST:
            registry.definition(name)
    print('data: {} ({}); default interval {:.0f} s'.format(
        datadir.source_in_use(), datadir.data_dir(), checkpoints.DEFAULT_SECONDS))
    rows = []
    with tempfile.TemporaryDirectory(dir='.') as directory:
        for name in args.nets:
            np.random.seed(42)
            rows.append(measure(name, args.epochs, args.writes, directory))
    header = ('net', 'rows', 's/epoch', 's/checkpoint', 'epochs between',
              'share (default)', 'share (every epoch)', 'MB')
    print('| ' + ' | '.join(header) + ' |')
    print('|' + ' --- |' * len(header))
    for r in rows:
        print('| {net} | {rows} | {epoch:.3f} | {write:.3f} | {every} | {share_default:.2%} '
              '| {share_every:.1%} | {megabytes:.1f} |'.format(**r))


if __name__ == '__main__':
    main()
