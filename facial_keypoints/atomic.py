"""Write files so that an interrupted run never leaves half a file behind."""
import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_write(path, mode='wb', **kwargs):
    """Open a temporary file beside ``path``; rename it over ``path`` on success.

    If the block raises (or the process dies), ``path`` keeps its previous
    content and the temporary file is removed.

    Examples
    --------
    >>> with atomic_write('net.pickle') as f:      # doctest: +SKIP
    ...     pickle.dump(net, f, -1)
    """
    path = os.path.abspath(os.path.expanduser(path))
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.' + os.path.basename(path),
                               suffix='.tmp')
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # as open() would create it
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
