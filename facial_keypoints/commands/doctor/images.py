"""The GPU images and the GPUs each runs on: the one home of the coverage
table in docs/gpu-docker.rst and docker/README.md (a test holds them to
it, and the images' NVRTC to it) and of the doctor's word on a GPU an
image does not cover.

An image's NVRTC compiles Theano's kernels to PTX for the GPU, which the
driver compiles to the GPU's code when it loads them: a GPU runs where its
architecture is one the NVRTC knows and the driver branches that load that
NVRTC's PTX support the GPU. The project's ``libnvrtc.so``
(``upstream/nvrtc_arch.c``) lets a GPU newer than the NVRTC run as well, on
PTX for the newest architecture the NVRTC knows, where the NVRTC can list
its architectures (11.2 and later).
"""
from collections import namedtuple

#: The architectures' families, by the compute capability each begins at.
FAMILIES = (((3, 0), 'Kepler'), ((5, 0), 'Maxwell'), ((6, 0), 'Pascal'), ((7, 0), 'Volta'),
            ((7, 5), 'Turing'), ((8, 0), 'Ampere'), ((8, 9), 'Ada'), ((9, 0), 'Hopper'),
            ((10, 0), 'Blackwell'))


class GpuImage(namedtuple('GpuImage', 'name dockerfile nvrtc oldest newest beyond driver')):
    """One GPU image.

    Attributes
    ----------
    name, dockerfile : str
        Its tag and its Dockerfile.
    nvrtc : tuple of int
        Its NVRTC's version, ``(major, minor)``.
    oldest, newest : tuple of int
        The compute capabilities it compiles for natively, from the floor
        of its NVRTC and driver to the newest architecture its NVRTC knows.
    beyond : bool
        Whether a newer GPU runs it, on PTX for ``newest``.
    driver : str
        The driver branches it runs on, in words.
    """

    def cells(self):
        """Its row in the coverage table of docs/gpu-docker.rst and
        docker/README.md: image, NVRTC, GPUs compiled for, newer GPUs,
        driver."""
        return [self.name, '{}.{}'.format(*self.nvrtc),
                '{} ({}) to {} ({})'.format(arch(self.oldest), family(self.oldest),
                                            arch(self.newest), family(self.newest)),
                'on PTX for {}'.format(arch(self.newest, 'compute_')) if self.beyond else 'no',
                self.driver]

    def path(self, capability):
        """'native' or 'ptx' for a GPU of ``capability`` this image runs
        on, else None."""
        if self.oldest <= capability <= self.newest:
            return 'native'
        if capability > self.newest and self.beyond:
            return 'ptx'
        return None


#: In the order of preference: a GPU both cover takes the first.
IMAGES = (
    GpuImage('facial-keypoints:gpu', 'docker/Dockerfile.gpu', (11, 8), (5, 0), (9, 0), True,
             'R520 or newer (Blackwell: R570 or newer)'),
    GpuImage('facial-keypoints:g2', 'docker/Dockerfile.g2', (10, 2), (3, 0), (7, 5), False,
             'R440 to R470 (Kepler\'s last branch); Maxwell and newer also on later ones'),
)


def arch(capability, prefix='sm_'):
    """``sm_90`` for compute capability ``(9, 0)``."""
    return '{}{}{}'.format(prefix, *capability)


def family(capability):
    """The architecture's family ('Hopper'), or 'unknown' before Kepler."""
    return next((name for start, name in reversed(FAMILIES) if capability >= start), 'unknown')


def image_for(capability):
    """The image a GPU of ``capability`` runs best on, or None."""
    return next((image for image in IMAGES if image.path(capability)), None)


def image_with_nvrtc(nvrtc):
    """The image whose NVRTC is ``nvrtc``, ``(major, minor)``, or None."""
    return next((image for image in IMAGES if image.nvrtc == nvrtc), None)
