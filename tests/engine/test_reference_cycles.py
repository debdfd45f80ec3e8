"""Starting a workload's pods leaves no reference cycles behind.

The controller manager pauses the cyclic garbage collector while it settles (a settle mostly
creates objects that live on), so whatever the engine makes per pod in a cycle is only freed
by the collection after the settle, which then walks everything the settle made. Starting a
container runs its entrypoint in a short-lived shell process; that process and its output
sinks must be freed by reference counting alone. (A deleted pod's container instance is still
freed by the collector: its shell context and programs point back at it.)
"""

from __future__ import annotations

import gc
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: reach the helpers
from workload_helpers import deployment

from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.store import USER


def test_starting_pods_leaves_no_cyclic_garbage() -> None:
    cluster = Cluster.create(ClusterConfig(clock="manual", workers=3))
    cluster.api.apply(deployment(replicas=5), USER)
    cluster.advance(30)
    gc.collect()
    saved = gc.get_debug()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        cluster.api.apply(deployment(replicas=150), USER)
        cluster.advance(60)
        gc.collect()
        kinds = Counter(type(o).__name__ for o in gc.garbage)
    finally:
        gc.set_debug(saved)
        gc.garbage.clear()
    running = [p for p in cluster.store.list("pods", "default")
               if (p.get("status") or {}).get("phase") == "Running"]
    assert len(running) == 150
    assert sum(kinds.values()) < 30, kinds.most_common(5)
