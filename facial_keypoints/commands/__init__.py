"""The commands that train and report: fit, evaluate, sweep, reproduce, demo, doctor."""
