"""The command line: ``python -m facial_keypoints.kfkd <command> [args]``.

A thin layer: each command's adapter validates its options, calls the
library and prints what was written. Every failure that is the user's
input or environment prints one line, ``error: <what>: <why>; <what to
do>``, and exits 2 (bad arguments) or 1; only a bug shows a traceback (or
``--debug``). A run paused by a signal says in one line where it stopped
and how to continue, and exits 128 + the signal's number: 130 for Ctrl-C,
143 for SIGTERM, 129 for SIGHUP.
"""
import argparse
import os
import sys

from .errors import Paused, UsageError, UserError
from .kaggle import datadir
from .registry import net_names

EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


# -- option types: checked at parse time -------------------------------------

def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError('{!r} is not a whole number'.format(text))
    if value < 1:
        raise argparse.ArgumentTypeError('must be at least 1, not {}'.format(value))
    return value


def existing_file(text):
    if not os.path.exists(text):
        raise argparse.ArgumentTypeError('{}: no such file'.format(text))
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError('{}: is a directory, not a file'.format(text))
    return text


def at_least_two(text):
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError('must be at least 2, not {}'.format(value))
    return value


def positive_seconds(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError('{!r} is not a number of seconds'.format(text))
    if not value > 0 or value == float('inf'):
        raise argparse.ArgumentTypeError('must be a positive number of seconds, '
                                         'not {}'.format(text))
    return value


def evaluated_name(text):
    return text if text == 'specialists' else net_name(text)


def net_name(text):
    if text not in net_names():
        raise argparse.ArgumentTypeError('unknown net {!r}; choose one of: {}'.format(
            text, ', '.join(net_names())))
    return text


class Parser(argparse.ArgumentParser):
    """argparse, with a bad argument reported in one line."""

    def error(self, message):
        self.exit(EXIT_USAGE, 'error: {}: {}; see `{} --help`\n'.format(
            self.prog.rpartition(' ')[2], message, self.prog))


def wrote(*fnames):
    for fname in fnames:
        print('Wrote {}'.format(fname))


# -- one adapter per command ------------------------------------------------------

def long_run(args):
    """The options every training command shares (see :func:`long_runs`)."""
    return dict(restart=args.restart, checkpoint_every=args.checkpoint_every)


def cmd_fit(args):
    from .training import default_out, fit
    out = args.out or default_out(args.name, args.resume)
    fit(args.name, max_epochs=args.max_epochs, out=out, resume=args.resume,
        preprocess=args.preprocess, exclude=args.exclude,
        dct_window=args.dct_window, seed=args.seed, all_rows=args.all_rows,
        **long_run(args))
    wrote(out)


def cmd_fit_specialists(args):
    from .training import fit_specialists
    fit_specialists(args.pretrained, out=args.out, epochs=args.epochs, seed=args.seed,
                    all_rows=args.all_rows, work_dir=args.work_dir, **long_run(args))
    wrote(args.out)


def cmd_evaluate(args):
    from tabulate import tabulate

    from .evaluation import describe, evaluate, write_table
    from .training import default_work_dir
    if args.out and os.path.isdir(args.out):
        raise UsageError('--out {}: is a directory, not a file'.format(args.out))
    table = evaluate(args.name, folds=args.folds, all_rows=args.all_rows,
                     max_epochs=args.max_epochs, seed=args.seed, pretrained=args.pretrained,
                     pretrain=args.pretrain, time_limit=args.time_limit,
                     work_dir=args.work_dir or (args.out and default_work_dir(args.out)),
                     **long_run(args))
    print('RMSE in pixels over the labelled held-out keypoints; ' + describe(table))
    print(tabulate(table, headers='keys', floatfmt=['', '.0f', '.3f', '.3f']))
    if args.out:
        wrote(write_table(table, args.out))


def cmd_predict(args):
    from .prediction import predict
    wrote(predict(args.nets, out=args.out))


def cmd_plot_learning_curves(args):
    from .figures import plot_learning_curves
    wrote(plot_learning_curves(args.nets, args.out))


def cmd_plot_samples(args):
    from .figures import plot_samples
    wrote(plot_samples(args.out, test=args.test))


def cmd_plot_predictions(args):
    from .figures import plot_predictions
    wrote(plot_predictions(args.net, args.out))


def cmd_plot_conv1(args):
    from .figures import plot_conv1
    wrote(plot_conv1(args.net, args.out))


def cmd_synth(args):
    from .kaggle.synthetic import write_dataset
    write_dataset(args.out, args.n_train, args.n_test, args.seed)
    print('Wrote synthetic training.csv ({} faces), test.csv ({}), IdLookupTable.csv '
          'and SampleSubmission.csv to {}'.format(args.n_train, args.n_test, args.out))


def cmd_download(args):
    from .kaggle.download import download_kaggle
    out = args.out or datadir.data_dir()
    download_kaggle(out)
    print('Downloaded the Kaggle data to {}'.format(out))


def cmd_export(args):
    from .persist import export_npz, load_net
    out = args.out or os.path.splitext(args.nets)[0] + '.npz'
    if os.path.abspath(out) == os.path.abspath(args.nets):
        raise UsageError('--out {}: would overwrite the file being exported'.format(out))
    wrote(export_npz(load_net(args.nets), out))


def cmd_report(args):
    from .report import write_report
    if not args.nets and not args.evaluations:
        raise UsageError('give trained nets, --evaluations tables, or both')
    wrote(write_report(args.nets, args.out, evaluations=args.evaluations))


def cmd_reproduce(args):
    from .report import reproduce
    wrote(reproduce(args.names, max_epochs=args.max_epochs, out=args.out,
                    seed=args.seed, work_dir=args.work_dir, **long_run(args)))


def cmd_clean(args):
    from .inputs import preprocessing_of, takes_images
    from .kaggle.format import TRAIN_FILE
    from .kaggle.reading import read_csv_cached
    from .persist import load_single_net
    from .w207.cleaning import review
    net = load_single_net(args.net) if args.net else None
    review(read_csv_cached(datadir.data_file(TRAIN_FILE)), net, args.out_dir,
           args.worst, takes_images=net is None or takes_images(net),
           preprocessing=net and preprocessing_of(net))


def cmd_sweep(args):
    from .w207.sweeps import parse_value, sweep
    sweep(args.name, args.param, [parse_value(v) for v in args.values],
          args.max_epochs, args.out, seed=args.seed, work_dir=args.work_dir,
          **long_run(args))
    wrote(args.out)


def cmd_doctor(args):
    from .doctor import run_doctor
    return run_doctor()


def cmd_demo(args):
    from .demo import demo
    wrote(*demo(max_epochs=args.max_epochs, seed=args.seed))


# -- the parser -------------------------------------------------------------------

def build_parser():
    parser = Parser(
        prog='python -m facial_keypoints.kfkd',
        description='Facial keypoint detection with convolutional neural nets '
                    '(the tutorial\'s kfkd.py).',
        epilog='Run a command with --help for its options. The data directory is '
               '--data-dir, else $FKP_DATA_DIR, else {} if it has the Kaggle files, '
               'else synthetic faces generated on first use.'.format(
                   datadir.KAGGLE_DATA_DIR))
    parser.add_argument('--debug', action='store_true',
                        help='show a traceback for every error')
    commands = parser.add_subparsers(dest='command', metavar='command')

    def command(name, run, help, data=True, aliases=()):
        sub = commands.add_parser(name, help=help, description=help,
                                  aliases=list(aliases))
        sub.set_defaults(run=run)
        if data:
            sub.add_argument('--data-dir', help='directory of the Kaggle CSV files')
        return sub

    def seed(sub, default=None):  # None: the library's default, or a run's own
        sub.add_argument('--seed', type=int, metavar='N', default=default,
                         help='NumPy\'s random seed (default 42)')

    def all_rows(sub):
        sub.add_argument('--all-rows', action='store_true', default=None,
                         help='train on every row with a keypoint, with a loss over '
                         'the keypoints present (default: complete rows only)')

    def long_runs(sub, work_dir=True):
        sub.add_argument('--restart', action='store_true',
                         help='start over instead of continuing from the checkpoints '
                         'of an earlier run of the same command')
        sub.add_argument('--checkpoint-every', type=positive_int, metavar='N',
                         help='write a checkpoint every N epochs (default: every '
                         'minute, and whenever a signal pauses training)')
        if work_dir:
            sub.add_argument('--work-dir', metavar='DIR',
                             help='where each net\'s checkpoint and result are kept '
                             'until the command has written its output')

    def net_file(sub, name, default):
        sub.add_argument(name, nargs='?', default=default, type=existing_file,
                         metavar='FILE', help='a trained net or specialists: '
                         'pickle or .npz (default {})'.format(default))

    sub = command('fit', cmd_fit, 'train one net and pickle it')
    sub.add_argument('name', nargs='?', type=net_name, metavar='NAME',
                     help='net1..net8, net (default) or a W207 variant')
    sub.add_argument('--max-epochs', type=positive_int, metavar='N')
    sub.add_argument('--out', help='pickle to write (default NAME.pickle, or the '
                     'resumed pickle)')
    sub.add_argument('--resume', metavar='FILE', type=existing_file,
                     help='continue training this net (pickle or .npz)')
    sub.add_argument('--preprocess', choices=('contrast_stretch', 'equalize_hist',
                                              'equalize_adapthist'),
                     help='image preprocessing (W207)')
    sub.add_argument('--exclude', metavar='FILE', type=existing_file,
                     help='training rows to leave out (from `clean`)')
    sub.add_argument('--dct-window', type=positive_int, metavar='N',
                     help='append DCT low/high-pass copies of the training set')
    all_rows(sub)
    seed(sub)
    long_runs(sub, work_dir=False)

    sub = command('fit_specialists', cmd_fit_specialists, 'train the six specialists',
                  aliases=['fit-specialists'])
    sub.add_argument('pretrained', nargs='?', metavar='PRETRAINED', type=existing_file,
                     help='a trained net (pickle or .npz) whose weights and '
                     'definition the specialists start from')
    sub.add_argument('--out', default='net-specialists.pickle')
    sub.add_argument('--epochs', type=positive_int, metavar='N',
                     help='epochs per specialist (quick runs)')
    all_rows(sub)
    seed(sub)
    long_runs(sub)

    sub = command('evaluate', cmd_evaluate, 'K-fold cross-validation on the training '
                  'set: RMSE in pixels per keypoint, beside the mean face')
    sub.add_argument('name', type=evaluated_name, metavar='NAME',
                     help='a net (net1..net8, net, a W207 variant) or "specialists"')
    sub.add_argument('--folds', type=at_least_two, default=5, metavar='K',
                     help='folds (default 5)')
    all_rows(sub)
    sub.add_argument('--max-epochs', type=positive_int, metavar='N',
                     help='epochs of each net (of each specialist)')
    sub.add_argument('--time-limit', type=positive_seconds, metavar='SECONDS',
                     help='seconds of training per fold (specialists: half to '
                     '--pretrain, the rest shared by the six)')
    sub.add_argument('--pretrained', type=existing_file, metavar='FILE',
                     help='specialists: start from this trained net (if it was trained '
                     'on the whole training set, it has seen the held-out folds)')
    sub.add_argument('--pretrain', type=net_name, metavar='NAME',
                     help='specialists: in each fold, first train this net on the '
                     'training folds and start from it')
    sub.add_argument('--out', metavar='CSV', help='write the table as CSV')
    seed(sub)
    long_runs(sub)

    sub = command('predict', cmd_predict, 'write a Kaggle submission')
    net_file(sub, 'nets', 'net-specialists.pickle')
    sub.add_argument('--out', help='CSV to write (default submission-<time>.csv)')

    sub = command('plot_learning_curves', cmd_plot_learning_curves,
                  'plot learning curves to PNG', data=False,
                  aliases=['plot-learning-curves'])
    net_file(sub, 'nets', 'net-specialists.pickle')
    sub.add_argument('--out', default='learning_curves.png')

    sub = command('plot_samples', cmd_plot_samples, 'plot a grid of samples to PNG',
                  aliases=['plot-samples'])
    sub.add_argument('--out', default='samples.png')
    sub.add_argument('--test', action='store_true', help='test images')

    sub = command('plot_predictions', cmd_plot_predictions,
                  'plot test images with predictions', aliases=['plot-predictions'])
    net_file(sub, 'net', 'net.pickle')
    sub.add_argument('--out', default='predictions.png')

    sub = command('plot_conv1', cmd_plot_conv1, 'plot conv1 filters', data=False,
                  aliases=['plot-conv1'])
    net_file(sub, 'net', 'net.pickle')
    sub.add_argument('--out', default='conv1.png')

    sub = command('synth', cmd_synth, 'write synthetic faces in Kaggle format',
                  data=False)
    sub.add_argument('--out', required=True, metavar='DIR')
    sub.add_argument('--n-train', type=positive_int, default=7049, metavar='N')
    sub.add_argument('--n-test', type=positive_int, default=1783, metavar='N')
    seed(sub, default=42)

    from .kaggle.download import COMPETITION, STEPS
    sub = command('download', cmd_download, 'download the Kaggle data', data=False)
    sub.formatter_class = argparse.RawDescriptionHelpFormatter
    sub.epilog = STEPS.format(competition=COMPETITION, out='DIR')
    sub.add_argument('--out', metavar='DIR',
                     help='directory (default: the data directory)')

    sub = command('export', cmd_export, 'write a trained net or specialists to a '
                  'pickle-free .npz that loads on any machine', data=False)
    sub.add_argument('nets', type=existing_file, metavar='FILE')
    sub.add_argument('--out', help='default: FILE with .npz')

    sub = command('report', cmd_report, 'compare trained nets with the tutorial',
                  data=False)
    sub.add_argument('nets', nargs='*', type=existing_file, metavar='FILE')
    sub.add_argument('--evaluations', nargs='+', type=existing_file, metavar='CSV',
                     help='tables of `evaluate --out` to compare per keypoint')
    sub.add_argument('--out', default='report.md', help='report.md or report.html')

    sub = command('reproduce', cmd_reproduce, 'train nets, then report')
    sub.add_argument('names', nargs='+', metavar='NAME', type=net_name)
    sub.add_argument('--max-epochs', type=positive_int, metavar='N')
    sub.add_argument('--out', default='report.md', help='report.md or report.html')
    seed(sub)
    long_runs(sub)

    sub = command('clean', cmd_clean, 'flag training labels that look wrong')
    sub.add_argument('net', nargs='?', metavar='FILE', type=existing_file,
                     help='rank rows by this trained net\'s error')
    sub.add_argument('--out-dir', default='.')
    sub.add_argument('--worst', type=positive_int, default=24,
                     help='rows on the contact sheet')

    sub = command('sweep', cmd_sweep, 'train a net once per value of a parameter')
    sub.add_argument('name', type=net_name, metavar='NAME')
    sub.add_argument('param', help='e.g. hidden_num_units, conv1_filter_size, '
                     'dropout1_p, preprocess')
    sub.add_argument('values', nargs='+')
    sub.add_argument('--max-epochs', type=positive_int, default=10, metavar='N')
    sub.add_argument('--out', default='sweep.png')
    seed(sub)
    long_runs(sub)

    command('doctor', cmd_doctor, 'say what is installed and whether Theano works '
            'on the configured device (exit 0 when it does)', data=False)

    sub = command('demo', cmd_demo, 'the main job, short')
    sub.add_argument('--max-epochs', type=positive_int, default=3, metavar='N',
                     help='epochs of net6')
    seed(sub)
    return parser


def one_line(text):
    return ' '.join(str(text).split())


#: The options of the library's parameters whose name is not ``--NAME``.
OPTIONS = {'net': 'NAME', 'data': '--data-dir', 'epochs': '--epochs'}


def option(name):
    """The command line's name for the library's parameter ``name``."""
    return OPTIONS.get(name, '--' + name.replace('_', '-'))


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, 'run', None) is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if getattr(args, 'data_dir', None):
            datadir.set_data_dir(args.data_dir)
        code = args.run(args)
    except Paused as e:
        if args.debug:
            raise
        print(one_line(e), file=sys.stderr)
        return e.exit_status
    except KeyboardInterrupt:
        if args.debug:
            raise
        print('error: interrupted', file=sys.stderr)
        return EXIT_INTERRUPTED
    except UserError as e:
        if args.debug:
            raise
        print('error: {}'.format(one_line(e.describe(option))), file=sys.stderr)
        return EXIT_USAGE if isinstance(e, UsageError) else EXIT_ERROR
    except OSError as e:
        if args.debug:
            raise
        where = '{}: '.format(e.filename) if e.filename else ''
        print('error: {}{}; check the path, its permissions and the free disk '
              'space'.format(where, one_line(e.strerror or e)), file=sys.stderr)
        return EXIT_ERROR
    return code or 0
