"""The command line: ``python -m facial_keypoints.kfkd <command> [args]``.

A thin layer: each command is a function that calls the library and says
what was written, registered with its options by :func:`command` right
above it; option types are the library's own checks (:mod:`.checks`).
Every failure that is the user's input or environment prints one line,
``error: <what>: <why>; <what to do>``, naming the command line's options
where the library names its parameters, and exits 2 (bad arguments) or 1;
only a bug shows a traceback (or ``--debug``). A run paused by a signal
says in one line where it stopped and how to continue, and exits 128 + the
signal's number: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP.

Nothing here imports Theano: the commands import the library when they
run, so ``--help`` answers at once.
"""
import argparse
import os
import sys

from .base import checks
from .base.errors import Paused, UsageError, UserError
from .kaggle import datadir
from .kaggle.format import TEST_ROWS, TRAIN_ROWS
from .model.settings import (CONV1_PNG, DEFAULT_SEED, DEMO_EPOCHS, FOLDS,
                              LEARNING_CURVES_PNG, NET_PICKLE, PREDICTIONS_PNG, REPORT,
                              SAMPLES_PNG, SHEET_ROWS, SPECIALISTS_PICKLE, SWEEP_EPOCHS,
                              SWEEP_OUT, RunControl)

EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130

#: The options of the library's parameters whose name is not ``--NAME``.
OPTIONS = {'net': 'NAME', 'data': '--data-dir', 'pretrained': '--pretrained',
           'trusted': '--trust'}


def option(name):
    """The command line's name for the library's parameter ``name``."""
    return OPTIONS.get(name, '--' + name.replace('_', '-'))


def checked(check, *args):
    """An option type: ``check(text, *args)``, its error argparse's."""
    def parse(text):
        try:
            return check(text, *args)
        except UsageError as e:
            raise argparse.ArgumentTypeError(e.describe(option)) from None
    parse.__name__ = check.__name__
    return parse


def net_name(name):
    """``name``, when a net of that name is defined."""
    from .model.registry import definition  # (Theano: not for `kfkd --help`)
    definition(name)
    return name


POSITIVE = checked(checks.whole_number)
FILE = checked(checks.existing_file)
NET = checked(net_name)


def evaluated_name(text):
    return text if text == 'specialists' else net_name(text)


def arg(*flags, **options):
    """One argument of a command, as ``add_argument`` takes it."""
    return flags, options


def out_file(default, what='the figure'):
    return arg('--out', default=default, help='{} to write (default {})'.format(what, default))


def net_file(name, default):
    return arg(name, nargs='?', default=default, type=FILE, metavar='FILE',
               help='a trained net or specialists: pickle, .npz or checkpoint '
               '(default {})'.format(default))


# None: the library's default, or a continued run's own.
SEED = arg('--seed', type=int, metavar='N',
           help="NumPy's random seed (default {})".format(DEFAULT_SEED))
ALL_ROWS = arg('--all-rows', action='store_true', default=None,
               help='train on every row with a keypoint, with a loss over the '
               'keypoints present (default: complete rows only)')
RESTART = arg('--restart', action='store_true',
              help='start over instead of continuing from the checkpoints of an '
              'earlier run of the same command')
CHECKPOINT_EVERY = arg('--checkpoint-every', type=POSITIVE, metavar='N',
                       help='write a checkpoint every N epochs (default: every '
                       'minute, and whenever a signal pauses training)')
WORK_DIR = arg('--work-dir', metavar='DIR', help="where each net's checkpoint and "
               'result are kept until the command has written its output')
LONG_RUN = (RESTART, CHECKPOINT_EVERY)
TLS = (arg('--tls-ca', metavar='FILE', help="the cluster's certificate authority (tls://)"),
       arg('--tls-cert', metavar='FILE', help='this process\'s certificate'),
       arg('--tls-key', metavar='FILE', help='its private key'))
CLUSTER = (arg('--workers', type=POSITIVE, metavar='N',
               help='train the nets side by side on N local worker processes '
               '(an embedded Dask cluster on 127.0.0.1)'),
           arg('--scheduler', metavar='ADDRESS',
               help="train the nets on an existing Dask cluster's workers "
               '(tcp://HOST:8786, or tls:// with --tls-*)')) + TLS


def tls(args, **where):
    """The cluster of the options ``--tls-*`` and ``where``."""
    from .longrun.cluster import Spec
    return Spec(tls_ca=args.tls_ca, tls_cert=args.tls_cert, tls_key=args.tls_key, **where)


def control(args):
    """How a command that trains runs, from its options."""
    cluster = None
    if getattr(args, 'scheduler', None) or getattr(args, 'workers', None):
        cluster = tls(args, workers=args.workers, scheduler=args.scheduler)
    return RunControl(restart=args.restart, checkpoint_every=args.checkpoint_every,
                      work_dir=getattr(args, 'work_dir', None), cluster=cluster)


