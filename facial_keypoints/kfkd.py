"""Facial keypoint detection with convolutional neural nets (the tutorial's kfkd.py).

Run a command as ``python -m facial_keypoints.kfkd <command> [args]``, e.g.:

    python -m facial_keypoints.kfkd fit net6
    python -m facial_keypoints.kfkd fit_specialists net.pickle
    python -m facial_keypoints.kfkd plot_learning_curves net-specialists.pickle
    python -m facial_keypoints.kfkd predict net-specialists.pickle

Every name of the tutorial's script can be imported from this module.
"""
import argparse
import contextlib
import os
import signal
import sys

import numpy as np

from . import data, persist
from .augment import append_dct_copies
from .callbacks import AdjustVariable, EarlyStopping, float32  # noqa: F401
from .data import load, load2d  # noqa: F401
from .download import DownloadError
from .iterators import FlipBatchIterator  # noqa: F401
from .nets import (get_net, input_is_2d, net, net1, net2, net3, net4,  # noqa: F401
                   net5, net6, net7, net8, net_names)
from .plotting import plot_sample, rebin  # noqa: F401
from .preprocessing import PREPROCESSORS
from .specialists import (SPECIALIST_SETTINGS, PretrainedMismatch,  # noqa: F401
                          fit_specialists)
from .submission import predict  # noqa: F401
from .w207 import PREPROCESS


def theano_device():
    """'cpu', or the GPU device and its name, as Theano is configured."""
    import theano
    device = theano.config.device
    if device.startswith('cuda') or device.startswith('gpu'):
        try:
            from theano.gpuarray.type import get_context
            return '{} ({})'.format(device, get_context(None).devname)
        except Exception as e:  # a GPU flag without a working GPU back-end
            return '{} (GPU back-end unavailable: {})'.format(device, e)
    return device


@contextlib.contextmanager
def noting_interrupts():
    """Yield a list that gets an entry when Ctrl-C interrupts the block
    (nolearn's ``fit`` catches the KeyboardInterrupt itself)."""
    interrupted = []

    def on_interrupt(signum, frame):
        interrupted.append(signum)
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGINT, on_interrupt)
    except ValueError:  # not the main thread: signals stay as they are
        yield interrupted
        return
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


def fit(name='net', max_epochs=None, out=None, resume=None, preprocess=None,
        exclude=None, dct_window=None):
    """Train the net ``name`` on ``load()`` (net1) or ``load2d()`` (the
    convnets) and pickle it to ``NAME.pickle``.

    ``max_epochs`` shortens a run (the schedules follow it); ``resume``
    continues a pickled net from its last epoch up to ``max_epochs``, and
    writes it back to the same file unless ``out`` says otherwise.
    Ctrl-C stops training and still saves the net trained so far.
    ``preprocess`` (default: the W207 variant's own), ``exclude`` (rows to
    leave out) and ``dct_window`` (append DCT low/high-pass copies) are the
    W207 experiments' options.
    """
    out = out or resume or '{}.pickle'.format(name)
    model = persist.load_net(resume) if resume else get_net(name)
    if max_epochs:
        model.max_epochs = int(max_epochs)
    done = len(getattr(model, 'train_history_', []))
    epochs = model.max_epochs - done
    if resume:
        print('Resuming {} after epoch {}: epochs {}..{}'.format(
            resume, done, done + 1, model.max_epochs))
        if epochs <= 0:
            print('Nothing to do: it has already run {} epochs.'.format(done))
            return model
    print('Theano device: {}'.format(theano_device()))
    preprocess = preprocess or getattr(model, 'preprocess_', None) or PREPROCESS.get(name)
    X, y = (load2d if input_is_2d(model) else load)(preprocess=preprocess,
                                                     exclude=exclude)
    if dct_window:
        X, y = append_dct_copies(X, y, dct_window)
    model.preprocess_ = preprocess
    model.train_rows_ = len(X)
    model.data_source_ = data.data_source()
    model.net_name_ = getattr(model, 'net_name_', name)

    with noting_interrupts() as interrupted:
        model.fit(X, y, epochs=epochs)  # nolearn stops quietly on Ctrl-C
    if interrupted:
        print('Training interrupted after epoch {}; saving the net trained so '
              'far.'.format(len(model.train_history_)))
    persist.save_net(model, out)
    print('Wrote {}'.format(out))
    return model


def plot_learning_curves(fname_specialists='net-specialists.pickle',
                         out='learning_curves.png'):
    """The specialists' learning curves (or one net's), written to ``out``."""
    from . import plotting
    models = persist.load_net(fname_specialists)
    if isinstance(models, dict):
        plotting.plot_learning_curves(models, out)
    else:
        plotting.plot_net_learning_curve(models, out, title=fname_specialists)
    print('Wrote {}'.format(out))
    return out


