"""Write files so that an interrupted run never leaves half a file behind.

A file is written to a temporary file beside its target, named
``.NAME.<pid>.partial``, and renamed over the target once complete. A failed
write removes its temporary file; one left by a process that was killed
(``kill -9``, a power cut) is removed at the next write of the same target,
once no process of that id is running.
"""
import contextlib
import glob
import os
import re
import shutil
import tempfile
import zipfile

import numpy as np

SUFFIX = '.partial'


def partial_name(path, pid=None):
    """The temporary file name for ``path`` written by process ``pid``."""
    directory, name = os.path.split(path)
    return os.path.join(directory, '.{}.{}{}'.format(name, pid or os.getpid(), SUFFIX))


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_partials(path):
    """Remove temporary files of ``path`` left by processes that are gone."""
    directory, name = os.path.split(path)
    pattern = re.compile(r'^\.' + re.escape(name) + r'\.(\d+)' + re.escape(SUFFIX) + '$')
    for candidate in glob.glob(os.path.join(glob.escape(directory), '.*' + SUFFIX)):
        match = pattern.match(os.path.basename(candidate))
        if match and not _alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                if os.path.isdir(candidate):
                    shutil.rmtree(candidate)
                else:
                    os.remove(candidate)


@contextlib.contextmanager
def atomic_write(path, mode='wb', **kwargs):
    """Open a temporary file beside ``path``; rename it over ``path`` on success.

    If the block raises (or the process dies), ``path`` keeps its previous
    content and the temporary file is removed (at once, or at the next write).

    Examples
    --------
    >>> with atomic_write('net.pickle') as f:      # doctest: +SKIP
    ...     pickle.dump(net, f, -1)
    """
    path = os.path.abspath(os.path.expanduser(path))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.isdir(path):
        raise IsADirectoryError(21, 'Is a directory', path)
    remove_stale_partials(path)
    tmp = partial_name(path)
    try:
        with open(tmp, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


@contextlib.contextmanager
def atomic_directory(path):
    """Yield a temporary directory beside ``path``; on success it replaces
    ``path`` (a directory, or nothing), so readers see the old content or
    the complete new one, never a mix."""
    path = os.path.abspath(os.path.expanduser(path))
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    remove_stale_partials(path)
    tmp = partial_name(path)
    os.mkdir(tmp)
    try:
        yield tmp
        if os.path.exists(path):
            old = tempfile.mkdtemp(dir=parent, prefix='.' + os.path.basename(path) + '.old-')
            os.rename(path, os.path.join(old, 'content'))
            os.rename(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def save_npz(path, arrays):
    """Write ``arrays`` (name -> array) to ``path`` as ``np.savez`` does,
    through :func:`atomic_write`.

    ``np.savez`` leaves its zip archive to the garbage collector when a write
    fails (a full disk), which then writes to the closed file and prints a
    traceback; here the archive is closed at once, raising the write's error.
    """
    with atomic_write(path) as f:
        with zipfile.ZipFile(f, mode='w', compression=zipfile.ZIP_STORED,
                             allowZip64=True) as archive:
            for name, value in arrays.items():
                with archive.open(name + '.npy', mode='w', force_zip64=True) as member:
                    np.lib.format.write_array(member, np.asanyarray(value),
                                              allow_pickle=False)
