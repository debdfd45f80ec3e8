"""Node failure end to end (the node-failure lesson), leases, cordon taints and the pod GC.

These run the whole cluster (scheduler, real simulated kubelet, controllers) on virtual time:
a 3-replica nginx Deployment, one node fails, and the timings match a real cluster's: 50 s to
NotReady, 300 s more to eviction, replacements elsewhere, and the old pods finish only when the
node comes back (or is removed).
"""

from __future__ import annotations

from typing import Any

import pytest

from playground.engine.cluster import Cluster
from playground.engine.controllers.node_lifecycle import (
    LEASE_NAMESPACE,
    NODE_MONITOR_GRACE_PERIOD,
    ORPHAN_POD_QUARANTINE,
)
from playground.engine.store import USER, Obj, deep_copy
from playground.kubectl.main import run

LEASES = "leases.coordination.k8s.io"


def nginx(replicas: int = 3) -> Obj:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "nginx",
                                                           "image": "nginx:1.27"}]}}}}


def pods(cluster: Cluster) -> list[Obj]:
    return cluster.store.list("pods", "default")


def condition(obj: Obj, type_: str) -> dict[str, Any]:
    return next(c for c in obj["status"]["conditions"] if c["type"] == type_)


def node(cluster: Cluster, name: str) -> Obj:
    found = cluster.store.get("nodes", "", name)
    assert found is not None
    return found


def taints(cluster: Cluster, name: str) -> list[tuple[str, str]]:
    return [(t["key"], t["effect"]) for t in node(cluster, name)["spec"].get("taints") or ()]


def events(cluster: Cluster, reason: str) -> list[tuple[str, str, str]]:
    return [(e["involvedObject"]["name"], e["message"], e["source"]["component"])
            for e in cluster.store.list("events") if e["reason"] == reason]


@pytest.fixture
def web(cluster: Cluster) -> Cluster:
    cluster.api.create(nginx())
    cluster.advance(30)
    assert all(p["status"]["phase"] == "Running" for p in pods(cluster))
    return cluster


def test_every_node_has_a_lease_written_at_registration(cluster: Cluster) -> None:
    leases = cluster.store.list(LEASES, LEASE_NAMESPACE)
    assert [lease["metadata"]["name"] for lease in leases] == [
        "control-plane", "worker-1", "worker-2", "worker-3"]
    lease = leases[1]
    assert lease["spec"]["holderIdentity"] == "worker-1"
    assert lease["spec"]["leaseDurationSeconds"] == 40
    assert lease["spec"]["renewTime"] == cluster.clock.micro_timestamp(0)
    assert lease["metadata"]["ownerReferences"][0]["kind"] == "Node"


def test_an_idle_cluster_writes_nothing(web: Cluster) -> None:
    before = web.store.resource_version
    web.advance(3600)
    # no heartbeats: only timers the workloads themselves set (event expiry) may fire
    changed = [r for r in web.store.history if int(r.resource_version) > before]
    assert not [r for r in changed if r.resource in ("nodes", LEASES)]


def test_node_failure_lesson(web: Cluster) -> None:
    cluster = web
    victims = [p["metadata"]["name"] for p in pods(cluster)
               if p["spec"]["nodeName"] == "worker-1"]
    assert victims
    # kube-proxy runs there too: marked not ready with the rest, never evicted (it tolerates
    # every taint)
    system = [p["metadata"]["name"] for p in cluster.store.list("pods", "kube-system")
              if p["spec"]["nodeName"] == "worker-1"]
    assert [name for name in system if name.startswith("kube-proxy-")]
    evicted_system = [name for name in system if not name.startswith("kube-proxy-")]
    failed_at = cluster.now
    cluster.node_lifecycle.fail_node("worker-1")
    cluster.settle()

    cluster.advance(NODE_MONITOR_GRACE_PERIOD - 1)
    assert condition(node(cluster, "worker-1"), "Ready")["status"] == "True"
    assert taints(cluster, "worker-1") == []

    cluster.advance(1)
    worker = node(cluster, "worker-1")
    for cond in worker["status"]["conditions"]:
        assert (cond["status"], cond["reason"], cond["message"]) == (
            "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")
        assert cond["lastTransitionTime"] == cluster.clock.timestamp()
        assert cond["lastHeartbeatTime"] == cluster.clock.timestamp(failed_at)
    assert taints(cluster, "worker-1") == [("node.kubernetes.io/unreachable", "NoSchedule"),
                                           ("node.kubernetes.io/unreachable", "NoExecute")]
    assert all(t.get("timeAdded") == cluster.clock.timestamp()
               for t in worker["spec"]["taints"])
    table = run(cluster, ["get", "nodes"]).stdout
    assert "worker-1        NotReady   <none>" in table
    for name in victims:
        pod = cluster.store.get("pods", "default", name)
        assert pod is not None and condition(pod, "Ready")["status"] == "False"
        assert pod["metadata"].get("deletionTimestamp") is None
    assert ("worker-1", "Node worker-1 status is now: NodeNotReady", "node-controller") in \
        events(cluster, "NodeNotReady")
    assert {(n, m) for n, m, _ in events(cluster, "NodeNotReady") if n != "worker-1"} == {
        (name, "Node is not ready") for name in victims + system}

    cluster.advance(299)
    assert all(p["metadata"].get("deletionTimestamp") is None for p in pods(cluster))
    cluster.advance(1)
    for name in victims:
        pod = cluster.store.get("pods", "default", name)
        assert pod is not None and pod["metadata"]["deletionTimestamp"]
        assert condition(pod, "DisruptionTarget")["reason"] == "DeletionByTaintManager"
    assert sorted(m for _, m, _ in events(cluster, "TaintManagerEviction")) == sorted(
        [f"Marking for deletion Pod default/{name}" for name in victims]
        + [f"Marking for deletion Pod kube-system/{name}" for name in evicted_system])
    cluster.advance(60)
    # the dead node cannot finish them: they stay Terminating, replaced elsewhere
    listing = run(cluster, ["get", "pods"]).stdout
    assert all(f"{name}" in listing for name in victims)
    assert listing.count("Terminating") == len(victims)
    replacements = [p for p in pods(cluster) if not p["metadata"].get("deletionTimestamp")]
    assert len(replacements) == 3
    assert all(p["spec"]["nodeName"] != "worker-1" and p["status"]["phase"] == "Running"
               for p in replacements)

    cluster.node_lifecycle.recover_node("worker-1")
    cluster.settle()
    cluster.advance(30)
    assert sorted(p["metadata"]["name"] for p in pods(cluster)) == sorted(
        p["metadata"]["name"] for p in replacements)
    assert condition(node(cluster, "worker-1"), "Ready")["status"] == "True"
    assert condition(node(cluster, "worker-1"), "Ready")["reason"] == "KubeletReady"
    assert taints(cluster, "worker-1") == []
    lease = cluster.store.get(LEASES, LEASE_NAMESPACE, "worker-1")
    assert lease is not None and lease["spec"]["renewTime"] != cluster.clock.micro_timestamp(0)
    assert "worker-1        Ready    <none>" in run(cluster, ["get", "nodes"]).stdout


