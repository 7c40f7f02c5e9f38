"""Everything that touches upstream internals: the compatibility patches
(:mod:`.compat`) and the faster CPU ops put in place of Theano's
(:mod:`.fast_cpu`). Nothing else in the package does.
"""
