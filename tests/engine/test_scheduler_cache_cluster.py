"""The scheduling controller with its SchedulingCache builds the same cluster as without it.

A whole simulated cluster (nodes joining, Deployments of several shapes, a cordon, scaling,
pod deletions) runs twice from one seed: once as shipped, once with the cache's `schedule`
replaced by the plain evaluation. Every object, the change history and the "why" explanation
of every pod the scheduler remembers must come out the same.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.scheduler import SchedulingCache, explain, framework


def deployment(name: str, replicas: int, **spec: Any) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "image": "nginx:1.27",
                                 "resources": {"requests": {"cpu": "200m", "memory": "64Mi"}}}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [container], **spec}}}}


def run(seed: int) -> tuple[str, dict[str, list[str]]]:
    cluster = Cluster.create(ClusterConfig(seed=seed, clock="manual"))
    for index in range(6):
        cluster.add_node(f"extra-{index}", cpu="2", zone=f"zone-{index % 3}")
    cluster.settle()
    api = cluster.api
    api.apply(deployment("web", 14))
    api.apply(deployment("spread", 6, topologySpreadConstraints=[{
        "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
        "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchLabels": {"app": "spread"}}}]))
    api.apply(deployment("lonely", 20, affinity={"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [{
            "labelSelector": {"matchLabels": {"app": "lonely"}},
            "topologyKey": "kubernetes.io/hostname"}]}}))
    cluster.advance(30)
    node = api.get("nodes", "", "extra-2")
    api.update(dict(node, spec=dict(node["spec"], unschedulable=True)))
    cluster.add_node("extra-9", cpu="4", zone="zone-1")
    api.apply(deployment("web", 30))
    cluster.advance(30)
    for pod in sorted(cluster.store.iter("pods"), key=lambda p: p["metadata"]["name"])[::5]:
        api.delete("pods", pod["metadata"]["namespace"], pod["metadata"]["name"])
    cluster.advance(60)
    objects = sorted(((r, o) for r, o in cluster.store.all_objects()),
                     key=lambda pair: (pair[0], pair[1]["metadata"].get("namespace", ""),
                                       pair[1]["metadata"]["name"]))
    history = [[c.resource_version, c.time, c.type, c.resource, c.namespace, c.name,
                str(c.actor), c.reason] for c in cluster.store.history]
    why = {uid: explain(result) for uid, result in cluster.scheduler.explanations.items()}
    return json.dumps({"objects": objects, "history": history}, sort_keys=True), why


def test_the_cache_changes_nothing_a_learner_can_see(monkeypatch: pytest.MonkeyPatch) -> None:
    cached = run(11)

    def plain(self: SchedulingCache, pod: Any, nodes: Any, rng: Any, **options: Any) -> Any:
        return framework.schedule(pod, nodes, rng, **options)

    monkeypatch.setattr(SchedulingCache, "schedule", plain)
    uncached = run(11)
    assert cached[1] == uncached[1]
    assert len(cached[1]) > 50
    assert any(line.startswith("Pending:") for lines in cached[1].values() for line in lines)
    assert cached[0] == uncached[0]