def wrote(*fnames):
    for fname in fnames:
        print('Wrote {}'.format(fname))


class Command:
    """A subcommand: its name, help, arguments and the function it runs;
    ``names`` maps the library's parameters to this command's options where
    they are not :data:`OPTIONS`'s."""

    def __init__(self, name, help, run, arguments, aliases=(), data=True, epilog=None,
                 names=None):
        self.name, self.help, self.run = name, help, run
        self.arguments, self.aliases, self.data = arguments, aliases, data
        self.epilog, self.names = epilog, names or {}

    def add_to(self, commands):
        sub = commands.add_parser(self.name, help=self.help, description=self.help,
                                  aliases=list(self.aliases))
        if self.epilog:
            sub.formatter_class = argparse.RawDescriptionHelpFormatter
            sub.epilog = self.epilog()
        sub.set_defaults(run=self.run, names=self.names)
        if self.data:
            sub.add_argument('--data-dir', help='directory of the Kaggle CSV files')
        for flags, options in self.arguments:
            sub.add_argument(*flags, **options)


COMMANDS = []


def command(name, help, *arguments, aliases=(), data=True, epilog=None, names=None):
    """Register the decorated function as the command ``name``."""
    def register(run):
        COMMANDS.append(Command(name, help, run, arguments, aliases, data, epilog, names))
        return run
    return register


# -- the commands -------------------------------------------------------------------

