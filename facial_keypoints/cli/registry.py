"""The registry of commands: each is a function that calls the library and
says what was written, registered with its options by :func:`command`
right above it."""
import argparse

def wrote(*fnames):
    for fname in fnames:
        print('Wrote {}'.format(fname))


class Command:
    """A subcommand: its name, help, arguments and the function it runs;
    ``names`` maps the library's parameters to this command's options where
    they are not :data:`OPTIONS`'s."""

    def __init__(self, name, help, run, arguments, aliases=(), data=True, epilog=None,
                 names=None):
        self.name, self.help, self.run = name, help, run
        self.arguments, self.aliases, self.data = arguments, aliases, data
        self.epilog, self.names = epilog, names or {}

    def add_to(self, commands):
        sub = commands.add_parser(self.name, help=self.help, description=self.help,
                                  aliases=list(self.aliases))
        if self.epilog:
            sub.formatter_class = argparse.RawDescriptionHelpFormatter
            sub.epilog = self.epilog()
        sub.set_defaults(run=self.run, names=self.names)
        if self.data:
            sub.add_argument('--data-dir', help='directory of the Kaggle CSV files')
        for flags, options in self.arguments:
            sub.add_argument(*flags, **options)


COMMANDS = []


def command(name, help, *arguments, aliases=(), data=True, epilog=None, names=None):
    """Register the decorated function as the command ``name``."""
    def register(run):
        COMMANDS.append(Command(name, help, run, arguments, aliases, data, epilog, names))
        return run
    return register
