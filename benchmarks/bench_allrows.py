"""Complete rows, all rows and specialists at equal training time, by K-fold
cross-validation on one data set.

    python benchmarks/bench_allrows.py DATA_DIR [--net net1] [--folds 3]
        [--seconds 150] [--out-dir bench-allrows]

For each fold, each approach gets the same seconds of training epochs
(compiling and loading not counted): NET on the training folds' complete
rows (the tutorial's way); NET on all their labelled rows with the masked
loss; and the six specialists, pretrained from NET trained on the complete
rows for half the time, each then getting a sixth of the other half. All are
scored on every labelled held-out keypoint. Prints the per-keypoint RMSE in
pixels beside the mean face, the epochs and seconds per fold, and writes the
three tables (``kfkd evaluate --out``) and report.md to --out-dir.
"""
import argparse
import contextlib
import io
import os
import sys
import time

from tabulate import tabulate

from facial_keypoints.outputs import report
from facial_keypoints.commands.evaluate import evaluate
from facial_keypoints.outputs.tables import write_table
from facial_keypoints.kaggle import datadir

#: Large enough that the time limit, not the epochs, ends every run.
EPOCHS = 1000000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_dir')
    parser.add_argument('--net', default='net1')
    parser.add_argument('--folds', type=int, default=3)
    parser.add_argument('--seconds', type=float, default=150.,
                        help='seconds of training per fold and approach')
    parser.add_argument('--seed', type=int, default=42)
    parser.add_argument('--out-dir', default='bench-allrows')
    args = parser.parse_args(argv)
    datadir.set_data_dir(args.data_dir)
    os.makedirs(args.out_dir, exist_ok=True)

    approaches = [
        ('complete', dict(name=args.net)),
        ('all-rows', dict(name=args.net, all_rows=True)),
        ('specialists', dict(name='specialists', pretrain=args.net)),
    ]
    tables, timings = [], []
    for stem, options in approaches:
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()) as log:
            table = evaluate(folds=args.folds, max_epochs=EPOCHS, seed=args.seed,
                             time_limit=args.seconds, **options)
        wall = time.perf_counter() - start
        with open(os.path.join(args.out_dir, stem + '.log'), 'w') as f:
            f.write(log.getvalue())
        tables.append(write_table(table, os.path.join(args.out_dir, stem + '.csv')))
        for fold in table.attrs['folds']:
            timings.append([table.attrs['label'], fold['fold'],
                            '/'.join(map(str, fold['train_rows'])),
                            '/'.join(map(str, fold['epochs'])),
                            '{:.0f}'.format(fold['seconds'])])
        print('{}: {:.0f} s wall'.format(table.attrs['label'], wall), flush=True)

    header, rows, notes = report.comparison(tables)
    print()
    print('RMSE in pixels, {}-fold cross-validation, {:.0f} s of training per fold '
          'and approach'.format(args.folds, args.seconds))
    print('\n'.join(notes))
    print(tabulate(rows, headers=header, disable_numparse=True))
    print()
    print(tabulate(timings, headers=['approach', 'fold', 'rows trained on', 'epochs',
                                     'seconds'], disable_numparse=True))
    report.write_report([], os.path.join(args.out_dir, 'report.md'), evaluations=tables)
    return 0


if __name__ == '__main__':
    sys.exit(main())
