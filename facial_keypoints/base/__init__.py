"""The basics every other part imports: errors, checks, atomic files, the console."""
from .errors import (CheckpointError, DataError, DownloadError, Paused,  # noqa: F401
                     UsageError, UserError)
