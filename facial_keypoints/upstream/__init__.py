"""Everything that touches upstream internals: the compatibility patches
(:mod:`.compat`), how the CPU's thread pools share the cores
(:mod:`.threads`), and the faster CPU ops put in place of Theano's
(:mod:`.fast_cpu`, :mod:`.fast_conv`, :mod:`.fast_gemm`). Nothing else in the package does.
"""
