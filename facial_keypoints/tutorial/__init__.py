"""The tutorial itself: its data loading, iterator, callbacks, nets,
specialists and figures, each in the module named for it. Imports nothing
from the W207 experiments; :mod:`facial_keypoints.kfkd` gathers its names.
"""