def plot_samples(out='samples.png', test=False):
    """A grid of 16 images with their keypoints (training data) or without."""
    from . import plotting
    X, y = load(test=test)
    if y is None:
        y = np.full((len(X), 30), np.nan, np.float32)
    plotting.plot_samples(X, y, out)
    print('Wrote {}'.format(out))
    return out


def plot_predictions(fname='net.pickle', out='predictions.png'):
    """A grid of 16 test images with a net's predicted keypoints."""
    from . import plotting
    from .submission import predict_test_set
    predictions = predict_test_set(persist.load_net(fname))
    X, _ = load(test=True)
    y = (predictions.reindex(columns=list(data.KEYPOINT_COLUMNS)).values - 48) / 48
    plotting.plot_samples(X, y, out)
    print('Wrote {}'.format(out))
    return out


def plot_conv1(fname='net.pickle', out='conv1.png'):
    """The first convolution layer's learned filters."""
    from . import plotting
    plotting.plot_conv1_weights(persist.load_net(fname), out)
    print('Wrote {}'.format(out))
    return out


def synth(out, n_train=7049, n_test=1783, seed=42):
    """Write a synthetic data set in Kaggle's format into ``out``."""
    from . import synthetic
    synthetic.write_dataset(out, int(n_train), int(n_test), int(seed))
    print('Wrote synthetic training.csv ({} faces), test.csv ({}), '
          'IdLookupTable.csv and SampleSubmission.csv to {}'.format(
              n_train, n_test, out))


def download(out=None):
    """Download the Kaggle competition data into ``out`` (the data directory)."""
    from .download import download_kaggle
    download_kaggle(out or data.data_dir())
    print('Downloaded the Kaggle data to {}'.format(out or data.data_dir()))


def export(fname, out=None):
    """Write a pickled net's parameters to a pickle-free ``.npz``."""
    out = out or os.path.splitext(fname)[0] + '.npz'
    persist.save_params_npz(persist.load_net(fname), out)
    print('Wrote {}'.format(out))
    return out


def report(pickles, out='report.md'):
    """Compare trained nets (and specialists) with the published numbers."""
    from .report import write_report
    return write_report(pickles, out)


def reproduce(names, max_epochs=None, out='report.md'):
    """Train the nets ``names`` one after another, each saved as it finishes,
    then write the report."""
    for name in names:
        fit(name, max_epochs=max_epochs)
    return report(['{}.pickle'.format(name) for name in names], out)


def clean(fname=None, out_dir='.', worst=24):
    """Flag training rows whose labels look wrong and, given a trained net
    pickle, rank rows by its error; write clean-flags.csv, a contact sheet
    (clean-sheet.png) and clean-exclude.txt for ``fit --exclude``."""
    from .cleaning import review
    model = persist.load_net(fname) if fname else None
    return review(data.read_csv_cached(data.data_file(data.TRAIN_FILE)), model,
                  out_dir, worst)


def sweep(name, param, values, max_epochs=10, out='sweep.png'):
    """Train ``name`` once per value of ``param``; print and plot the losses."""
    from .sweep import parse_value, sweep as run_sweep
    return run_sweep(name, param, [parse_value(v) for v in values], max_epochs, out)


def demo(max_epochs=3):
    """The main job, short: net1 as in the tutorial (400 epochs), net6 and
    the six specialists (pretrained from net6) for a few epochs, their
    learning curves, predictions and a Kaggle submission."""
    data.data_file(data.TRAIN_FILE)  # generates the default data set if needed
    print('Data: {} ({})'.format(data.data_dir(), data.data_source()))
    fit('net1')
    fit('net6', max_epochs=max_epochs)
    plot_learning_curves('net1.pickle', 'net1-learning-curve.png')
    plot_learning_curves('net6.pickle', 'net6-learning-curve.png')
    plot_predictions('net6.pickle', 'net6-predictions.png')
    fit_specialists('net6.pickle', epochs=1)
    plot_learning_curves('net-specialists.pickle', 'learning_curves.png')
    predict('net-specialists.pickle')


# -- the command line -----------------------------------------------------------

