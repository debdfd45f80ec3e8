"""The taint eviction controller, the PodDisruptionBudget status and the eviction API."""

from __future__ import annotations

from typing import Any

import pytest

from playground.engine.cluster import Cluster
from playground.engine.controllers.taint_eviction import tolerates
from playground.engine.errors import APIError
from playground.engine.store import Obj, deep_copy


def pod(name: str, node: str = "worker-1", tolerations: list[dict[str, Any]] | None = None,
        labels: dict[str, str] | None = None) -> Obj:
    spec: dict[str, Any] = {"nodeName": node,
                            "containers": [{"name": "app", "image": "nginx:1.27"}]}
    if tolerations is not None:
        spec["tolerations"] = tolerations
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "labels": labels or {}},
            "spec": spec}


def taint_node(cluster: Cluster, name: str, *new: dict[str, Any]) -> None:
    node = deep_copy(cluster.api.get("nodes", "", name))
    node["spec"]["taints"] = list(new)
    cluster.api.update(node)
    cluster.settle()


def deleting(cluster: Cluster, name: str) -> bool:
    found = cluster.store.get("pods", "default", name)
    return found is None or bool(found["metadata"].get("deletionTimestamp"))


def messages(cluster: Cluster) -> list[str]:
    return [e["message"] for e in cluster.store.list("events")
            if e["reason"] == "TaintManagerEviction"]


@pytest.fixture
def running(cluster: Cluster) -> Cluster:
    cluster.api.create(pod("plain"))
    cluster.api.create(pod("patient", tolerations=[
        {"key": "maintenance", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 60}]))
    cluster.api.create(pod("forever", tolerations=[
        {"key": "maintenance", "operator": "Equal", "value": "now", "effect": "NoExecute"}]))
    cluster.advance(20)
    return cluster


def test_untolerated_no_execute_taint_evicts_at_once(running: Cluster) -> None:
    taint_node(running, "worker-1", {"key": "maintenance", "value": "now",
                                     "effect": "NoExecute"})
    assert deleting(running, "plain")
    assert not deleting(running, "patient") and not deleting(running, "forever")
    assert "Marking for deletion Pod default/plain" in messages(running)


def test_toleration_seconds_delay_the_eviction(running: Cluster) -> None:
    taint_node(running, "worker-1", {"key": "maintenance", "value": "now",
                                     "effect": "NoExecute"})
    running.advance(59)
    assert not deleting(running, "patient")
    running.advance(1)
    assert deleting(running, "patient")
    running.advance(3600)
    assert not deleting(running, "forever")


def test_removing_the_taint_cancels_the_eviction(running: Cluster) -> None:
    taint_node(running, "worker-1", {"key": "maintenance", "value": "now",
                                     "effect": "NoExecute"})
    running.advance(30)
    taint_node(running, "worker-1")
    running.advance(120)
    assert not deleting(running, "patient")
    assert "Cancelling deletion of Pod default/patient" in messages(running)


def test_no_schedule_taints_never_evict(running: Cluster) -> None:
    taint_node(running, "worker-1", {"key": "maintenance", "effect": "NoSchedule"})
    running.advance(600)
    assert not any(deleting(running, n) for n in ("plain", "patient", "forever"))


def test_admission_gives_every_pod_300_seconds_for_unreachable(cluster: Cluster) -> None:
    created = cluster.api.create(pod("p"))
    assert {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
            "effect": "NoExecute", "tolerationSeconds": 300} in created["spec"]["tolerations"]


@pytest.mark.parametrize(("toleration", "taint", "expected"), [
    ({"operator": "Exists"}, {"key": "a", "effect": "NoExecute"}, True),
    ({"key": "a", "operator": "Exists"}, {"key": "a", "value": "x", "effect": "NoExecute"}, True),
    ({"key": "a", "value": "x"}, {"key": "a", "value": "x", "effect": "NoExecute"}, True),
    ({"key": "a", "value": "y"}, {"key": "a", "value": "x", "effect": "NoExecute"}, False),
    ({"key": "a", "operator": "Exists", "effect": "NoSchedule"},
     {"key": "a", "effect": "NoExecute"}, False),
    ({"key": "b", "operator": "Exists"}, {"key": "a", "effect": "NoExecute"}, False),
])
def test_toleration_matching(toleration: dict[str, Any], taint: dict[str, Any],
                             expected: bool) -> None:
    assert tolerates(toleration, taint) is expected


# -- PodDisruptionBudgets and the eviction API ---------------------------------------------

def web_with_budget(cluster: Cluster, min_available: int | str) -> list[str]:
    cluster.api.create({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "nginx",
                                                       "image": "nginx:1.27"}]}}}})
    cluster.api.create({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                        "metadata": {"name": "web-pdb", "namespace": "default"},
                        "spec": {"minAvailable": min_available,
                                 "selector": {"matchLabels": {"app": "web"}}}})
    cluster.advance(30)
    return [p["metadata"]["name"] for p in cluster.store.list("pods", "default")]


def budget(cluster: Cluster) -> dict[str, Any]:
    pdb = cluster.store.get("poddisruptionbudgets.policy", "default", "web-pdb")
    assert pdb is not None
    return dict(pdb["status"])


def test_budget_status(cluster: Cluster) -> None:
    web_with_budget(cluster, 2)
    status = budget(cluster)
    assert (status["expectedPods"], status["currentHealthy"], status["desiredHealthy"],
            status["disruptionsAllowed"]) == (3, 3, 2, 1)
    assert status["conditions"][0]["reason"] == "SufficientPods"


def test_budget_with_a_percentage_counts_the_deployment_replicas(cluster: Cluster) -> None:
    web_with_budget(cluster, "50%")
    status = budget(cluster)
    assert (status["expectedPods"], status["desiredHealthy"], status["disruptionsAllowed"]) == (
        3, 2, 1)


def test_eviction_honours_the_budget(cluster: Cluster) -> None:
    names = web_with_budget(cluster, 2)
    cluster.api.evict("default", names[0])
    with pytest.raises(APIError) as refused:
        cluster.api.evict("default", names[1])
    assert refused.value.code == 429
    assert refused.value.message == ("Cannot evict pod as it would violate the pod's "
                                     "disruption budget.")
    cluster.advance(60)  # the replacement becomes ready: the budget allows one again
    assert budget(cluster)["disruptionsAllowed"] == 1
    cluster.api.evict("default", names[1])


def test_evicting_a_missing_pod_is_not_found(cluster: Cluster) -> None:
    with pytest.raises(APIError) as missing:
        cluster.api.evict("default", "nosuch")
    assert missing.value.reason == "NotFound"
