"""What changes Theano, Lasagne and nolearn: the compatibility patches
(:mod:`.compat`), applied as the stack is first imported (:mod:`.loading`);
how the CPU's thread pools share the cores (:mod:`.threads`); the faster
CPU ops put in place of Theano's (:mod:`.fast_cpu`, :mod:`.fast_conv`,
:mod:`.fast_gemm`), whose C code is in c_code/ (:mod:`.c_sources`); Theano's
GPU kernels compiled as on CUDA (:mod:`.gpu_kernels`); and what a net's
pickle may rebuild of them (:mod:`.pickled`). Nothing else in the package
changes them or reaches into them.
"""
