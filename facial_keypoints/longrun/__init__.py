"""Training that outlasts any stop: pauses, checkpoints, units of work, clusters.

Its modules are imported one by one where they are used: the cluster's
brings in Dask, which the other commands do not need.
"""
