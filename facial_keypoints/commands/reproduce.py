"""``reproduce``: train the tutorial's nets, then write the reproduction
report (:mod:`facial_keypoints.outputs.report`)."""
from ..longrun import cluster, pauses
from ..longrun.checkpoints import WorkDir, save_or_rescue
from ..longrun.train import default_work_dir, request
from ..longrun.units import Unit
from ..model.settings import REPORT, RunControl
from ..outputs.report import write_report


def reproduce(names, max_epochs=None, out=REPORT, seed=None, control=RunControl()):
    """Train the nets ``names``, each pickled to ``NAME.pickle``, then write
    the report; return the files written, the pickles first. Each net is a
    unit of work kept in ``control.work_dir`` (default ``OUT.checkpoints``)
    until the report is written, so that running the same call again after
    a stop keeps the finished nets and continues the one that was training
    (``control.restart`` starts over); with ``control.cluster`` (a
    :class:`~facial_keypoints.longrun.cluster.Spec`) they train side by side
    on a cluster's workers."""
    work = WorkDir(control.work_dir or default_work_dir(out), control.restart)
    units = [Unit(name, request(net=name, max_epochs=max_epochs, seed=seed).settings)
             for name in names]
    with pauses.pausable(), cluster.runner(control.cluster) as runner:
        trained = runner.run(units, work, control)
        pickles = ['{}.pickle'.format(name) for name in names]
        for name, pickle in zip(names, pickles):
            save_or_rescue(trained[name], pickle)
    report = write_report(pickles, out)
    work.remove()
    return pickles + [report]
