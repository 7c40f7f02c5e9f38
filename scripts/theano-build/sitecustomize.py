"""Loaded (through PYTHONPATH) while pip builds Theano 1.0.5 from its sdist
on CPython >= 3.12 (scripts/bootstrap.sh): its setup.py runs versioneer,
which uses ``configparser.SafeConfigParser`` and its ``readfp`` method,
both removed in CPython 3.12. Only the build sees them again; the installed
Theano does not use them."""
import configparser

if not hasattr(configparser, 'SafeConfigParser'):
    class SafeConfigParser(configparser.ConfigParser):
        """CPython < 3.12's ``SafeConfigParser``, with ``readfp``."""

        def readfp(self, fp, filename=None):
            return self.read_file(fp, filename)

    configparser.SafeConfigParser = SafeConfigParser
