"""Units side by side on Dask workers against one after another: the wall
time of ``fit_specialists`` and ``evaluate --folds 4``, serial and with
``--workers 2``, and what each unit costs on a cluster besides training.

    python benchmarks/bench_workers.py [--pretrain net1] [--epochs 100] [--workers 2]

Each command runs as a user runs it (``python -m facial_keypoints.kfkd``,
a fresh process) in one scratch directory,
on the embedded synthetic set unless --data-dir names the Kaggle files:

1. ``fit PRETRAIN`` (one epoch), the net the specialists start from;
2. ``fit_specialists`` serial, with ``--workers 1`` and with ``--workers N``;
3. ``evaluate PRETRAIN --folds 4`` serial and with ``--workers N``.

Every cluster run must give the serial run's result to the bit (checked).
The overhead per unit is that of ``--workers 1`` (one worker with every
core, so training itself is as fast as serial): its wall time less the
serial run's, less the cluster's start-up and the compile cache's warm-up,
per unit. Those two are printed apart.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

READY = re.compile(r'^Dask scheduler .* ready in ([\d.]+) s', re.M)
WARM = re.compile(r'compile cache of \S+ warm: \d+ nets in ([\d.]+) s')


def kfkd(args, cwd, data_dir):
    """Run ``kfkd ARGS``; (wall seconds, output)."""
    argv = [sys.executable, '-m', 'facial_keypoints.kfkd'] + args
    if data_dir:
        argv += ['--data-dir', data_dir]
    began = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=dict(os.environ, PYTHONUNBUFFERED='1',
                                                   PYTHONPATH=ROOT))
    out = process.stdout.read()
    if process.wait() != 0:
        raise SystemExit('kfkd {} failed:\n{}'.format(' '.join(args), out[-2000:]))
    return time.perf_counter() - began, out


def same_specialists(a, b):
    from facial_keypoints.model import persist
    a, b = persist.load_net(a), persist.load_net(b)
    return list(a) == list(b) and all(
        np.array_equal(x, y) for key in a
        for layer, values in a[key].get_all_params_values().items()
        for x, y in zip(values, b[key].get_all_params_values()[layer]))


def same_table(a, b):
    with open(a) as f, open(b) as g:
        return f.read().split('\n', 1)[1] == g.read().split('\n', 1)[1]


def cluster_costs(out):
    """The seconds the cluster took to start and its compile cache to
    warm, as the command printed them."""
    return float(READY.search(out).group(1)), float(WARM.search(out).group(1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--pretrain', default='net1')
    parser.add_argument('--epochs', type=int, default=100,
                        help='epochs per specialist and per fold')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--data-dir')
    args = parser.parse_args(argv)
    import facial_keypoints  # noqa: F401
    from facial_keypoints.kaggle import datadir
    if args.data_dir:
        datadir.set_data_dir(args.data_dir)
    print('data: {} ({}); {} cores; {} epochs per unit; nets from {}'.format(
        datadir.source_in_use(), datadir.data_dir(), len(os.sched_getaffinity(0)),
        args.epochs, args.pretrain))
    n = args.workers
    rows = []
    with tempfile.TemporaryDirectory(dir='.') as cwd:
        kfkd(['fit', args.pretrain, '--max-epochs', '1', '--out', 'pretrained.pickle'],
             cwd, args.data_dir)
        specialists = ['fit_specialists', 'pretrained.pickle', '--epochs', str(args.epochs)]
        serial, _ = kfkd(specialists + ['--out', 'serial.pickle'], cwd, args.data_dir)
        one, out = kfkd(specialists + ['--out', 'one.pickle', '--workers', '1'],
                              cwd, args.data_dir)
        startup, warm = cluster_costs(out)
        many, _ = kfkd(specialists + ['--out', 'many.pickle', '--workers', str(n)],
                          cwd, args.data_dir)
        identical = all(same_specialists(os.path.join(cwd, 'serial.pickle'), os.path.join(cwd, f))
                        for f in ('one.pickle', 'many.pickle'))
        rows.append(('fit_specialists (6 units)', serial, one, many, identical,
                     startup, warm, (one - serial - startup - warm) / 6))

        evaluate = ['evaluate', args.pretrain, '--folds', '4', '--max-epochs', str(args.epochs)]
        serial, _ = kfkd(evaluate + ['--out', 'serial.csv'], cwd, args.data_dir)
        one, out = kfkd(evaluate + ['--out', 'one.csv', '--workers', '1'],
                              cwd, args.data_dir)
        startup, warm = cluster_costs(out)
        many, _ = kfkd(evaluate + ['--out', 'many.csv', '--workers', str(n)],
                          cwd, args.data_dir)
        identical = all(same_table(os.path.join(cwd, 'serial.csv'), os.path.join(cwd, f))
                        for f in ('one.csv', 'many.csv'))
        rows.append(('evaluate --folds 4 (4 units)', serial, one, many, identical,
                     startup, warm, (one - serial - startup - warm) / 4))
    header = ('command', 'serial s', '--workers 1 s', '--workers {} s'.format(n),
              'serial / --workers {}'.format(n), 'same to the bit', 'start-up s',
              'cache warm-up s', 'overhead per unit s')
    print('| ' + ' | '.join(header) + ' |')
    print('|' + ' --- |' * len(header))
    for name, serial, one, many, identical, startup, warm, per_unit in rows:
        print('| {} | {:.1f} | {:.1f} | {:.1f} | {:.2f}x | {} | {:.1f} | {:.1f} | {:.2f} |'.format(
            name, serial, one, many, serial / many, 'yes' if identical else 'NO',
            startup, warm, per_unit))
    if not all(r[4] for r in rows):
        raise SystemExit('a cluster run differs from the serial run')


if __name__ == '__main__':
    main()
