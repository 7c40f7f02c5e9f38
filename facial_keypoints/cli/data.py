"""The commands of the data: plot_samples, synth, download, clean."""
from ..kaggle import datadir
from ..kaggle.format import TEST_ROWS, TRAIN_ROWS
from ..model.settings import SAMPLES_PNG, SHEET_ROWS
from .options import FILE, POSITIVE, arg, out_file
from .registry import command, wrote

@command('plot_samples', 'plot a grid of samples to PNG',
         out_file(SAMPLES_PNG),
         arg('--test', action='store_true', help='test images'),
         aliases=['plot-samples'])
def cmd_plot_samples(args):
    from ..outputs.figures import plot_samples
    wrote(plot_samples(args.out, test=args.test))


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
    from ..kaggle.synthetic import write_dataset
    write_dataset(args.out, args.n_train, args.n_test, args.seed)
    print('Wrote synthetic training.csv ({} faces), test.csv ({}), IdLookupTable.csv '
          'and SampleSubmission.csv to {}'.format(args.n_train, args.n_test, args.out))


def download_steps():
    from ..kaggle.download import COMPETITION, STEPS
    return STEPS.format(competition=COMPETITION, out='DIR')


@command('download', 'download the Kaggle data',
         arg('--out', metavar='DIR', help='directory (default: the data directory)'),
         data=False, epilog=download_steps)
def cmd_download(args):
    from ..kaggle.download import download_kaggle
    out = args.out or datadir.data_dir()
    download_kaggle(out)
    print('Downloaded the Kaggle data to {}'.format(out))


@command('clean', 'flag training labels that look wrong',
         arg('net', nargs='?', metavar='FILE', type=FILE,
             help="rank rows by this trained net's error"),
         arg('--out-dir', default='.'),
         arg('--worst', type=POSITIVE, default=SHEET_ROWS,
             help='rows on the contact sheet (default {})'.format(SHEET_ROWS)))
def cmd_clean(args):
    from ..commands.clean import clean
    clean(args.net, args.out_dir, args.worst)
