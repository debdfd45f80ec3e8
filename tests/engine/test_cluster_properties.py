"""Whole-cluster properties under random operations, checked after every step.

Seeded random walks (bounded, so the file runs in well under a minute) apply Deployments,
scale them, change images (to valid and to missing tags), kill containers, stop and start
node kubelets and let time pass, on a live cluster with every controller, the scheduler and
the kubelet. After each step: no node is over-committed, no pod has two controllers, a rolling
update stays within maxSurge/maxUnavailable; once faults stop every ReplicaSet converges,
deleting Deployments leaves nothing behind, and the same seed gives the same cluster.
"""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest

from playground.engine.api.quantity import cpu_millis, memory_bytes
from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.controllers import podutil
from playground.engine.store import Actor, Obj, deep_copy

ADMIN = Actor("user", "kubernetes-admin")
NAMES = ("web", "api", "cache")
GOOD_IMAGES = ("nginx:1.25", "nginx:1.26", "httpd:2.4")
BAD_IMAGES = ("nginx:1.99",)
WORKERS = ("worker-1", "worker-2", "worker-3")
SEEDS = tuple(range(1, 11))
STEPS = 40


def deployment(name: str, replicas: int, image: str, surge: Any, unavailable: Any,
               cpu: str) -> Obj:
    """A Deployment with one container asking for `cpu`."""
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxSurge": surge,
                                                    "maxUnavailable": unavailable}},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{
                                      "name": "app", "image": image,
                                      "resources": {"requests": {"cpu": cpu,
                                                                 "memory": "64Mi"}}}]}}}}


def resolve(value: Any, replicas: int, round_up: bool) -> int:
    """maxSurge / maxUnavailable as a number of pods."""
    if isinstance(value, str) and value.endswith("%"):
        exact = int(value[:-1]) * replicas / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(value)