@command('fit', 'train one net and pickle it',
         arg('name', nargs='?', type=NET, metavar='NAME',
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
    from .commands.fit import fit_net
    from .longrun.train import asked_settings
    settings, given = asked_settings(
        net=args.name, max_epochs=args.max_epochs, preprocess=args.preprocess,
        exclude=args.exclude, dct_window=args.dct_window, seed=args.seed,
        all_rows=args.all_rows)
    wrote(fit_net(settings, control(args), args.out, args.resume, given)[1])


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
    from .commands.fit import fit_specialists
    fit_specialists(args.pretrained, out=args.out, max_epochs=args.max_epochs,
                    seed=args.seed, all_rows=args.all_rows, control=control(args))
    wrote(args.out)


@command('evaluate', 'K-fold cross-validation on the training set: RMSE in pixels '
         'per keypoint, beside the mean face',
         arg('name', type=checked(evaluated_name), metavar='NAME',
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
         arg('--pretrain', type=NET, metavar='NAME',
             help='specialists: in each fold, first train this net on the training '
             'folds and start from it'),
         arg('--out', metavar='CSV', help='write the table as CSV'),
         SEED, *LONG_RUN, WORK_DIR, *CLUSTER, names={'exclude': '--folds'})
def cmd_evaluate(args):
    from tabulate import tabulate

    from .commands.evaluate import evaluate
    from .outputs.tables import describe
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


@command('predict', 'write a Kaggle submission',
         net_file('nets', SPECIALISTS_PICKLE),
         arg('--out', help='CSV to write (default submission-<time>.csv)'))
def cmd_predict(args):
    from .outputs.prediction import predict
    wrote(predict(args.nets, out=args.out))


@command('plot_learning_curves', 'plot learning curves to PNG',
         net_file('nets', SPECIALISTS_PICKLE),
         out_file(LEARNING_CURVES_PNG),
         data=False, aliases=['plot-learning-curves'])
def cmd_plot_learning_curves(args):
    from .outputs.figures import plot_learning_curves
    wrote(plot_learning_curves(args.nets, args.out))


@command('plot_samples', 'plot a grid of samples to PNG',
         out_file(SAMPLES_PNG),
         arg('--test', action='store_true', help='test images'),
         aliases=['plot-samples'])
def cmd_plot_samples(args):
    from .outputs.figures import plot_samples
    wrote(plot_samples(args.out, test=args.test))


@command('plot_predictions', 'plot test images with predictions',
         net_file('net', NET_PICKLE), out_file(PREDICTIONS_PNG),
         aliases=['plot-predictions'])
def cmd_plot_predictions(args):
    from .outputs.figures import plot_predictions
    wrote(plot_predictions(args.net, args.out))


@command('plot_conv1', 'plot conv1 filters',
         net_file('net', NET_PICKLE), out_file(CONV1_PNG),
         data=False, aliases=['plot-conv1'])
def cmd_plot_conv1(args):
    from .outputs.figures import plot_conv1
    wrote(plot_conv1(args.net, args.out))


@command('synth', 'write synthetic faces in Kaggle format',
         arg('--out', required=True, metavar='DIR', help='the directory to write them to'),
         arg('--n-train', type=POSITIVE, default=TRAIN_ROWS, metavar='N',
             help='training faces (default {}, as Kaggle\'s)'.format(TRAIN_ROWS)),
         arg('--n-test', type=POSITIVE, default=TEST_ROWS, metavar='N',
             help='test faces (default {}, as Kaggle\'s)'.format(TEST_ROWS)),
         arg('--seed', type=int, metavar='N',
             help="the generator's random seed (default: the embedded set's)"),
         data=False)
def cmd_synth(args):
    from .kaggle.synthetic import write_dataset
    write_dataset(args.out, args.n_train, args.n_test, args.seed)
    print('Wrote synthetic training.csv ({} faces), test.csv ({}), IdLookupTable.csv '
          'and SampleSubmission.csv to {}'.format(args.n_train, args.n_test, args.out))


def download_steps():
    from .kaggle.download import COMPETITION, STEPS
    return STEPS.format(competition=COMPETITION, out='DIR')


@command('download', 'download the Kaggle data',
         arg('--out', metavar='DIR', help='directory (default: the data directory)'),
         data=False, epilog=download_steps)
def cmd_download(args):
    from .kaggle.download import download_kaggle
    out = args.out or datadir.data_dir()
    download_kaggle(out)
    print('Downloaded the Kaggle data to {}'.format(out))


@command('export', 'write a trained net or specialists to a pickle-free .npz that '
         'loads on any machine, or to an ONNX model',
         arg('nets', type=FILE, metavar='FILE'),
         arg('--format', choices=('npz', 'onnx'), default='npz',
             help='npz (default): the net with its settings, for this package; '
             'onnx: a model of grey 96x96 images to 30 keypoints in pixels, for '
             'any ONNX runtime (see docs/using-a-trained-net.rst)'),
         arg('--out', help='the file to write (default: FILE with .npz or .onnx)'),
         data=False)
def cmd_export(args):
    from .commands.export import export
    wrote(export(args.nets, args.format, args.out))


def face_box(text):
    """X,Y,W,H: a face's box in a photo's pixels."""
    try:
        box = tuple(float(v) for v in text.split(','))
    except ValueError:
        box = ()
    if len(box) != 4 or box[2] <= 0 or box[3] <= 0:
        raise argparse.ArgumentTypeError('{!r} is not a box X,Y,W,H of pixels with a '
                                         'positive width and height'.format(text))
    return box


@command('detect', "find the faces on photos and draw each one's keypoints",
         arg('photos', nargs='+', type=FILE, metavar='PHOTO',
             help='photos of any size, colour or grey (PNG, JPEG, ...)'),
         arg('--net', type=FILE, metavar='FILE', default=SPECIALISTS_PICKLE,
             help='a trained net or the specialists (pickle or .npz) or an ONNX '
             'model (.onnx) (default {})'.format(SPECIALISTS_PICKLE)),
         arg('--box', type=face_box, metavar='X,Y,W,H',
             help="the face's box in pixels, as detection draws it, instead of "
             'finding faces'),
         arg('--out', default='.', metavar='DIR',
             help='where NAME-keypoints.png and keypoints.csv go (default: here)'),
         data=False)
def cmd_detect(args):
    from .outputs.photos import detect
    wrote(*detect(args.photos, args.net, box=args.box, out=args.out))


@command('inspect', 'list the globals a pickle names, each allowed, compiled (a part of '
         'a compiled function, rebuilt) or refused, without loading it (exit 1 if one '
         'is refused)',
         arg('pickles', nargs='+', type=FILE, metavar='FILE'), data=False)
def cmd_inspect(args):
    from .model.unpickling import inspect
    refused = 0
    for fname in args.pickles:
        found = inspect(fname)
        if not found:
            print('{}: names no global (no pickle, or one of plain data)'.format(fname))
        for name, kind in found:
            print('{}: {:9} {}'.format(fname, kind, name))
            refused += kind == 'refused'
    return 1 if refused else 0


@command('report', 'compare trained nets with the tutorial',
         arg('nets', nargs='*', type=FILE, metavar='FILE'),
         arg('--evaluations', nargs='+', type=FILE, metavar='CSV',
             help='tables of `evaluate --out` to compare per keypoint'),
         out_file(REPORT, 'the report, .md or .html'),
         data=False)
def cmd_report(args):
    from .outputs.report import write_report
    if not args.nets and not args.evaluations:
        raise UsageError('give trained nets, --evaluations tables, or both')
    wrote(write_report(args.nets, args.out, evaluations=args.evaluations))


@command('reproduce', 'train nets, then report',
         arg('names', nargs='+', metavar='NAME', type=NET,
             help='nets to train, each pickled to NAME.pickle'),
         arg('--max-epochs', type=POSITIVE, metavar='N',
             help="epochs of each net (default: its definition's max_epochs)"),
         out_file(REPORT, 'the report, .md or .html'),
         SEED, *LONG_RUN, WORK_DIR, *CLUSTER)
def cmd_reproduce(args):
    from .commands.reproduce import reproduce
    wrote(*reproduce(args.names, max_epochs=args.max_epochs, out=args.out,
                     seed=args.seed, control=control(args)))


@command('clean', 'flag training labels that look wrong',
         arg('net', nargs='?', metavar='FILE', type=FILE,
             help="rank rows by this trained net's error"),
         arg('--out-dir', default='.'),
         arg('--worst', type=POSITIVE, default=SHEET_ROWS,
             help='rows on the contact sheet (default {})'.format(SHEET_ROWS)))
def cmd_clean(args):
    from .commands.clean import clean
    clean(args.net, args.out_dir, args.worst)


@command('sweep', 'train a net once per value of a parameter',
         arg('name', type=NET, metavar='NAME'),
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
    from .commands.sweep import parse_value, sweep
    sweep(args.name, args.param, [parse_value(v) for v in args.values],
          args.max_epochs, args.out, seed=args.seed, control=control(args))
    wrote(*args.out)


def gpu_numbers(text):
    try:
        return [int(g) for g in text.split(',')]
    except ValueError:
        raise argparse.ArgumentTypeError('{!r} is not a list of GPU numbers, e.g. 0,1,2,3'.format(
            text)) from None


@command('worker', "start this machine's workers for a Dask cluster (see "
         'docs/scale-out.rst)',
         arg('scheduler', metavar='ADDRESS', help="the scheduler's address, tcp://HOST:8786"),
         arg('--gpus', type=gpu_numbers, metavar='0,1,...',
             help='one worker per GPU, each seeing only its own (default: CPU workers)'),
         arg('--nworkers', type=POSITIVE, default=1, metavar='N',
             help='CPU workers, sharing the cores (default 1)'),
         *TLS, data=False)
def cmd_worker(args):
    from .longrun.cluster import run_workers
    run_workers(tls(args, scheduler=args.scheduler), gpus=args.gpus, nworkers=args.nworkers)


@command('doctor', 'say what is installed and whether Theano works on the configured '
         'device (exit 0 when it does)', data=False)
def cmd_doctor(args):
    from .commands.doctor import run_doctor
    return run_doctor()


@command('demo', 'the main job, short',
         arg('--max-epochs', type=POSITIVE, default=DEMO_EPOCHS, metavar='N',
             help='epochs of net6 (default {})'.format(DEMO_EPOCHS)),
         SEED, *LONG_RUN)
def cmd_demo(args):
    from .commands.demo import demo
    wrote(*demo(max_epochs=args.max_epochs, seed=args.seed, control=control(args)))


# -- the parser and the one error path -------------------------------------------

class Parser(argparse.ArgumentParser):
    """argparse, with a bad argument reported in one line."""

    def error(self, message):
        self.exit(EXIT_USAGE, 'error: {}: {}; see `{} --help`\n'.format(
            self.prog.rpartition(' ')[2], message, self.prog))


def build_parser():
    parser = Parser(
        prog='python -m facial_keypoints.kfkd',
        description='Facial keypoint detection with convolutional neural nets '
                    '(the tutorial\'s kfkd.py).',
        epilog='Run a command with --help for its options. The data directory is '
               '--data-dir, else $FKP_DATA_DIR, else {} if it has the Kaggle files, '
               'else synthetic faces generated on first use. A pickle of a trained net '
               'loads only if it names nothing beyond what a net holds, so that it runs '
               'no code (see `inspect` and --trust).'.format(datadir.KAGGLE_DATA_DIR))
    parser.add_argument('--debug', action='store_true',
                        help='show a traceback for every error')
    parser.add_argument('--trust', action='append', default=[], metavar='FILE',
                        help='load the pickle FILE even if it names globals beyond '
                        'those of a trained net: only a file you trust, since '
                        'unpickling runs what it names (also $FKP_TRUSTED_PICKLES)')
    commands = parser.add_subparsers(dest='command', metavar='command')
    for each in COMMANDS:
        each.add_to(commands)
    return parser


def one_line(text):
    return ' '.join(str(text).split())


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, 'run', None) is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if getattr(args, 'data_dir', None):
            datadir.set_data_dir(args.data_dir)
        if args.trust:
            from .model.unpickling import trust
            for fname in args.trust:
                trust(fname)
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
        print('error: {}'.format(one_line(e.describe(
            lambda name: args.names.get(name) or option(name)))), file=sys.stderr)
        return EXIT_USAGE if isinstance(e, UsageError) else EXIT_ERROR
    except OSError as e:
        if args.debug:
            raise
        where = '{}: '.format(e.filename) if e.filename else ''
        print('error: {}{}; check the path, its permissions and the free disk '
              'space'.format(where, one_line(e.strerror or e)), file=sys.stderr)
        return EXIT_ERROR
    return code or 0
