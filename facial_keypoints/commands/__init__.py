"""The commands: fit, evaluate, sweep, reproduce, demo (which train), export,
clean, doctor and kernels (a net's GPU kernels).

Each is imported when it runs (see :mod:`facial_keypoints.cli`), so that one command's imports,
Theano's among them, do not slow or break another (``doctor`` diagnoses a
Theano that fails to import).
"""
