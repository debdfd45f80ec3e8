"""Per-pod cost of `playground.engine.scheduler.schedule` at 100 and 1,000 nodes.

Not a test: run `python benchmarks/scheduler_bench.py` and read the numbers. Pods come from a
few Deployments (owned by ReplicaSets, so the default topology spreading is in play), request
100m/128Mi, and are bound as they are scheduled, the way the scheduling controller keeps its
NodeInfos up to date (reusing the pod's parse for its bound version). Nodes are pre-loaded with
`--preload` pods each to resemble a busy cluster. The pods go through a `SchedulingCache` as the
scheduling controller's do; `--uncached` measures the plain evaluation instead.
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

from playground.engine.scheduler import NodeInfo, PodInfo, SchedulingCache, schedule

ZONES = ("zone-a", "zone-b", "zone-c")


def make_node(index: int) -> dict[str, Any]:
    name = f"node-{index:04d}"
    return {"metadata": {"name": name, "labels": {
                "kubernetes.io/hostname": name, "topology.kubernetes.io/zone": ZONES[index % 3]}},
            "spec": {},
            "status": {"allocatable": {"cpu": "16", "memory": "64Gi", "pods": "250"}}}


def make_pod(serial: int, deployments: int) -> dict[str, Any]:
    app = f"app-{serial % deployments}"
    return {"metadata": {"name": f"{app}-{serial}", "namespace": "default", "uid": f"uid-{serial}",
                         "labels": {"app": app, "pod-template-hash": "5d8f7c9b4"},
                         "ownerReferences": [{"kind": "ReplicaSet", "name": app, "uid": app,
                                              "controller": True}]},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.25", "resources": {
                "requests": {"cpu": "100m", "memory": "128Mi"}}}]}}


def run(node_count: int, pods: int, preload: int, deployments: int,
        cached: bool = True) -> float:
    """Microseconds per scheduled pod."""
    nodes = [NodeInfo(make_node(i)) for i in range(node_count)]
    serial = 0
    for node in nodes:
        for _ in range(preload):
            pod = make_pod(serial, deployments)
            pod["spec"]["nodeName"] = node.name
            node.add_pod(pod)
            serial += 1
    by_name = {n.name: n for n in nodes}
    rng = random.Random(1)
    start_index = 0
    cache = SchedulingCache() if cached else None
    batch = [make_pod(serial + i, deployments) for i in range(pods)]
    began = time.perf_counter()
    for pod in batch:
        info = PodInfo(pod)
        result = schedule(info, nodes, rng, start_index=start_index, cache=cache)
        start_index = result.next_start_index
        if result.node_name is not None:
            bound = dict(pod, spec=dict(pod["spec"], nodeName=result.node_name))
            by_name[result.node_name].add_pod(info.bound_to(bound) or bound)
    elapsed = time.perf_counter() - began
    return elapsed / pods * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=2000, help="pods to schedule per run")
    parser.add_argument("--preload", type=int, default=20, help="pods already on each node")
    parser.add_argument("--deployments", type=int, default=20)
    parser.add_argument("--uncached", action="store_true",
                        help="schedule without a SchedulingCache (the reference evaluation)")
    args = parser.parse_args()
    for node_count in (100, 1000):
        cost = run(node_count, args.pods, args.preload, args.deployments, not args.uncached)
        print(f"{node_count:>5} nodes: {cost:8.1f} µs per pod "
              f"({args.pods} pods, {args.preload} pre-loaded per node)")


if __name__ == "__main__":
    main()
