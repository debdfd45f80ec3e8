"""A settle or run cut into pieces by `stop` ends byte for byte where an uninterrupted one does,
and virtual time never moves while an instant still has work."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from playground.engine.cluster import Cluster, ClusterConfig

Runner = Callable[[Cluster, float], None]


def deployment(name: str, replicas: int, image: str) -> dict[str, object]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "strategy": {"rollingUpdate": {"maxSurge": "25%",
                                                    "maxUnavailable": "25%"}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "c", "image": image}]}}}}


def busy_cluster(run: Runner, settle: Callable[[Cluster], None]) -> Cluster:
    """Two Deployments created, rolled out to a new image, scaled and deleted, with Services."""
    cluster = Cluster.create(ClusterConfig(seed=5, clock="manual", workers=3))
    api = cluster.api
    for name in ("web", "api"):
        api.apply(deployment(name, 30, "nginx:1.27"))
        api.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                    "spec": {"selector": {"app": name}, "ports": [{"port": 80}]}})
    settle(cluster)
    run(cluster, cluster.now + 40)
    api.apply(deployment("web", 30, "nginx:1.28"))
    api.apply(deployment("api", 45, "nginx:1.27"))
    settle(cluster)
    run(cluster, cluster.now + 90)
    api.delete("deployments.apps", "default", "api")
    run(cluster, cluster.now + 400)
    return cluster


def dump(cluster: Cluster) -> str:
    objects = sorted(((r, o) for r, o in cluster.store.all_objects()),
                     key=lambda pair: (pair[0], pair[1]["metadata"].get("namespace", ""),
                                       pair[1]["metadata"]["name"]))
    history = [[c.resource_version, c.time, c.type, c.resource, c.namespace, c.name,
                str(c.actor), c.reason] for c in cluster.store.history]
    return json.dumps({"objects": objects, "history": history, "meta": cluster.export_meta()},
                      sort_keys=True)


class EveryK:
    """A `stop` that says yes on every k-th call, counting how often it stopped a run."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.calls = 0
        self.stops = 0

    def __call__(self) -> bool:
        self.calls += 1
        return self.calls % self.k == 0


def guard_time(cluster: Cluster) -> None:
    """Fail if the clock is moved while the current instant has work left."""
    clock = cluster.clock
    step, advance_to = clock.step, clock.advance_to

    def guarded_step() -> object:
        due = clock.peek()
        if due is not None and due > clock.now:  # not a due timer fired by a settle
            assert cluster.settled, "time moved on with work left at the current instant"
        return step()

    def guarded_advance(when: float) -> None:
        if when > clock.now:
            assert cluster.settled, "time moved on with work left at the current instant"
        advance_to(when)

    clock.step = guarded_step  # type: ignore[method-assign]
    clock.advance_to = guarded_advance  # type: ignore[method-assign]


@pytest.fixture(scope="module")
def uninterrupted() -> str:
    return dump(busy_cluster(lambda c, when: c.run_until(when), lambda c: c.settle()))


@pytest.mark.parametrize("k", [1, 2, 3, 7, 16, 50])
def test_a_run_cut_every_k_reconciles_matches_an_uninterrupted_one(
        k: int, uninterrupted: str) -> None:
    stop = EveryK(k)
    pieces = []

    def run(cluster: Cluster, when: float) -> None:
        guard_time(cluster)
        count = 0
        while not cluster.run_some(when, stop):
            count += 1
        pieces.append(count)
        assert cluster.now == when and cluster.settled

    def settle(cluster: Cluster) -> None:
        while not cluster.settle_some(stop):
            stop.stops += 1
        assert cluster.settled

    result = dump(busy_cluster(run, settle))
    assert sum(pieces) + stop.stops > 3  # the runs really were cut
    assert result == uninterrupted


@pytest.mark.parametrize("k", [1, 5, 40])
def test_a_full_settle_or_run_finishes_an_interrupted_one_first(
        k: int, uninterrupted: str) -> None:
    """What kubectl does in the TUI: a frame left an instant part-way, then a command settles."""
    cut = 0

    def run(cluster: Cluster, when: float) -> None:
        nonlocal cut
        if not cluster.run_some(when, EveryK(k)):
            cut += 1
        assert not cluster.controllers.interrupted or not cluster.settled
        cluster.run_until(when)

    def settle(cluster: Cluster) -> None:
        nonlocal cut
        if not cluster.settle_some(EveryK(k)):
            cut += 1
            assert not cluster.settled
        cluster.settle()
        assert cluster.settled and not cluster.controllers.interrupted

    result = dump(busy_cluster(run, settle))
    assert cut >= 4
    assert result == uninterrupted


def test_settle_some_reconciles_at_least_once_per_call_and_counts_in_settle() -> None:
    cluster = Cluster.create(ClusterConfig(seed=2, clock="manual", workers=2))
    cluster.api.apply(deployment("web", 10, "nginx:1.27"))
    assert not cluster.settled
    calls = 0
    while not cluster.controllers.settle_some(lambda: True):
        calls += 1
        assert cluster.controllers.interrupted
    assert calls > 10  # one reconcile per call, never none
    assert not cluster.controllers.interrupted
    assert cluster.controllers.settle() == 0
