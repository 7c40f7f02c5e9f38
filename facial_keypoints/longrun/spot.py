"""A watcher of EC2's spot interruption notice, which pauses training as
SIGTERM does (:mod:`.pauses`).

EC2 announces a spot interruption two minutes ahead in the instance
metadata: ``/latest/meta-data/spot/instance-action`` answers 404 until
then, and a JSON document once the instance is to stop. The watcher asks
for an IMDSv2 session token once, then polls that path with it.

Switched on by ``FKP_WATCH_SPOT=1``; ``FKP_IMDS_ENDPOINT`` (default
``http://169.254.169.254``) and ``FKP_SPOT_POLL_SECONDS`` (default 5, as
AWS advises) set where and how often it looks.
"""
import contextlib
import sys
import threading
import urllib.error
import urllib.request

ENDPOINT = 'http://169.254.169.254'
TOKEN_PATH = '/latest/api/token'
NOTICE_PATH = '/latest/meta-data/spot/instance-action'
POLL_SECONDS = 5.0
TIMEOUT = 2.0


def session_token(endpoint):
    """An IMDSv2 token, or None when there is no instance metadata."""
    request = urllib.request.Request(
        endpoint + TOKEN_PATH, method='PUT',
        headers={'X-aws-ec2-metadata-token-ttl-seconds': '21600'})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.read().decode('ascii').strip()
    except (OSError, urllib.error.URLError, ValueError):
        return None


class TokenExpired(Exception):
    """The metadata service no longer takes the session token (401)."""


def notice(endpoint, token):
    """The interruption notice (its text), or None while there is none."""
    request = urllib.request.Request(endpoint + NOTICE_PATH,
                                     headers={'X-aws-ec2-metadata-token': token})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.read().decode('utf-8', 'replace').strip() or 'notice'
    except urllib.error.HTTPError as e:
        if e.code == 401:
            raise TokenExpired() from None
        return None  # 404 until an interruption is scheduled
    except (OSError, urllib.error.URLError, ValueError):
        return None


class SpotWatcher(threading.Thread):
    """Polls for the notice every ``interval`` seconds; calls ``on_notice``
    once when it appears."""

    def __init__(self, endpoint, interval, on_notice):
        super().__init__(name='spot-watcher', daemon=True)
        self.endpoint, self.interval, self.on_notice = endpoint, interval, on_notice
        self.done = threading.Event()

    def run(self):
        token = session_token(self.endpoint)
        if token is None:
            print('spot watcher: no instance metadata at {}; not watching'.format(
                self.endpoint), file=sys.stderr, flush=True)
            return
        while not self.done.wait(self.interval):
            try:
                found = notice(self.endpoint, token)
            except TokenExpired:  # a run longer than the token's six hours
                token = session_token(self.endpoint) or token
                continue
            if found is not None:
                self.on_notice()
                return


@contextlib.contextmanager
def watching(environ, on_notice):
    """Within the block, watch for the notice if ``environ`` asks for it."""
    if environ.get('FKP_WATCH_SPOT', '') in ('', '0'):
        yield None
        return
    watcher = SpotWatcher(environ.get('FKP_IMDS_ENDPOINT', ENDPOINT).rstrip('/'),
                          float(environ.get('FKP_SPOT_POLL_SECONDS', POLL_SECONDS)),
                          on_notice)
    watcher.start()
    try:
        yield watcher
    finally:
        watcher.done.set()
