"""The command line's options: their types (the library's own checks,
:mod:`facial_keypoints.base.checks`), the options several commands share,
and the library's parameters by the options' names."""
import argparse

from ..base import checks
from ..base.errors import UsageError
from ..model.settings import DEFAULT_SEED, RunControl

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


POSITIVE = checked(checks.whole_number)


FILE = checked(checks.existing_file)
FILE_OR_FOLDER = checked(checks.existing_file, True)


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


NO_PROGRESS = arg('--no-progress', action='store_true',
                  help='no progress line within each epoch (shown only on a terminal)')


TENSORBOARD = arg('--tensorboard', metavar='DIR',
                  help="write each net's losses and rates to DIR for TensorBoard, a run per "
                  'net (needs tensorboardX: pip install "facial-keypoints[tensorboard]")')


LONG_RUN = (RESTART, CHECKPOINT_EVERY, NO_PROGRESS, TENSORBOARD)


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
    from ..longrun.cluster import Spec
    return Spec(tls_ca=args.tls_ca, tls_cert=args.tls_cert, tls_key=args.tls_key, **where)


def control(args):
    """How a command that trains runs, from its options."""
    cluster = None
    if getattr(args, 'scheduler', None) or getattr(args, 'workers', None):
        cluster = tls(args, workers=args.workers, scheduler=args.scheduler)
    if args.tensorboard:
        from ..longrun.watch import tensorboard_missing
        if tensorboard_missing():
            raise UsageError(tensorboard_missing())
    return RunControl(restart=args.restart, checkpoint_every=args.checkpoint_every,
                      work_dir=getattr(args, 'work_dir', None), cluster=cluster,
                      progress=not args.no_progress, tensorboard=args.tensorboard)


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


def gpu_numbers(text):
    try:
        return [int(g) for g in text.split(',')]
    except ValueError:
        raise argparse.ArgumentTypeError('{!r} is not a list of GPU numbers, e.g. 0,1,2,3'.format(
            text)) from None
