"""The commands that train: fit, fit_specialists, evaluate, reproduce,
sweep, demo, and a cluster's worker."""
import os

from ..base import checks
from ..base.errors import UsageError
from ..model.settings import (DEMO_EPOCHS, FOLDS, REPORT, SPECIALISTS_PICKLE, SWEEP_EPOCHS,
                              SWEEP_OUT)
from .options import (ALL_ROWS, CLUSTER, FILE, LONG_RUN, POSITIVE, SEED, TLS, WORK_DIR, arg,
                      checked, control, gpu_numbers, out_file, tls)
from .registry import command, wrote

@command('fit', 'train one net and pickle it',
         arg('name', nargs='?', metavar='NAME',
             help='net1..net8, net (default) or a W207 variant'),
         arg('--max-epochs', type=POSITIVE, metavar='N',
             help="epochs to train in all (default: the definition's max_epochs)"),
         arg('--out', help='pickle to write (default NAME.pickle, or the resumed pickle)'),
         arg('--resume', metavar='FILE', type=FILE,
             help='continue training this net (pickle, .npz or checkpoint)'),
         arg('--preprocess', choices=('contrast_stretch', 'equalize_hist',
                                      'equalize_adapthist'),
             help='image preprocessing (W207)'),
         arg('--exclude', metavar='FILE', type=FILE,
             help='training rows to leave out (from `clean`)'),
         arg('--dct-window', type=POSITIVE, metavar='N',
             help='append DCT low/high-pass copies of the training set'),
         ALL_ROWS, SEED, *LONG_RUN)
def cmd_fit(args):
    from ..commands.fit import fit_net, request
    asked = request(net=args.name, max_epochs=args.max_epochs, preprocess=args.preprocess,
                    exclude=args.exclude, dct_window=args.dct_window, seed=args.seed,
                    all_rows=args.all_rows)
    wrote(fit_net(asked, control(args), args.out, args.resume)[1])


@command('fit_specialists', 'train the six specialists',
         arg('pretrained', nargs='?', metavar='PRETRAINED', type=FILE,
             help='a trained net (pickle or .npz) whose weights and definition the '
             'specialists start from'),
         out_file(SPECIALISTS_PICKLE, 'the pickle'),
         arg('--max-epochs', '--epochs', type=POSITIVE, metavar='N',
             help="epochs of each specialist (default: the tutorial's, from its rows)"),
         ALL_ROWS, SEED, *LONG_RUN, WORK_DIR, *CLUSTER, aliases=['fit-specialists'],
         names={'pretrained': 'PRETRAINED'})
def cmd_fit_specialists(args):
    from ..commands.fit import fit_specialists
    fit_specialists(args.pretrained, out=args.out, max_epochs=args.max_epochs,
                    seed=args.seed, all_rows=args.all_rows, control=control(args))
    wrote(args.out)


@command('evaluate', 'K-fold cross-validation on the training set: RMSE in pixels '
         'per keypoint, beside the mean face',
         arg('name', metavar='NAME',
             help='a net (net1..net8, net, a W207 variant) or "specialists"'),
         arg('--folds', type=checked(checks.whole_number, 2), default=FOLDS, metavar='K',
             help='folds (default {})'.format(FOLDS)),
         ALL_ROWS,
         arg('--max-epochs', type=POSITIVE, metavar='N',
             help='epochs of each net (of each specialist)'),
         arg('--time-limit', type=checked(checks.positive_seconds), metavar='SECONDS',
             help='seconds of training per fold (specialists: half to --pretrain, '
             'the rest shared by the six)'),
         arg('--pretrained', type=FILE, metavar='FILE',
             help='specialists: start from this trained net (if it was trained on '
             'the whole training set, it has seen the held-out folds)'),
         arg('--pretrain', metavar='NAME',
             help='specialists: in each fold, first train this net on the training '
             'folds and start from it'),
         arg('--out', metavar='CSV', help='write the table as CSV'),
         SEED, *LONG_RUN, WORK_DIR, *CLUSTER, names={'exclude': '--folds'})
def cmd_evaluate(args):
    from tabulate import tabulate

    from ..commands.evaluate import evaluate
    from ..outputs.tables import describe
    if args.out and os.path.isdir(args.out):
        raise UsageError('--out {}: is a directory, not a file'.format(args.out))
    table = evaluate(args.name, folds=args.folds, all_rows=args.all_rows,
                     max_epochs=args.max_epochs, seed=args.seed, pretrained=args.pretrained,
                     pretrain=args.pretrain, time_limit=args.time_limit, out=args.out,
                     control=control(args))
    print('RMSE in pixels over the labelled held-out keypoints; ' + describe(table))
    print(tabulate(table, headers='keys', floatfmt=['', '.0f', '.3f', '.3f']))
    if args.out:
        wrote(args.out)


@command('reproduce', 'train nets, then report',
         arg('names', nargs='+', metavar='NAME',
             help='nets to train, each pickled to NAME.pickle'),
         arg('--max-epochs', type=POSITIVE, metavar='N',
             help="epochs of each net (default: its definition's max_epochs)"),
         out_file(REPORT, 'the report, .md or .html'),
         SEED, *LONG_RUN, WORK_DIR, *CLUSTER)
def cmd_reproduce(args):
    from ..commands.reproduce import reproduce
    wrote(*reproduce(args.names, max_epochs=args.max_epochs, out=args.out,
                     seed=args.seed, control=control(args)))


@command('sweep', 'train a net once per value of a parameter',
         arg('name', metavar='NAME'),
         arg('param', help='e.g. hidden_num_units, conv1_filter_size, dropout1_p, '
             'preprocess'),
         arg('values', nargs='+'),
         arg('--max-epochs', type=POSITIVE, default=SWEEP_EPOCHS, metavar='N',
             help='epochs of each net (default {})'.format(SWEEP_EPOCHS)),
         arg('--out', nargs='+', default=[SWEEP_OUT], metavar='FILE',
             help='what to write, by extension: the table as .csv, the losses '
             'plotted as .png, .pdf or .svg (default {})'.format(SWEEP_OUT)),
         SEED, *LONG_RUN, WORK_DIR, *CLUSTER, names={'params': 'PARAM and VALUES'})
def cmd_sweep(args):
    from ..commands.sweep import parse_value, sweep
    sweep(args.name, args.param, [parse_value(v) for v in args.values],
          args.max_epochs, args.out, seed=args.seed, control=control(args))
    wrote(*args.out)


@command('demo', 'the main job, short',
         arg('--max-epochs', type=POSITIVE, default=DEMO_EPOCHS, metavar='N',
             help='epochs of net6 (default {})'.format(DEMO_EPOCHS)),
         SEED, *LONG_RUN)
def cmd_demo(args):
    from ..commands.demo import demo
    wrote(*demo(max_epochs=args.max_epochs, seed=args.seed, control=control(args)))


@command('worker', "start this machine's workers for a Dask cluster (see "
         'docs/scale-out.rst)',
         arg('scheduler', metavar='ADDRESS', help="the scheduler's address, tcp://HOST:8786"),
         arg('--gpus', type=gpu_numbers, metavar='0,1,...',
             help='one worker per GPU, each seeing only its own (default: CPU workers)'),
         arg('--nworkers', type=POSITIVE, default=1, metavar='N',
             help='CPU workers, sharing the cores (default 1)'),
         *TLS, data=False)
def cmd_worker(args):
    from ..longrun.cluster import run_workers
    run_workers(tls(args, scheduler=args.scheduler), gpus=args.gpus, nworkers=args.nworkers)