def _parser():
    parser = argparse.ArgumentParser(
        prog='python -m facial_keypoints.kfkd',
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='Run a command with --help for its options. The data directory '
               'is --data-dir, else $FKP_DATA_DIR, else {} if it has the Kaggle '
               'files, else synthetic faces generated on first use.'.format(
                   data.KAGGLE_DATA_DIR))
    commands = parser.add_subparsers(dest='command', metavar='command')

    def command(name, func, help, aliases=()):
        sub = commands.add_parser(name, help=help, description=func.__doc__,
                                  aliases=list(aliases))
        sub.set_defaults(func=func)
        sub.add_argument('--data-dir', help='directory of the Kaggle CSV files')
        return sub

    sub = command('fit', fit, 'train one net and pickle it')
    sub.add_argument('name', nargs='?', default='net', choices=net_names())
    sub.add_argument('--max-epochs', type=int)
    sub.add_argument('--out', help='pickle to write (default NAME.pickle, or the '
                     'resumed pickle)')
    sub.add_argument('--resume', metavar='PICKLE', help='continue training this net')
    sub.add_argument('--preprocess', choices=sorted(PREPROCESSORS),
                     help='image preprocessing (W207)')
    sub.add_argument('--exclude', metavar='FILE',
                     help='training rows to leave out (from `clean`)')
    sub.add_argument('--dct-window', type=int, metavar='N',
                     help='append DCT low/high-pass copies of the training set')
    sub.add_argument('--seed', type=int, default=42)

    sub = command('fit_specialists', fit_specialists,
                  'train the six specialists', aliases=['fit-specialists'])
    sub.add_argument('fname_pretrain', nargs='?', metavar='PRETRAINED.pickle')
    sub.add_argument('--out', default='net-specialists.pickle')
    sub.add_argument('--epochs', type=int, help='epochs per specialist (quick runs)')
    sub.add_argument('--seed', type=int, default=42)

    sub = command('predict', predict, 'write a Kaggle submission')
    sub.add_argument('fname_specialists', nargs='?', default='net-specialists.pickle',
                     metavar='PICKLE')
    sub.add_argument('--out', help='CSV to write (default submission-<time>.csv)')

    sub = command('plot_learning_curves', plot_learning_curves,
                  'plot learning curves to PNG', aliases=['plot-learning-curves'])
    sub.add_argument('fname_specialists', nargs='?', default='net-specialists.pickle',
                     metavar='PICKLE')
    sub.add_argument('--out', default='learning_curves.png')

    sub = command('plot_samples', plot_samples, 'plot a grid of samples to PNG',
                  aliases=['plot-samples'])
    sub.add_argument('--out', default='samples.png')
    sub.add_argument('--test', action='store_true', help='test images')

    sub = command('plot_predictions', plot_predictions,
                  'plot test images with predictions', aliases=['plot-predictions'])
    sub.add_argument('fname', nargs='?', default='net.pickle', metavar='PICKLE')
    sub.add_argument('--out', default='predictions.png')

    sub = command('plot_conv1', plot_conv1, 'plot conv1 filters', aliases=['plot-conv1'])
    sub.add_argument('fname', nargs='?', default='net.pickle', metavar='PICKLE')
    sub.add_argument('--out', default='conv1.png')

    sub = command('synth', synth, 'write synthetic faces in Kaggle format')
    sub.add_argument('--out', required=True)
    sub.add_argument('--n-train', type=int, default=7049)
    sub.add_argument('--n-test', type=int, default=1783)
    sub.add_argument('--seed', type=int, default=42)

    sub = command('download', download, 'download the Kaggle data')
    sub.add_argument('--out', help='directory (default: the data directory)')

    sub = command('export', export, 'write a net\'s parameters to .npz')
    sub.add_argument('fname', metavar='PICKLE')
    sub.add_argument('--out')

    sub = command('report', report, 'compare trained nets with the tutorial')
    sub.add_argument('pickles', nargs='+', metavar='PICKLE')
    sub.add_argument('--out', default='report.md', help='report.md or report.html')

    sub = command('reproduce', reproduce, 'train nets, then report')
    sub.add_argument('names', nargs='+', metavar='NAME', choices=net_names())
    sub.add_argument('--max-epochs', type=int)
    sub.add_argument('--out', default='report.md', help='report.md or report.html')
    sub.add_argument('--seed', type=int, default=42)

    sub = command('clean', clean, 'flag training labels that look wrong')
    sub.add_argument('fname', nargs='?', metavar='PICKLE', help='rank rows by this net\'s error')
    sub.add_argument('--out-dir', default='.')
    sub.add_argument('--worst', type=int, default=24, help='rows on the contact sheet')

    sub = command('sweep', sweep, 'train a net once per value of a parameter')
    sub.add_argument('name', choices=net_names())
    sub.add_argument('param', help='e.g. hidden_num_units, conv1_filter_size, '
                     'dropout1_p, preprocess')
    sub.add_argument('values', nargs='+')
    sub.add_argument('--max-epochs', type=int, default=10)
    sub.add_argument('--out', default='sweep.png')
    sub.add_argument('--seed', type=int, default=42)

    sub = command('demo', demo, 'the main job, short')
    sub.add_argument('--max-epochs', type=int, default=3, help='epochs of net6')
    sub.add_argument('--seed', type=int, default=42)
    return parser


def main(argv=None):
    parser = _parser()
    args = vars(parser.parse_args(argv))
    func = args.pop('func', None)
    if func is None:
        parser.print_help()
        return 2
    args.pop('command')
    data.set_data_dir(args.pop('data_dir'))
    np.random.seed(args.pop('seed', 42))  # the tutorial seeds at import
    try:
        func(**args)
    except (data.DataError, DownloadError, PretrainedMismatch) as e:
        print('error: {}'.format(e), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
