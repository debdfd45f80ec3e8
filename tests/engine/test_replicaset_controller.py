"""The ReplicaSet controller: pod counts, slow start, deletion order, claims, status."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: reach the helpers
from workload_helpers import (
    events,
    make_cluster,
    owned_pods,
    replica_set,
)

from playground.engine.api.resources import ResourceType
from playground.engine.cluster import Cluster
from playground.engine.controllers.replicaset import pods_to_delete
from playground.engine.errors import APIError
from playground.engine.store import USER, Obj, deep_copy


def get_rs(cluster: Cluster, name: str = "front") -> Obj:
    return cluster.store.get("replicasets.apps", "default", name)


def scale(cluster: Cluster, replicas: int, name: str = "front") -> None:
    rs = deep_copy(get_rs(cluster, name))
    rs["spec"]["replicas"] = replicas
    cluster.api.update(rs, USER)
    cluster.settle()


def test_creates_the_missing_pods_and_reports_status() -> None:
    cluster, _ = make_cluster()
    cluster.api.create(replica_set())
    cluster.settle()
    rs = get_rs(cluster)
    pods = owned_pods(cluster, rs)
    assert len(pods) == 3
    assert all(re.fullmatch(r"front-[bcdfghjklmnpqrstvwxz2456789]{5}", p["metadata"]["name"])
               for p in pods)
    assert all(p["metadata"]["ownerReferences"] == [{
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "front",
        "uid": rs["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
        for p in pods)
    assert rs["status"] == {"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3,
                            "availableReplicas": 3, "observedGeneration": 1}
    assert sorted(events(cluster, "SuccessfulCreate")) == sorted(
        f"Created pod: {p['metadata']['name']}" for p in pods)
    source = next(e for e in cluster.store.list("events", "default")
                  if e["reason"] == "SuccessfulCreate")["source"]
    assert source == {"component": "replicaset-controller"}


def test_scale_down_deletes_and_reports() -> None:
    cluster, _ = make_cluster()
    cluster.api.create(replica_set(replicas=4))
    cluster.settle()
    scale(cluster, 1)
    rs = get_rs(cluster)
    assert len(owned_pods(cluster, rs)) == 1
    assert len(events(cluster, "SuccessfulDelete")) == 3
    assert all(m.startswith("Deleted pod: front-") for m in events(cluster, "SuccessfulDelete"))
    assert rs["status"]["replicas"] == 1
    assert rs["status"]["observedGeneration"] == 2


def test_a_terminating_pod_is_replaced_at_once() -> None:
    cluster, kubelet = make_cluster()
    cluster.api.create(replica_set())
    cluster.settle()
    kubelet.finish_terminating = False
    victim = owned_pods(cluster, get_rs(cluster))[0]
    cluster.api.delete("pods", "default", victim["metadata"]["name"], USER)
    cluster.settle()
    assert len(owned_pods(cluster, get_rs(cluster))) == 3
    assert len(owned_pods(cluster, get_rs(cluster), active_only=False)) == 4


class FailAfter:
    """An admission hook that lets `allowed` pods through and refuses the rest."""

    def __init__(self, allowed: int) -> None:
        self.allowed = allowed
        self.calls: list[bool] = []

    def __call__(self, rt: ResourceType, obj: Obj) -> None:
        if rt.kind != "Pod":
            return
        ok = sum(self.calls) < self.allowed
        self.calls.append(ok)
        if not ok:
            raise APIError(403, "Forbidden", f'pods "{obj["metadata"]["name"]}" is forbidden: '
                                             "exceeded quota: pods")


def test_slow_start_stops_at_the_first_failing_batch() -> None:
    cluster, _ = make_cluster()
    hook = FailAfter(3)
    cluster.api.admission_hooks.append(hook)
    cluster.api.create(replica_set(replicas=20))
    cluster.settle()
    # batches of 1 and 2 succeed, the whole batch of 4 fails and the other 13 are not tried;
    # later syncs (woken by the pods' and the status' updates) each try a batch of 1 again
    assert hook.calls[:7] == [True, True, True, False, False, False, False]
    assert len(hook.calls) < 20
    rs = get_rs(cluster)
    assert len(owned_pods(cluster, rs)) == 3
    [failure] = rs["status"]["conditions"]
    assert (failure["type"], failure["status"], failure["reason"]) == (
        "ReplicaFailure", "True", "FailedCreate")
    assert failure["message"].endswith("is forbidden: exceeded quota: pods")
    assert all(m.startswith("Error creating: pods \"front-")
               for m in events(cluster, "FailedCreate"))
    cluster.api.admission_hooks.remove(hook)
    cluster.advance(1)
    rs = get_rs(cluster)
    assert len(owned_pods(cluster, rs)) == 20
    assert "conditions" not in rs["status"]


def test_at_most_500_pods_per_sync() -> None:
    cluster, _ = make_cluster()
    seen: list[str] = []
    cluster.api.admission_hooks.append(
        lambda rt, obj: seen.append(obj["metadata"]["name"]) if rt.kind == "Pod" else None)
    rs = cluster.api.create(replica_set(replicas=600))
    controller = next(c for c in cluster.controllers.controllers
                      if c.name == "replicaset-controller")
    controller.manage_replicas(rs, [])  # type: ignore[attr-defined]
    assert len(seen) == 500


def test_minready_seconds_delay_availability_and_wake_the_controller() -> None:
    cluster, _ = make_cluster()
    cluster.api.create(replica_set(minReadySeconds=10))
    cluster.settle()
    status = get_rs(cluster)["status"]
    assert status["readyReplicas"] == 3
    assert "availableReplicas" not in status
    cluster.advance(9)
    assert "availableReplicas" not in get_rs(cluster)["status"]
    cluster.advance(1)
    assert get_rs(cluster)["status"]["availableReplicas"] == 3


def orphan(name: str, labels: dict[str, str], owner: dict[str, Any] | None = None) -> Obj:
    pod: Obj = {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": "default", "labels": labels},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    if owner is not None:
        pod["metadata"]["ownerReferences"] = [owner]
    return pod


def test_adopts_orphans_matching_the_selector() -> None:
    cluster, _ = make_cluster()
    cluster.api.create(orphan("stray", {"app": "front"}))
    cluster.settle()
    cluster.api.create(replica_set())
    cluster.settle()
    rs = get_rs(cluster)
    pods = owned_pods(cluster, rs)
    assert len(pods) == 3
    assert "stray" in [p["metadata"]["name"] for p in pods]
    assert len(events(cluster, "SuccessfulCreate")) == 2


def test_releases_a_pod_whose_labels_stop_matching_and_replaces_it() -> None:
    cluster, _ = make_cluster()
    cluster.api.create(replica_set())
    cluster.settle()
    pod = deep_copy(owned_pods(cluster, get_rs(cluster))[0])
    pod["metadata"]["labels"] = {"app": "debug"}
    cluster.api.update(pod, USER)
    cluster.settle()
    released = cluster.store.get("pods", "default", pod["metadata"]["name"])
    assert "ownerReferences" not in released["metadata"]
    assert len(owned_pods(cluster, get_rs(cluster))) == 3


def test_ignores_pods_another_controller_owns() -> None:
    cluster, _ = make_cluster()
    owner = cluster.api.create({"apiVersion": "v1", "kind": "ConfigMap",
                                "metadata": {"name": "owner", "namespace": "default"}})
    foreign = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner",
               "uid": owner["metadata"]["uid"], "controller": True}
    cluster.api.create(orphan("taken", {"app": "front"}, foreign))
    cluster.api.create(replica_set())
    cluster.settle()
    assert len(owned_pods(cluster, get_rs(cluster))) == 3
    taken = cluster.store.get("pods", "default", "taken")
    assert taken is not None
    assert taken["metadata"]["ownerReferences"] == [foreign]


# -- deletion ranking ----------------------------------------------------------------------------

def ranked_pod(name: str, *, node: str = "n1", phase: str = "Running", ready_at: int | None = 0,
               created: int = 0, restarts: int = 0, cost: int | None = None,
               uid: str = "") -> Obj:
    meta: dict[str, Any] = {"name": name, "uid": uid or name,
                            "creationTimestamp": f"2026-01-01T00:{created // 60:02d}:"
                                                 f"{created % 60:02d}Z"}
    if cost is not None:
        meta["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": str(cost)}
    status: dict[str, Any] = {"phase": phase,
                              "containerStatuses": [{"name": "c", "restartCount": restarts}]}
    if ready_at is not None:
        status["conditions"] = [{"type": "Ready", "status": "True",
                                 "lastTransitionTime": f"2026-01-01T00:{ready_at // 60:02d}:"
                                                       f"{ready_at % 60:02d}Z"}]
    return {"metadata": meta, "spec": {"nodeName": node}, "status": status}


@pytest.mark.parametrize(("first", "second"), [
    ({"node": ""}, {}),
    ({"phase": "Pending", "ready_at": None}, {"phase": "Unknown", "ready_at": None}),
    ({"phase": "Unknown"}, {"phase": "Running"}),
    ({"ready_at": None}, {}),
    ({"cost": -5}, {"cost": 10}),
    ({"node": "crowded"}, {"node": "n1"}),
    ({"ready_at": 1200}, {"ready_at": 60}),
    ({"restarts": 4}, {"restarts": 1}),
    ({"created": 1200}, {"created": 60}),
])
def test_deletion_order_rules(first: dict[str, Any], second: dict[str, Any]) -> None:
    cluster, _ = make_cluster()
    a = ranked_pod("zz-first", **first)
    b = ranked_pod("aa-second", **second)
    related = [a, b, ranked_pod("x", node="crowded")]
    now = 1800.0
    assert pods_to_delete([b, a], related, 1, now, cluster.clock) == [a]
    assert pods_to_delete([a, b], related, 1, now, cluster.clock) == [a]


def test_ready_times_in_the_same_power_of_two_bucket_tie_break_by_uid() -> None:
    cluster, _ = make_cluster()
    a = ranked_pod("a", ready_at=1000, uid="u2")
    b = ranked_pod("b", ready_at=1001, uid="u1")
    assert pods_to_delete([a, b], [a, b], 1, 1800.0, cluster.clock) == [b]


def test_scale_down_removes_pods_from_the_crowded_node_first() -> None:
    cluster, kubelet = make_cluster()
    for i, node in enumerate(("worker-1", "worker-1", "worker-2", "worker-3")):
        pod = orphan(f"p{i}", {"app": "front"})
        pod["spec"]["nodeName"] = node
        kubelet.set_ready(cluster.api.create(pod), True)
    cluster.settle()
    cluster.api.create(replica_set(replicas=4))
    cluster.settle()
    assert len(owned_pods(cluster, get_rs(cluster))) == 4
    assert events(cluster, "SuccessfulCreate") == []
    scale(cluster, 3)
    remaining = sorted(p["spec"]["nodeName"] for p in owned_pods(cluster, get_rs(cluster)))
    assert remaining == ["worker-1", "worker-2", "worker-3"]
