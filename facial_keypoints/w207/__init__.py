"""The W207 experiments: a UC Berkeley MIDS team's extensions of the
tutorial (2016).

Their variants of net6 (:mod:`.variants`), image preprocessing
(:mod:`.preprocessing`), DCT copies of the training set (:mod:`.dct`)
and label cleaning (:mod:`.cleaning`); their parameter sweeps are the
command :mod:`facial_keypoints.commands.sweep`. Builds on the tutorial; the
tutorial imports nothing from here.
"""
from .variants import MAKERS

(Net6LP, Net6NP, Net6NPLF, Net6RP, Net6RPXL, CNet_NPLFXL, Net6RHL, ConvNet_Stack,
 ConvNet_Stack_Increase_Filter_Size) = (make() for make in MAKERS.values())
