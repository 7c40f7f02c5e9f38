"""Theano's gpuarray back-end: nets trained on a GPU device can be
pickled."""
from .patch import Patch

#: Where Theano 1.0.5's ``GpuCAReduceCPY`` caches its pygpu reduction
#: kernel, on the Apply node it reduces for.
REDUCTION_KERNEL_CACHE = '@cache_reduction_k'


class GpuReductionKernelPickling(Patch):
    """Theano 1.0.5's ``GpuCAReduceCPY`` (the reduction op of the gpuarray
    back-end on OpenCL) caches a pygpu ``ReductionKernel`` on its Apply node,
    under ``'@cache_reduction_k'``, and the kernel holds its ``GpuContext``,
    which cannot be pickled. nolearn pickles a net with its compiled
    functions, so no net trained on OpenCL could be saved ("Cannot pickle
    GpuContext object"). We leave the cache out of a node's pickled state,
    as Theano's own ``Apply.__getstate__`` leaves out ``tag.ufunc``; the op
    builds the kernel again when it finds none (``get_kernel_cache``).
    """

    name = 'theano-gpu-reduction-kernel-pickling'

    def needed(self):
        from theano.gof.graph import Apply
        return not hasattr(Apply.__getstate__, '__wrapped__')

    def apply(self):
        from theano.gof.graph import Apply
        original = Apply.__getstate__

        def __getstate__(self):
            state = original(self)
            if REDUCTION_KERNEL_CACHE in state:
                state = dict(state)
                del state[REDUCTION_KERNEL_CACHE]
            return state

        __getstate__.__wrapped__ = original
        Apply.__getstate__ = __getstate__
