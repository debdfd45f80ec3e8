"""Persistence: a cluster's state directory, its SQLite database, snapshots and the lock.

This layer sits outside the engine (which does no I/O): it saves what the engine journals and
rebuilds a `Cluster` from the saved objects when a process starts.
"""
