"""``clean``: flag the training labels that look wrong, the W207 team's
review (:mod:`facial_keypoints.w207.cleaning`), the rows ranked by a trained
net's error where one is given."""
from ..kaggle import datadir
from ..kaggle.format import TRAIN_FILE
from ..kaggle.reading import read_csv_cached
from ..model.inputs import preprocessing_of, takes_images
from ..model.persist import load_single_net
from ..model.settings import SHEET_ROWS
from ..w207.cleaning import review


def clean(net_file=None, out_dir='.', worst=SHEET_ROWS):
    """Review the training labels of the data directory into ``out_dir``
    (clean-flags.csv, clean-sheet.png with ``worst`` rows, clean-exclude.txt),
    ranking rows by the error of the net in ``net_file`` if given; return the
    table of rows."""
    net = load_single_net(net_file) if net_file else None
    return review(read_csv_cached(datadir.data_file(TRAIN_FILE)), net, out_dir, worst,
                  takes_images=net is None or takes_images(net),
                  preprocessing=net and preprocessing_of(net))
