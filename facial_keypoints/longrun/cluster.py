"""The Dask cluster that units of work (:mod:`.units`, :mod:`.manifests`) run on.

- ``--workers N``: an embedded cluster on this machine, its scheduler and
  N worker processes (spawned, never forked: Theano and a GPU context must
  not cross a fork) listening on 127.0.0.1 only, each with its share of the
  cores for OpenMP's and OpenBLAS's threads.
- ``--scheduler ADDRESS``: an existing cluster, ``tcp://`` or, with
  certificates, ``tls://``. ``kfkd worker ADDRESS`` starts the workers of
  one machine: one per GPU with ``--gpus``, each seeing only its GPU
  (``CUDA_VISIBLE_DEVICES``, ``THEANO_FLAGS=device=cuda0``) and offering a
  ``GPU`` resource, so that two units never share a GPU; else CPU workers.

The submitting process only describes units and reads their results: it
never initialises a GPU. Anyone who can reach a scheduler without TLS can
run code on its workers (docs/scale-out.rst says when plain TCP will do).
"""
import asyncio
import contextlib
import dataclasses
import importlib.util
import logging
import os
import signal
import threading
import time
import uuid

from ..base.errors import Paused, UsageError, UserError
from ..kaggle import datadir
from ..model import persist, record
from ..model.settings import RunControl
from . import pauses
from .checkpoints import WorkDir
from .manifests import describe, execute, place, pretrained_manifest
from .units import Serial


@dataclasses.dataclass(frozen=True)
class Spec:
    """A cluster to run units on: ``workers`` (an embedded one of that many
    worker processes) or ``scheduler`` (an existing one's address), and the
    TLS files (CA, certificate, key)."""

    workers: int = None
    scheduler: str = None
    tls_ca: str = None
    tls_cert: str = None
    tls_key: str = None

    @property
    def asked(self):
        """True when a cluster is asked for at all."""
        return bool(self.workers or self.scheduler)


