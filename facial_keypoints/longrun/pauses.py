"""Every stop is a pause: Ctrl-C, SIGTERM (``docker stop``, a spot
interruption) and SIGHUP (a closed terminal) end the epoch in flight;
training then writes its checkpoint and stops (see :mod:`.checkpoints`).

Within :func:`pausable`, the first of these signals asks for a pause and says
so in one line on stderr; a second Ctrl-C stops at once, in the middle of
an epoch (nolearn's own Ctrl-C), leaving the last checkpoint to continue
from. Outside it, signals keep Python's defaults.
"""
import contextlib
import os
import signal
import sys
import threading

from .spot import watching

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _Request:
    """What was asked, process-wide (signals are)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.signum = None
        self.why = None
        self.at_once = False
        self.depth = 0

    def ask(self, signum, why):
        """Ask for a pause; True for the first request."""
        with self.lock:
            if self.signum is not None:
                return False
            self.signum, self.why = signum, why
            return True


_request = _Request()


def requested():
    """The number of the signal that asked for a pause, or None."""
    return _request.signum


def reason():
    """What asked for the pause: 'SIGTERM', 'Ctrl-C', ... (None if nothing)."""
    return _request.why


def stopped_at_once():
    """True when a second Ctrl-C stopped training in the middle of an epoch."""
    return _request.at_once


def ask_for_pause(signum, why, hint=''):
    """Ask training to pause at the end of its epoch, as ``signum`` would
    (the spot watcher asks from its thread)."""
    if _request.ask(signum, why):
        print('{}: finishing this epoch, then writing a checkpoint and stopping{}'.format(
            why, hint), file=sys.stderr, flush=True)


def _name(signum):
    return 'Ctrl-C' if signum == signal.SIGINT else signal.Signals(signum).name


def _on_signal(signum, frame):
    if _request.signum is not None:
        if signum == signal.SIGINT:
            _request.at_once = True
            raise KeyboardInterrupt
        return
    ask_for_pause(signum, _name(signum), ' (Ctrl-C again to stop at once)'
                  if signum == signal.SIGINT else '')


@contextlib.contextmanager
def pausable():
    """Within the block, the signals of :data:`SIGNALS` ask for a pause
    (see the module docstring). Blocks nest; the outermost one installs
    the handlers, the spot watcher where ``FKP_WATCH_SPOT`` asks for it,
    and forgets the request when it ends."""
    if _request.depth:
        _request.depth += 1
        try:
            yield
        finally:
            _request.depth -= 1
        return
    try:
        previous = {s: signal.signal(s, _on_signal) for s in SIGNALS}
    except ValueError:  # not the main thread: signals stay as they are
        previous = {}
    _request.depth = 1
    try:
        with watching(os.environ, lambda: ask_for_pause(
                signal.SIGTERM, 'EC2 spot interruption notice')):
            yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _request.depth = 0
        _request.signum = _request.why = None
        _request.at_once = False
