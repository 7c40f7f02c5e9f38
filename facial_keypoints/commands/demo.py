"""The main job, short: every step of the tutorial on the data in use."""
import contextlib
import dataclasses
import sys
import time

from ..kaggle import datadir
from ..kaggle.format import TRAIN_FILE
from ..longrun import pauses
from ..longrun.checkpoints import WorkDir
from ..longrun.checkpoints import save_or_rescue
from ..longrun.train import device_line, request
from ..longrun.units import Serial, Unit
from ..model.settings import DEMO_EPOCHS, LEARNING_CURVES_PNG, SPECIALISTS_PICKLE, RunControl
from ..outputs import figures
from ..outputs.prediction import predict
from .fit import fit_specialists

#: Two epochs, so that each specialist's curve has a slope to show.
SPECIALIST_EPOCHS = 2
#: Where the demo keeps net1's and net6's checkpoints and results until it
#: has finished.
WORK_DIR = 'demo.checkpoints'


@contextlib.contextmanager
def step(what):
    """Say on stderr how long ``what`` took, so the log shows where the
    demo's minutes go."""
    start = time.perf_counter()
    yield
    print('demo: {} took {:.0f} s'.format(what, time.perf_counter() - start),
          file=sys.stderr, flush=True)


def keypoints_on_the_astronaut(net_file, out='astronaut-keypoints.png'):
    """``detect`` with ``net_file`` on scikit-image's astronaut photograph:
    the path from a photo to drawn keypoints, saying what it found and what
    the net learned from. Return ``out``."""
    from skimage import data

    from ..outputs.photos import draw_keypoints, find_keypoints
    from ..tutorial.plots import save_figure
    photo = data.astronaut()
    points = find_keypoints(photo, net_file)
    faces = points['face'].nunique()
    found = '{} face{}'.format(faces, '' if faces == 1 else 's')
    learned = ('synthetic faces, not people: the points show the path, not a result'
               if datadir.data_source() == 'synthetic' else "Kaggle's faces")
    print('demo: detect found {} on the astronaut photo; {} learned from {}'.format(
        found, net_file, learned), file=sys.stderr)
    return save_figure(draw_keypoints(photo, points, title='{}: {} on the astronaut'.format(
        net_file, found)), out, dpi=100)


def demo(max_epochs=DEMO_EPOCHS, seed=None, control=RunControl()):
    """net1 as in the tutorial (400 epochs) with its learning curve, its
    predictions on test images and its keypoints on a photograph; net6 and
    the six specialists (pretrained from net6) for a few epochs, their
    learning curves and a Kaggle submission; all in the current directory.
    Return the files written.

    net1 and net6 are units of work kept in ``demo.checkpoints`` and the
    specialists in ``net-specialists.checkpoints`` until the demo ends, so
    that the same call after a stop continues where it was
    (``control.restart`` starts over).

    The predictions shown are net1's: a net6 of a few epochs still predicts
    close to the mean face, while net1's 400 epochs show what was learned.
    """
    with step('the data set'):
        datadir.data_file(TRAIN_FILE)  # generates the default data set if needed
    print('Data: {} ({})'.format(datadir.data_dir(), datadir.data_source()),
          file=sys.stderr)
    units = [(Unit('net1', request(net='net1', seed=seed).settings), '400 epochs'),
             (Unit('net6', request(net='net6', max_epochs=max_epochs, seed=seed).settings),
              '{} epochs'.format(max_epochs))]
    work = WorkDir(control.work_dir or WORK_DIR, control.restart)
    written = []
    print(device_line())
    with pauses.pausable():
        for unit, what in units:
            with step('{}, {}'.format(unit.key, what)):
                trained = Serial().run([unit], work, control)
                written.append(save_or_rescue(trained[unit.key], unit.key + '.pickle'))
    with step("net1's and net6's figures"):
        written += [figures.plot_learning_curves('net1.pickle', 'net1-learning-curve.png'),
                    figures.plot_learning_curves('net6.pickle', 'net6-learning-curve.png'),
                    figures.plot_predictions('net1.pickle', 'net1-predictions.png')]
    with step("net1's keypoints on the astronaut photo"):
        written.append(keypoints_on_the_astronaut('net1.pickle'))
    with step('six specialists, {} epochs each'.format(SPECIALIST_EPOCHS)):
        fit_specialists('net6.pickle', max_epochs=SPECIALIST_EPOCHS, seed=seed,
                        control=dataclasses.replace(control, work_dir=None))
    with step("the specialists' figure and the submission"):
        written += [SPECIALISTS_PICKLE,
                    figures.plot_learning_curves(SPECIALISTS_PICKLE, LEARNING_CURVES_PNG),
                    predict(SPECIALISTS_PICKLE)]
    work.remove()
    return written
