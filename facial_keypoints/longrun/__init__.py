"""Training that outlasts any stop: pauses, checkpoints, units of work, clusters."""
