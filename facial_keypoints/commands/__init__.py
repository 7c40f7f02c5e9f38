"""The commands that train and report: fit, evaluate, sweep, reproduce, demo, doctor.

Each is imported when it runs (see cli.py), so that one command's imports,
Theano's among them, do not slow or break another (``doctor`` diagnoses a
Theano that fails to import).
"""
