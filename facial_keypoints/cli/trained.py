"""The commands that use a trained net: predict, the plots of a net,
export, detect, inspect, report."""
from ..model.settings import (CONV1_PNG, LEARNING_CURVES_PNG, NET_PICKLE, PREDICTIONS_PNG,
                               REPORT, SPECIALISTS_PICKLE)
from ..base.errors import UsageError
from .options import FILE, FILE_OR_FOLDER, arg, face_box, net_file, out_file
from .registry import command, wrote

@command('predict', 'write a Kaggle submission',
         net_file('nets', SPECIALISTS_PICKLE),
         arg('--out', help='CSV to write (default submission-<time>.csv)'))
def cmd_predict(args):
    from ..outputs.prediction import predict
    wrote(predict(args.nets, out=args.out))


@command('plot_learning_curves', 'plot learning curves to PNG (from a trained net; while '
         "nets train, from one's epoch log NAME.epochs.csv or the specialists' "
         'folder of them, net-specialists.logs)',
         arg('nets', nargs='?', default=SPECIALISTS_PICKLE, type=FILE_OR_FOLDER, metavar='FILE',
             help='a trained net or specialists (pickle, .npz or checkpoint), an epoch log, '
             "or the specialists' .logs folder (default {})".format(SPECIALISTS_PICKLE)),
         out_file(LEARNING_CURVES_PNG),
         data=False, aliases=['plot-learning-curves'])
def cmd_plot_learning_curves(args):
    from ..outputs.figures import plot_learning_curves
    wrote(plot_learning_curves(args.nets, args.out))


@command('plot_predictions', 'plot test images with predictions',
         net_file('net', NET_PICKLE), out_file(PREDICTIONS_PNG),
         aliases=['plot-predictions'])
def cmd_plot_predictions(args):
    from ..outputs.figures import plot_predictions
    wrote(plot_predictions(args.net, args.out))


@command('plot_conv1', 'plot conv1 filters',
         net_file('net', NET_PICKLE), out_file(CONV1_PNG),
         data=False, aliases=['plot-conv1'])
def cmd_plot_conv1(args):
    from ..outputs.figures import plot_conv1
    wrote(plot_conv1(args.net, args.out))


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
    from ..commands.export import export
    wrote(export(args.nets, args.format, args.out))


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
    from ..outputs.photos import detect
    wrote(*detect(args.photos, args.net, box=args.box, out=args.out))


@command('inspect', 'list the globals a pickle names, each allowed, compiled (a part of '
         'a compiled function, rebuilt) or refused, without loading it (exit 1 if one '
         'is refused)',
         arg('pickles', nargs='+', type=FILE, metavar='FILE'), data=False)
def cmd_inspect(args):
    from ..model.unpickling import inspect
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
    from ..outputs.report import write_report
    if not args.nets and not args.evaluations:
        raise UsageError('give trained nets, --evaluations tables, or both')
    wrote(write_report(args.nets, args.out, evaluations=args.evaluations))