def cores():
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def thread_environment(workers):
    """The thread counts of one of ``workers`` CPU workers on this machine."""
    share = str(max(1, cores() // max(1, workers)))
    return {'OMP_NUM_THREADS': share, 'OPENBLAS_NUM_THREADS': share}


def with_device(theano_flags, device):
    """``THEANO_FLAGS`` with ``device`` in place of any the user gave."""
    flags = [f for f in (theano_flags or '').split(',')
             if f.strip() and not f.strip().startswith('device=')]
    return ','.join(flags + ['device=' + device])


def worker_specs(gpus=None, nworkers=1, environ=None):
    """(environment, resources) of each worker ``kfkd worker`` starts: one
    per GPU of ``gpus`` (their numbers), else ``nworkers`` CPU workers."""
    environ = os.environ if environ is None else environ
    if not gpus:
        return [(thread_environment(nworkers), {}) for _ in range(nworkers)]
    flags = with_device(environ.get('THEANO_FLAGS'), 'cuda0')
    return [(dict(thread_environment(len(gpus)), CUDA_VISIBLE_DEVICES=str(gpu),
                  THEANO_FLAGS=flags), {'GPU': 1}) for gpu in gpus]


def security(spec, role='client'):
    """Dask's TLS settings from the files of ``spec`` (None without them)."""
    if not spec.tls_ca:
        return None
    from distributed.security import Security
    for path in (spec.tls_ca, spec.tls_cert, spec.tls_key):
        if not path or not os.path.exists(path):
            raise UsageError('TLS needs `tls_ca`, `tls_cert` and `tls_key` files; '
                             '{} is missing'.format(path))
    files = {'tls_ca_file': spec.tls_ca, 'tls_{}_cert'.format(role): spec.tls_cert,
             'tls_{}_key'.format(role): spec.tls_key}
    return Security(require_encryption=True, **files)


def dashboard_address():
    """Where the embedded cluster's dashboard listens, where its optional
    dependency (bokeh) is installed; None otherwise."""
    return '127.0.0.1:0' if importlib.util.find_spec('bokeh') else None


@contextlib.contextmanager
def runner(spec=None, say=print):
    """The runner of units for ``spec``: :class:`.units.Serial` without one,
    else :class:`OnCluster` on the cluster it names (closed after)."""
    if spec is None or not spec.asked:
        yield Serial()
        return
    from distributed import Client, LocalCluster
    if spec.workers and spec.scheduler:
        raise UsageError('give `workers` or `scheduler`, not both')
    cluster, began = None, time.perf_counter()
    if spec.workers:
        cluster = LocalCluster(
            n_workers=spec.workers, threads_per_worker=1, processes=True,
            host='127.0.0.1', dashboard_address=dashboard_address(),
            silence_logs=logging.ERROR, env=thread_environment(spec.workers))
        client = Client(cluster)
    else:
        if spec.scheduler.startswith('tls://') and not spec.tls_ca:
            raise UsageError('`scheduler` {}: a TLS cluster needs `tls_ca`, `tls_cert` and '
                             '`tls_key`'.format(spec.scheduler))
        try:
            client = Client(spec.scheduler, security=security(spec), timeout=30)
        except (OSError, TimeoutError) as e:
            raise UsageError('`scheduler` {}: cannot reach it ({})'.format(
                spec.scheduler, e)) from None
    try:
        info = client.scheduler_info()
        workers = info['workers'].values()
        say('Dask scheduler {} with {} workers, ready in {:.1f} s{}'.format(
            info['address'], len(workers), time.perf_counter() - began,
            '; dashboard ' + client.dashboard_link
            if 'dashboard' in info.get('services', {}) else ''))
        gpus = any('GPU' in (w.get('resources') or {}) for w in workers)
        yield OnCluster(client, shared_work_dir=cluster is not None, gpus=gpus, say=say)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def warm(settings_json, data_dir):
    """On a worker: compile each net of ``settings_json`` once, so that the
    units after it find Theano's compile cache warm; return the seconds."""
    from ..model.registry import net_for
    from ..model.settings import RunSettings
    datadir.set_data_dir(data_dir)
    began = time.perf_counter()
    for values in settings_json:
        net_for(RunSettings.from_dict(values)).initialize()
    return time.perf_counter() - began


def warm_up(client, units, data_dir, say=print):
    """Warm the compile cache of every machine of the cluster before the
    units fan out: one worker per host compiles each distinct net. (Several
    processes compiling into one cache wait for its lock, and a cache on a
    shared filesystem breaks across machines: keep each machine's local.)"""
    distinct = {}
    for unit in units:
        base = unit.settings.replace(columns=None, seed=0, exclude=None,
                                     max_epochs=None, pretrained=None, time_limit=None)
        distinct.setdefault(base.fingerprint(), base.to_dict())
    hosts = {}
    for address, worker in client.scheduler_info()['workers'].items():
        hosts.setdefault(worker['host'], address)
    futures = {host: client.submit(warm, list(distinct.values()), data_dir,
                                   workers=[address], pure=False, allow_other_workers=False)
               for host, address in hosts.items()}
    for host, future in futures.items():
        say('compile cache of {} warm: {} net{} in {:.1f} s'.format(
            host, len(distinct), '' if len(distinct) == 1 else 's', future.result()))


class OnCluster:
    """Units on the workers of a Dask cluster (a ``distributed.Client``).

    Each unit is one task; a unit that starts from another's net waits for
    it. The submitting process prints a line when a unit starts, finishes
    or starts again elsewhere (its worker was lost: it continues from its
    checkpoint where the work directory is shared).
    """

    def __init__(self, client, shared_work_dir=True, gpus=False, say=print):
        self.client, self.shared = client, shared_work_dir
        self.gpus, self.say = gpus, say

    def run(self, units, work, control=RunControl(), nets=None):
        """Train ``units`` as ``control`` says; return {key: net}, each read
        from its ``.npz``. (``nets`` is for :class:`.units.Serial`: workers
        read no pickles.)"""
        data_dir = os.path.abspath(datadir.data_dir())
        os.makedirs(work.path, exist_ok=True)
        warm_up(self.client, units, data_dir, self.say)
        starts, futures, self.scattered = {}, {}, {}
        self.pause = 'fkp-pause-' + uuid.uuid4().hex
        self.client.subscribe_topic('fkp-unit', self._progress(starts))
        try:
            for unit in units:
                futures[unit.key] = self._submit(unit, work, futures,
                                                 dataclasses.replace(control, cluster=None),
                                                 data_dir)
            manifests = self._gathered([futures[u.key] for u in units])
        finally:
            self.client.unsubscribe_topic('fkp-unit')
        paused = [found for found in manifests if found.get('paused')]
        if paused:  # a worker's own stop (its spot notice)
            raise Paused(paused[0]['paused'], signal.SIGTERM)
        trained = {}
        for unit, found in zip(units, manifests):
            trained[unit.key] = persist.load_single_net(place(found, work))
            record.update_record(trained[unit.key], worker=found.get('worker'))
        self.say("each unit's log: {}".format(work.logs))
        return trained

    def _submit(self, unit, work, futures, control, data_dir):
        start_from = None
        if unit.after is not None:
            start_from = futures[unit.after]
        elif unit.settings.pretrained is not None:
            pretrained = unit.settings.pretrained
            if pretrained not in self.scattered:  # sent once to every worker
                self.scattered[pretrained] = self.client.scatter(
                    pretrained_manifest(pretrained, work), broadcast=True)
            start_from = self.scattered[pretrained]
        return self.client.submit(
            execute_reporting, unit.to_json(), os.path.abspath(work.path), data_dir, control,
            start_from, not self.shared, self.pause,
            resources={'GPU': 1} if self.gpus else None,
            key='fkp-{}-{}'.format(unit.settings.fingerprint(), unit.key), pure=False)

    def _gathered(self, futures):
        """The futures' results. A pause asked for here (Ctrl-C, SIGTERM)
        reaches the units in flight: each ends its epoch and writes its
        checkpoint (a second Ctrl-C stops waiting for them)."""
        from distributed import Event, KilledWorker, wait
        while True:
            try:
                wait(futures, timeout=0.5)
                break
            except TimeoutError:  # still training: a pause asked for?
                pass
            if pauses.requested() is not None:
                Event(self.pause, client=self.client).set()
                wait(futures)  # each unit ends its epoch; those not started, at once
                raise Paused('Paused ({}): the units in flight wrote their checkpoints; run '
                             'the same command again to continue'.format(pauses.reason()),
                             pauses.requested())
        try:
            return self.client.gather(futures)
        except KilledWorker as e:
            raise UserError('a unit of work ({}) lost every worker it ran on; see the '
                            "workers' logs (out of memory?)".format(e.args[0])) from None

    def _progress(self, starts):
        def handler(event):
            _, message = event
            key, worker = message['key'], message['worker']
            if message['what'] == 'started':
                starts[key] = starts.get(key, 0) + 1
                if starts[key] == 1:
                    self.say('unit {} started on {}'.format(key, worker))
                else:
                    self.say('unit {} started again on {} (attempt {}: its worker was '
                             'lost)'.format(key, worker, starts[key]))
            elif message['kept']:
                self.say('unit {} kept from an earlier run: {}'.format(key, describe(message)))
            else:
                self.say('unit {} done on {}: {}'.format(key, worker, describe(message)))
        return handler


def execute_reporting(unit_json, work_dir, data_dir, control, start_from, with_bytes, pause):
    """:func:`execute`, telling the submitting process when the unit
    starts and finishes (Dask's event log), and pausing at the end of an
    epoch when the Dask event ``pause`` is set (the submitting process was
    asked to pause) or this worker's machine is to stop (its spot notice).
    A paused unit's manifest says so in ``paused``."""
    from distributed import get_worker
    worker = get_worker()
    key = unit_json['key']
    if not WorkDir(work_dir).finished(key):
        worker.log_event('fkp-unit', dict(what='started', key=key, worker=worker.address))
    with pauses.pausable(), _watching(pause):
        try:
            found = execute(unit_json, work_dir, data_dir, control, start_from, with_bytes)
        except Paused as e:  # a KeyboardInterrupt, which must not reach Dask
            return dict(key=key, paused=str(e), worker=worker.address)
    found['worker'] = worker.address
    worker.log_event('fkp-unit', dict({k: v for k, v in found.items()
                                       if k not in ('npz', 'log')}, what='done'))
    return found


@contextlib.contextmanager
def _watching(pause):
    """Within the block, a thread that asks training to pause once the
    Dask event ``pause`` is set."""
    from distributed import Event, get_client
    done, event = threading.Event(), Event(pause, client=get_client())

    if event.is_set():  # paused before this unit started
        pauses.ask_for_pause(signal.SIGTERM, 'the submitting process paused')

    def watch():
        while not done.is_set():
            try:
                if event.wait(timeout=1):
                    pauses.ask_for_pause(signal.SIGTERM, 'the submitting process paused')
                    return
            except (OSError, TimeoutError):  # the scheduler is going away
                return
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()


def run_workers(spec, gpus=None, nworkers=1):
    """``kfkd worker``: start this machine's workers for the scheduler of
    ``spec`` (a :class:`Spec`) and serve until SIGTERM or Ctrl-C."""
    from distributed import Nanny
    scheduler = spec.scheduler
    sec = security(spec, role='worker')
    specs = worker_specs(gpus, nworkers)

    async def serve():
        nannies = [Nanny(scheduler, nthreads=1, env=env, resources=resources or None,
                         security=sec, silence_logs=logging.ERROR)
                   for env, resources in specs]
        await asyncio.gather(*nannies)
        for nanny, (env, resources) in zip(nannies, specs):
            print('worker {} for {}{}'.format(nanny.worker_address, scheduler, (
                ': GPU {}'.format(env['CUDA_VISIBLE_DEVICES']) if resources else '')),
                flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        finished = asyncio.gather(*(nanny.finished() for nanny in nannies))
        await asyncio.wait([asyncio.ensure_future(stop.wait()), finished],
                           return_when=asyncio.FIRST_COMPLETED)
        await asyncio.gather(*(nanny.close() for nanny in nannies), return_exceptions=True)
    asyncio.run(serve())
