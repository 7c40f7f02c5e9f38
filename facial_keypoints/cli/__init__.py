"""The command line: ``python -m facial_keypoints.kfkd <command> [args]``,
or ``kfkd <command> [args]`` where the package is installed.

A thin layer: each command is a function that calls the library and says
what was written, registered with its options (:mod:`.options`) by
:func:`.registry.command` right above it, in a module by family
(:mod:`.training`, :mod:`.trained`, :mod:`.data`, :mod:`.machine`). Every
failure that is the user's input or environment prints one line,
``error: <what>: <why>; <what to do>``, naming the command line's options
where the library names its parameters, and exits 2 (bad arguments) or 1;
only a bug shows a traceback (or ``--debug``). A run paused by a signal
says in one line where it stopped and how to continue, and exits 128 + the
signal's number: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP.

Nothing here imports Theano: the commands import the library when they
run (a net's name is checked then), so ``--help`` answers at once.
"""
import argparse
import os
import sys

from ..base.errors import Paused, UsageError, UserError
from ..kaggle import datadir
# The commands register as their modules are imported, in this order: that
# of --help.
from . import training, trained, data, machine  # noqa: F401,E402
from .options import option
from .registry import COMMANDS

EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


class Parser(argparse.ArgumentParser):
    """argparse, with a bad argument reported in one line."""

    def error(self, message):
        self.exit(EXIT_USAGE, 'error: {}: {}; see `{} --help`\n'.format(
            self.prog.rpartition(' ')[2], message, self.prog))


def program():
    """How the command line was started: ``kfkd`` (the installed script) or
    ``python -m facial_keypoints.kfkd``."""
    started = os.path.basename(sys.argv[0] if sys.argv else '')
    return 'kfkd' if started == 'kfkd' else 'python -m facial_keypoints.kfkd'


def build_parser():
    parser = Parser(
        prog=program(),
        description='Facial keypoint detection with convolutional neural nets '
                    '(the tutorial\'s kfkd.py).',
        epilog='Run a command with --help for its options. The data directory is '
               '--data-dir, else $FKP_DATA_DIR, else {} if it has the Kaggle files, '
               'else synthetic faces generated on first use. A pickle of a trained net '
               'loads only if it names nothing beyond what a net holds, so that it runs '
               'no code (see `inspect` and --trust).'.format(datadir.KAGGLE_DATA_DIR))
    parser.add_argument('--debug', action='store_true',
                        help='show a traceback for every error')
    parser.add_argument('--trust', action='append', default=[], metavar='FILE',
                        help='load the pickle FILE even if it names globals beyond '
                        'those of a trained net: only a file you trust, since '
                        'unpickling runs what it names (also $FKP_TRUSTED_PICKLES)')
    commands = parser.add_subparsers(dest='command', metavar='command')
    for each in COMMANDS:
        each.add_to(commands)
    return parser


def one_line(text):
    return ' '.join(str(text).split())


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, 'run', None) is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if getattr(args, 'data_dir', None):
            datadir.set_data_dir(args.data_dir)
        if args.trust:
            from ..model.unpickling import trust
            for fname in args.trust:
                trust(fname)
        code = args.run(args)
    except Paused as e:
        if args.debug:
            raise
        print(one_line(e), file=sys.stderr)
        return e.exit_status
    except KeyboardInterrupt:
        if args.debug:
            raise
        print('error: interrupted', file=sys.stderr)
        return EXIT_INTERRUPTED
    except UserError as e:
        if args.debug:
            raise
        print('error: {}'.format(one_line(e.describe(
            lambda name: args.names.get(name) or option(name)))), file=sys.stderr)
        return EXIT_USAGE if isinstance(e, UsageError) else EXIT_ERROR
    except OSError as e:
        if args.debug:
            raise
        where = '{}: '.format(e.filename) if e.filename else ''
        print('error: {}{}; check the path, its permissions and the free disk '
              'space'.format(where, one_line(e.strerror or e)), file=sys.stderr)
        return EXIT_ERROR
    return code or 0
