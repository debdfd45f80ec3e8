"""Rollout invariants over random walks: image changes (including back to old images, i.e.
rollbacks), scaling, pods turning ready or unready, and time passing.

After every step: the ReplicaSets' sizes (and the active pods) never exceed
replicas + maxSurge, and the controllers never take availability below
replicas − maxUnavailable (steps where the walk itself made pods unready, or scaled, are
exempt). When the walk stops and every pod turns ready, the Deployment converges: the new
ReplicaSet holds all replicas, old ones none, and `kubectl rollout status` is done.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: reach the helpers
from workload_helpers import FakeKubelet, deployment, make_cluster, replica_sets

from playground.engine.cluster import Cluster
from playground.engine.controllers import deployment_util as du
from playground.engine.controllers import podutil
from playground.engine.store import USER, Obj, deep_copy

IMAGES = ("nginx:1.27", "nginx:1.28", "nginx:1.29")
STRATEGIES = ((1, 0), ("25%", "25%"), (0, 1), (2, "50%"), ("50%", 0))


def current(cluster: Cluster) -> Obj:
    return cluster.store.get("deployments.apps", "default", "web")


def active_pods(cluster: Cluster) -> list[Obj]:
    return [p for p in cluster.store.list("pods", "default") if podutil.is_active(p)]


def available(cluster: Cluster) -> int:
    return sum(1 for p in active_pods(cluster) if podutil.is_ready(p))


def check_bounds(cluster: Cluster) -> None:
    d = current(cluster)
    ceiling = du.replicas_of(d) + du.max_surge(d)
    assert du.spec_sum(replica_sets(cluster)) <= ceiling
    assert len(active_pods(cluster)) <= ceiling


def update(cluster: Cluster, change: object) -> None:
    d = deep_copy(current(cluster))
    change(d)  # type: ignore[operator]
    cluster.api.update(d, USER)


def walk(seed: int, steps: int) -> tuple[Cluster, FakeKubelet]:
    rng = random.Random(seed)
    surge, unavailable = rng.choice(STRATEGIES)
    cluster, kubelet = make_cluster(auto_ready=False, seed=seed)
    cluster.api.create(deployment(replicas=rng.randint(1, 6), strategy={
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}))
    cluster.settle()
    for _ in range(steps):
        d = current(cluster)
        floor = du.replicas_of(d) - du.max_unavailable(d)
        before = available(cluster)
        exempt = False
        action = rng.choice(("image", "scale", "ready", "ready", "ready", "unready", "time"))
        if action == "image":
            image = rng.choice(IMAGES)
            update(cluster, lambda d, image=image: d["spec"]["template"]["spec"]
                   ["containers"][0].__setitem__("image", image))
        elif action == "scale":
            replicas = rng.randint(0, 8)
            update(cluster, lambda d, n=replicas: d["spec"].__setitem__("replicas", n))
            exempt = True
        elif action in ("ready", "unready"):
            want = action == "ready"
            candidates = [p for p in active_pods(cluster) if podutil.is_ready(p) != want]
            for pod in rng.sample(candidates, min(len(candidates), rng.randint(1, 3))):
                kubelet.set_ready(pod, want)
            exempt = not want
        else:
            cluster.advance(rng.choice((1, 5, 30, 300)))
        cluster.settle()
        check_bounds(cluster)
        if not exempt:
            d = current(cluster)
            floor = min(floor, du.replicas_of(d) - du.max_unavailable(d))
            assert available(cluster) >= min(before, floor), action
    return cluster, kubelet


def converge(cluster: Cluster, kubelet: FakeKubelet) -> None:
    for _ in range(50):
        pending = [p for p in active_pods(cluster) if not podutil.is_ready(p)]
        if not pending:
            break
        for pod in pending:
            kubelet.set_ready(pod, True)
        cluster.settle()
        check_bounds(cluster)
    cluster.advance(1)


@pytest.mark.parametrize("seed", range(40))
def test_random_rollouts_stay_in_bounds_and_converge(seed: int) -> None:
    cluster, kubelet = walk(seed, steps=40)
    converge(cluster, kubelet)
    d = current(cluster)
    desired = du.replicas_of(d)
    template = d["spec"]["template"]
    rss = replica_sets(cluster)
    [new] = [rs for rs in rss if du.equal_ignore_hash(rs["spec"]["template"], template)]
    assert new["spec"]["replicas"] == desired
    assert all(rs["spec"]["replicas"] == 0 for rs in rss if rs is not new)
    assert len(active_pods(cluster)) == desired
    assert du.revision_of(new) == du.max_revision(rss)
    assert len(rss) <= len(IMAGES)
    message, done = du.rollout_status_message(d)
    assert done, message
