"""A frame stops within a few reconciles of its engine budget, even in the middle of an
instant's work, and virtual time waits until that instant is done."""

from __future__ import annotations

from playground.engine.cluster import Cluster
from playground.tui.bridge import CHECK_EVERY, EngineBridge
from tests.tui.helpers import make_cluster


def scale(cluster: Cluster, replicas: int) -> None:
    cluster.api.apply({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "burst"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "burst"}},
                 "template": {"metadata": {"labels": {"app": "burst"}},
                              "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})


def counting(cluster: Cluster) -> list[int]:
    """Count reconciles as they happen."""
    count = [0]
    for controller in cluster.controllers.controllers:
        reconcile = controller.reconcile

        def counted(key: str, reconcile=reconcile) -> None:  # type: ignore[no-untyped-def]
            count[0] += 1
            reconcile(key)

        controller.reconcile = counted  # type: ignore[method-assign]
    return count


def test_a_frame_stops_part_way_through_an_instant_and_time_waits_for_it() -> None:
    cluster = make_cluster()
    wall = [100.0]
    bridge = EngineBridge(cluster, paused=False, wall=lambda: wall[0])
    spent = [False]
    ticks = [0.0]

    def engine_time() -> float:  # a second passes at every look while the budget is spent
        ticks[0] += 1.0 if spent[0] else 0.0
        return ticks[0]

    bridge.engine_time = engine_time
    count = counting(cluster)
    scale(cluster, 60)  # a burst: ReplicaSet, 60 pods to schedule and start at this instant
    start = cluster.now
    spent[0] = True
    frames = 0
    while not cluster.settled:
        before = count[0]
        wall[0] += 0.05
        bridge.frame()
        frames += 1
        assert count[0] - before <= CHECK_EVERY  # a budget spent is noticed within 16
        assert bridge.behind
        if not cluster.settled:
            assert cluster.now == start  # no later instant before this one is done
    assert frames > 5
    burst = [p for p in cluster.store.list("pods") if p["metadata"]["name"].startswith("burst-")]
    assert len(burst) == 60 and all(p["spec"].get("nodeName") for p in burst)
    spent[0] = False
    wall[0] += 0.05
    bridge.frame()
    assert cluster.now > start and not bridge.behind


def test_a_command_after_an_interrupted_frame_finishes_the_instant() -> None:
    cluster = make_cluster()
    wall = [100.0]
    bridge = EngineBridge(cluster, paused=False, wall=lambda: wall[0])
    ticks = [0.0]

    def engine_time() -> float:
        ticks[0] += 1.0
        return ticks[0]

    bridge.engine_time = engine_time
    scale(cluster, 40)
    wall[0] += 0.05
    bridge.frame()
    assert not cluster.settled
    bridge.after_command()
    assert cluster.settled and not cluster.controllers.interrupted
    pods = [p for p in cluster.store.list("pods")
            if p["metadata"]["name"].startswith("burst-")]
    assert len(pods) == 40 and all(p["spec"].get("nodeName") for p in pods)


def test_a_scenario_pacing_still_runs_instant_by_instant() -> None:
    cluster = make_cluster()
    wall = [100.0]
    bridge = EngineBridge(cluster, paused=False, wall=lambda: wall[0])
    ticks = [0.0]

    def engine_time() -> float:
        ticks[0] += 1.0
        return ticks[0]

    bridge.engine_time = engine_time
    calls: list[float] = []

    def paced(when: float) -> None:
        calls.append(when)
        cluster.run_until(when)

    bridge.run_until = paced
    scale(cluster, 20)
    wall[0] += 0.05
    bridge.frame()
    assert calls and cluster.settled