def test_recovery_before_the_grace_period_changes_nothing(web: Cluster) -> None:
    web.node_lifecycle.fail_node("worker-2")
    web.advance(40)
    web.node_lifecycle.recover_node("worker-2")
    web.advance(60)
    assert condition(node(web, "worker-2"), "Ready")["status"] == "True"
    assert taints(web, "worker-2") == []
    assert not events(web, "NodeNotReady")


def test_recovery_before_eviction_cancels_it(web: Cluster) -> None:
    web.node_lifecycle.fail_node("worker-2")
    web.advance(100)
    assert condition(node(web, "worker-2"), "Ready")["status"] == "Unknown"
    web.node_lifecycle.recover_node("worker-2")
    web.advance(400)
    assert all(not p["metadata"].get("deletionTimestamp") for p in pods(web))
    assert len(pods(web)) == 3
    cancelled = [m for _, m, _ in events(web, "TaintManagerEviction")]
    assert all(m.startswith("Cancelling deletion of Pod ") for m in cancelled)
    # web's pods on worker-2, and any add-on pod (CoreDNS) the scheduler put there too
    assert any(m.startswith("Cancelling deletion of Pod default/web-") for m in cancelled)


def test_removing_a_dead_node_lets_the_pod_gc_finish_its_pods(web: Cluster) -> None:
    on_node = [p["metadata"]["name"] for p in pods(web) if p["spec"]["nodeName"] == "worker-3"]
    web.node_lifecycle.fail_node("worker-3")
    web.advance(400)
    assert all(web.store.get("pods", "default", n) is not None for n in on_node)
    web.node_lifecycle.remove_node("worker-3", USER)
    web.settle()
    web.advance(ORPHAN_POD_QUARANTINE - 1)
    assert all(web.store.get("pods", "default", n) is not None for n in on_node)
    web.advance(1)
    assert all(web.store.get("pods", "default", n) is None for n in on_node)
    assert web.store.get(LEASES, LEASE_NAMESPACE, "worker-3") is None
    # a new node of the same name starts healthy
    web.add_node("worker-3")
    web.advance(120)
    assert condition(node(web, "worker-3"), "Ready")["status"] == "True"
    assert web.kubelet.running_on("worker-3")


def test_cordon_adds_the_unschedulable_taint_and_uncordon_removes_it(cluster: Cluster) -> None:
    worker = deep_copy(node(cluster, "worker-1"))
    worker["spec"]["unschedulable"] = True
    cluster.api.update(worker)
    cluster.settle()
    assert taints(cluster, "worker-1") == [("node.kubernetes.io/unschedulable", "NoSchedule")]
    worker = deep_copy(node(cluster, "worker-1"))
    del worker["spec"]["unschedulable"]
    cluster.api.update(worker)
    cluster.settle()
    assert taints(cluster, "worker-1") == []


def test_failure_survives_a_restart(web: Cluster) -> None:
    web.node_lifecycle.fail_node("worker-1")
    web.advance(20)
    web.store.drain_journal()
    restored = Cluster.restore(web.export_meta(), list(web.store.all_objects()))
    restored.advance(29)
    assert condition(node(restored, "worker-1"), "Ready")["status"] == "True"
    restored.advance(1)
    assert condition(node(restored, "worker-1"), "Ready")["status"] == "Unknown"
