"""What a net is: its definition, input, loss, settings, record, training state and files.

Only the settings are imported here, so that a part that needs them alone
(the command line) imports no Theano.
"""
from .settings import RunControl, RunSettings  # noqa: F401