def bounds(d: Obj) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) of a Deployment, as the controller resolves them."""
    rolling = d["spec"]["strategy"]["rollingUpdate"]
    replicas = int(d["spec"]["replicas"])
    surge = resolve(rolling["maxSurge"], replicas, True)
    unavailable = resolve(rolling["maxUnavailable"], replicas, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


@dataclass
class Walk:
    """One random walk's cluster and what the checks need to remember."""

    cluster: Cluster
    rng: random.Random
    stopped: set[str] = field(default_factory=set)
    # per Deployment: replicas at which it was last seen fully available with no fault since
    stable: dict[str, int] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    # -- operations -----------------------------------------------------------------------
    def step(self) -> None:
        """One random operation."""
        rng = self.rng
        existing = sorted(d["metadata"]["name"]
                          for d in self.cluster.store.list("deployments.apps", "default"))
        choice = rng.choice(["apply", "apply", "scale", "image", "image", "kill", "node",
                             "advance", "advance", "advance", "delete"])
        if choice == "apply" or not existing:
            name = rng.choice(NAMES)
            if name in existing:
                choice = "image"
            else:
                surge = rng.choice([0, 1, 2, "25%", "50%"])
                unavailable = rng.choice([0, 1, "25%"]) if surge != 0 else rng.choice([1, "50%"])
                body = deployment(name, rng.randint(1, 6), rng.choice(GOOD_IMAGES), surge,
                                  unavailable, rng.choice(["100m", "250m", "500m", "1"]))
                self.cluster.api.create(body, ADMIN)
                self.log.append(f"apply {name}")
                return
        name = rng.choice(existing) if existing else ""
        if choice == "scale":
            self._change(name, lambda d: d["spec"].__setitem__("replicas", rng.randint(0, 8)))
            self.stable.pop(name, None)
        elif choice == "image":
            image = rng.choice(GOOD_IMAGES + BAD_IMAGES)
            self._change(name, lambda d: d["spec"]["template"]["spec"]["containers"][0]
                         .__setitem__("image", image))
        elif choice == "kill":
            running = [p for p in self.cluster.store.list("pods", "default")
                       if (p.get("status") or {}).get("phase") == "Running"
                       and p["spec"].get("nodeName") not in self.stopped
                       and not p["metadata"].get("deletionTimestamp")]
            if running:
                victim = rng.choice(sorted(running, key=lambda p: p["metadata"]["name"]))
                try:
                    self.cluster.kubelet.kill_container("default", victim["metadata"]["name"],
                                                        None)
                except ValueError:
                    pass  # its container was not running (in back-off)
                self.fault()
                self.log.append(f"kill {victim['metadata']['name']}")
        elif choice == "node":
            node = rng.choice(WORKERS)
            if node in self.stopped:
                self.cluster.kubelet.start_node(node)
                self.stopped.discard(node)
            else:
                self.cluster.kubelet.stop_node(node)
                self.stopped.add(node)
            self.fault()
            self.log.append(f"node {node} {'stopped' if node in self.stopped else 'started'}")
        elif choice == "delete":
            self.cluster.api.delete("deployments.apps", "default", name, ADMIN)
            self.stable.pop(name, None)
            self.log.append(f"delete {name}")
        self.cluster.advance(rng.choice([0.5, 1, 2, 5, 10, 30]))

    def _change(self, name: str, change: Any) -> None:
        current = self.cluster.store.get("deployments.apps", "default", name)
        if current is None or current["metadata"].get("deletionTimestamp"):
            return
        updated = deep_copy(current)
        change(updated)
        self.cluster.api.update(updated, ADMIN)
        self.log.append(f"change {name}")

    def fault(self) -> None:
        """Something outside the controllers broke pods: availability bounds are off."""
        self.stable.clear()

    # -- invariants -----------------------------------------------------------------------
    def check(self) -> None:
        """Everything that must hold after any step."""
        self.check_nodes_not_overcommitted()
        self.check_single_controller()
        self.check_rollout_bounds()

    def check_nodes_not_overcommitted(self) -> None:
        store = self.cluster.store
        cpu: dict[str, int] = defaultdict(int)
        memory: dict[str, int] = defaultdict(int)
        count: dict[str, int] = defaultdict(int)
        for p in store.list("pods"):
            node = p["spec"].get("nodeName")
            if not node or (p.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            count[node] += 1
            for c in p["spec"]["containers"]:
                requests = (c.get("resources") or {}).get("requests") or {}
                cpu[node] += cpu_millis(requests.get("cpu", "0"))
                memory[node] += memory_bytes(requests.get("memory", "0"))
        for node in store.list("nodes"):
            name = node["metadata"]["name"]
            allocatable = node["status"]["allocatable"]
            assert cpu[name] <= cpu_millis(allocatable["cpu"]), (name, cpu[name], self.log)
            assert memory[name] <= memory_bytes(allocatable["memory"]), name
            assert count[name] <= int(allocatable["pods"]), name

    def check_single_controller(self) -> None:
        for p in self.cluster.store.list("pods"):
            owners = [o for o in p["metadata"].get("ownerReferences") or () if o.get("controller")]
            assert len(owners) <= 1, (p["metadata"]["name"], owners)

    def check_rollout_bounds(self) -> None:
        store = self.cluster.store
        for d in store.list("deployments.apps", "default"):
            if d["metadata"].get("deletionTimestamp"):
                continue
            name = d["metadata"]["name"]
            replicas = int(d["spec"]["replicas"])
            surge, unavailable = bounds(d)
            owned = [rs for _, rs in store.dependents(d["metadata"]["uid"])
                     if rs.get("kind") == "ReplicaSet"]
            total = sum(int(rs["spec"]["replicas"]) for rs in owned)
            assert total <= replicas + surge, (name, total, replicas, surge, self.log)
            available = sum(1 for p in store.list("pods", "default")
                            if (p["metadata"].get("labels") or {}).get("app") == name
                            and podutil.is_available(p, 0, self.cluster.clock)
                            and not p["metadata"].get("deletionTimestamp"))
            if self.stable.get(name) == replicas:
                assert available >= replicas - unavailable, (name, available, replicas,
                                                             unavailable, self.log)
            elif available >= replicas and not self.stopped:
                self.stable[name] = replicas


def walk(seed: int, steps: int = STEPS) -> Walk:
    """A cluster after `steps` random operations, checked after each."""
    cluster = Cluster.create(ClusterConfig(clock="manual", seed=seed))
    state = Walk(cluster, random.Random(seed))
    for _ in range(steps):
        state.step()
        state.check()
    return state


def dump(cluster: Cluster) -> str:
    """Every object of the cluster as sorted JSON."""
    objects = sorted(((resource, obj) for resource, obj in cluster.store.all_objects()),
                     key=lambda item: (item[0], item[1]["metadata"].get("namespace", ""),
                                       item[1]["metadata"]["name"]))
    return json.dumps(objects, sort_keys=True)


@pytest.mark.parametrize("seed", SEEDS)
def test_random_walk_invariants_convergence_and_clean_deletion(seed: int) -> None:
    state = walk(seed)
    cluster = state.cluster
    for node in sorted(state.stopped):
        cluster.kubelet.start_node(node)
    state.stopped.clear()
    cluster.advance(900)  # back-offs (≤ 300 s), evictions and replacements settle
    state.check()
    store = cluster.store
    for rs in store.list("replicasets.apps", "default"):
        active = [p for _, p in store.dependents(rs["metadata"]["uid"])
                  if p.get("kind") == "Pod" and podutil.is_active(p)]
        assert len(active) == rs["spec"]["replicas"], (rs["metadata"]["name"], state.log)
        assert rs["status"].get("replicas", 0) == rs["spec"]["replicas"]
    for d in store.list("deployments.apps", "default"):
        image = d["spec"]["template"]["spec"]["containers"][0]["image"]
        status = d["status"]
        if image not in BAD_IMAGES:
            assert status.get("updatedReplicas", 0) == d["spec"]["replicas"], state.log
            assert status.get("availableReplicas", 0) == d["spec"]["replicas"], state.log
    for d in store.list("deployments.apps", "default"):
        cluster.api.delete("deployments.apps", "default", d["metadata"]["name"], ADMIN)
    cluster.advance(60)
    assert store.list("deployments.apps", "default") == []
    assert store.list("replicasets.apps", "default") == []
    assert store.list("pods", "default") == []


def test_same_seed_same_cluster() -> None:
    first = walk(7, steps=20)
    second = walk(7, steps=20)
    assert first.log == second.log
    assert dump(first.cluster) == dump(second.cluster)


def test_different_seeds_differ() -> None:
    assert walk(8, steps=10).log != walk(9, steps=10).log
