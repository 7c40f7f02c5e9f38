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
                _remove(candidate)


def _remove(entry):
    if os.path.isdir(entry) and not os.path.islink(entry):
        shutil.rmtree(entry)
    else:
        os.remove(entry)


@contextlib.contextmanager
def atomic_write(path, mode='wb', **kwargs):
    """Open a temporary file beside ``path``; rename it over ``path`` on success.

    If the block raises (or the process dies), ``path`` keeps its previous
    content and the temporary file is removed (at once, or at the next write).

    Examples
    --------
    >>> with atomic_write('net6.pickle') as f:     # doctest: +SKIP
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
def atomic_directory(path, marker=None):
    """Yield a temporary directory beside ``path``; on success it replaces
    ``path`` (a directory, or nothing), so readers see the old content or
    the complete new one, never a mix.

    A mount point (a folder given to a container with ``docker run -v``)
    cannot be renamed: there the temporary directory is made inside it and
    its entries are moved in, each by one rename, so each file is whole,
    though for an instant not the set; what the old content had beyond them
    is removed first. ``marker``, the name of the file that says the folder
    holds a set, is there throughout (moved in first where the folder has
    none, else replaced last), so that a write cut short leaves a folder the
    next one accepts.
    """
    path = os.path.abspath(os.path.expanduser(path))
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    mounted = is_mount_point(path)
    # (the temporary directory must be on the filesystem it is renamed into)
    tmp_of = os.path.join(path, '.content') if mounted else path
    remove_stale_partials(tmp_of)
    tmp = partial_name(tmp_of)
    os.mkdir(tmp)
    try:
        yield tmp
        if mounted:
            _move_entries(tmp, path, marker)
        else:
            _replace_whole(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def is_mount_point(path):
    """True when ``path`` is a mount point, a bind mount within one
    filesystem included (which ``os.path.ismount`` misses: its device and
    its parent's are the same)."""
    if os.path.ismount(path):
        return True
    try:
        with open('/proc/self/mountinfo') as f:
            points = {line.split()[4] for line in f}
    except (OSError, IndexError):
        return False
    # (mountinfo writes a space, a tab, a newline or a backslash as \ooo)
    points = {re.sub(r'\\([0-7]{3})', lambda m: chr(int(m.group(1), 8)), point)
              for point in points}
    return os.path.realpath(path) in points


def _replace_whole(tmp, path):
    """Rename the directory ``tmp`` over the directory ``path``."""
    if not os.path.exists(path):
        os.rename(tmp, path)
        return
    old = tempfile.mkdtemp(dir=os.path.dirname(path),
                           prefix='.' + os.path.basename(path) + '.old-')
    try:
        os.rename(path, os.path.join(old, 'content'))
    except OSError:
        os.rmdir(old)
        raise
    os.rename(tmp, path)
    shutil.rmtree(old, ignore_errors=True)


def _move_entries(tmp, path, marker):
    """Replace the content of ``path`` by the entries of ``tmp``, one rename
    each, ``marker`` as :func:`atomic_directory` says."""
    new = sorted(os.listdir(tmp))
    if marker in new:
        new.remove(marker)
        if os.path.exists(os.path.join(path, marker)):
            new.append(marker)
        else:
            new.insert(0, marker)
    for name in os.listdir(path):
        entry = os.path.join(path, name)
        # (os.replace cannot put a file or a folder over a folder)
        stays = name in new and not os.path.isdir(entry)
        if not (stays or name.endswith(SUFFIX)):
            _remove(entry)
    for name in new:
        os.replace(os.path.join(tmp, name), os.path.join(path, name))
    os.rmdir(tmp)


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
