"""StatefulSet controller: ordered creation, claims, scale-down, rolling updates, status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.controllers.statefulset import (
    REVISION_HASH_LABEL,
    StatefulSetController,
    template_hash,
)
from playground.engine.controllers.volumes import (
    PersistentVolumeController,
    standard_storage_class,
)
from playground.engine.store import Actor, deep_copy

EXAMPLES = (Path(__file__).resolve().parents[2].parent / "shared/conformance/k8s-examples")
SCHEDULER = Actor("scheduler", "default-scheduler")
ADMIN = Actor("system", "kubeadm")



def silence_kubelets(cluster: Cluster) -> None:
    """These tests play the kubelet themselves: stop the cluster's own, if it has one."""
    kubelet = getattr(cluster, "kubelet", None)
    if kubelet is not None and hasattr(kubelet, "stop_node"):
        for node in cluster.store.list("nodes"):
            kubelet.stop_node(node["metadata"]["name"])

def make_cluster() -> Cluster:
    cluster = Cluster.create(ClusterConfig(clock="manual"))
    silence_kubelets(cluster)
    cluster.controllers.add(PersistentVolumeController(cluster))
    cluster.controllers.add(StatefulSetController(cluster))
    if cluster.store.get("storageclasses.storage.k8s.io", "", "standard") is None:
        cluster.api.create(standard_storage_class(), ADMIN)
    cluster.settle()
    return cluster


def kubelet(cluster: Cluster, namespace: str = "default", *, ready: bool = True) -> None:
    """Stand-in scheduler + kubelet: bind, start pods whose claims are bound, finish deletes."""
    for pod in cluster.store.list("pods", namespace):
        if pod["metadata"].get("deletionTimestamp"):
            cluster.api.remove_now("pods", namespace, pod["metadata"]["name"],
                                   Actor("kubelet", pod["spec"].get("nodeName") or "worker-1"))
        elif not pod["spec"].get("nodeName"):
            bound = deep_copy(pod)
            bound["spec"]["nodeName"] = "worker-1"
            cluster.api.update(bound, SCHEDULER)
    cluster.settle()
    for pod in cluster.store.list("pods", namespace):
        if pod["status"].get("phase") != "Pending":
            continue
        claims = [v["persistentVolumeClaim"]["claimName"] for v in pod["spec"].get("volumes", [])
                  if "persistentVolumeClaim" in v]
        if any(cluster.store.get("persistentvolumeclaims", namespace, c)["status"]["phase"]
               != "Bound" for c in claims):
            continue
        status = {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "True" if ready else "False",
             "lastTransitionTime": cluster.clock.timestamp()}]}
        cluster.api.update_status(dict(pod, status=status),
                                  Actor("kubelet", pod["spec"]["nodeName"]))
    cluster.settle()


def pod_names(cluster: Cluster) -> list[str]:
    return [p["metadata"]["name"] for p in cluster.store.list("pods", "default")]


def apply_web(cluster: Cluster) -> None:
    text = (EXAMPLES / "application/web/web.yaml").read_text()
    for doc in yaml.safe_load_all(text):
        if doc:
            cluster.api.create(doc)
    cluster.settle()


def sts(cluster: Cluster, name: str = "web") -> dict[str, Any]:
    found = cluster.store.get("statefulsets.apps", "default", name)
    assert found is not None
    return found


def events(cluster: Cluster) -> list[str]:
    return [e["message"] for e in cluster.store.list("events", "default")
            if e["source"]["component"] == "statefulset-controller"]


def make_sts(name: str = "app", replicas: int = 3, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "replicas": replicas, "serviceName": name,
        "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}},
                     "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]}}}
    body.update(spec)
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
            "spec": body}


def settle_ready(cluster: Cluster, rounds: int = 8) -> None:
    for _ in range(rounds):
        kubelet(cluster)


def test_web_example_creates_pods_in_order_with_bound_claims() -> None:
    cluster = make_cluster()
    apply_web(cluster)
    assert pod_names(cluster) == ["web-0"]  # web-1 waits for web-0 to be Running and Ready
    kubelet(cluster)
    assert pod_names(cluster) == ["web-0", "web-1"]
    kubelet(cluster)
    claims = cluster.store.list("persistentvolumeclaims", "default")
    assert [c["metadata"]["name"] for c in claims] == ["www-web-0", "www-web-1"]
    for claim in claims:
        assert claim["status"] == {"phase": "Bound", "accessModes": ["ReadWriteOnce"],
                                   "capacity": {"storage": "1Gi"}}
        assert claim["spec"]["storageClassName"] == "standard"
        assert claim["metadata"]["labels"] == {"app": "nginx"}
    status = sts(cluster)["status"]
    assert status["replicas"] == status["readyReplicas"] == status["availableReplicas"] == 2
    assert status["currentRevision"] == status["updateRevision"]
    assert status["observedGeneration"] == 1
    assert events(cluster) == [
        "create Claim www-web-0 Pod web-0 in StatefulSet web success",
        "create Pod web-0 in StatefulSet web successful",
        "create Claim www-web-1 Pod web-1 in StatefulSet web success",
        "create Pod web-1 in StatefulSet web successful",
    ]


def test_pod_identity_labels_hostname_and_claim_volume() -> None:
    cluster = make_cluster()
    apply_web(cluster)
    pod = cluster.store.get("pods", "default", "web-0")
    assert pod is not None
    labels = pod["metadata"]["labels"]
    assert labels["statefulset.kubernetes.io/pod-name"] == "web-0"
    assert labels["apps.kubernetes.io/pod-index"] == "0"
    assert labels[REVISION_HASH_LABEL] == sts(cluster)["status"]["updateRevision"]
    assert pod["spec"]["hostname"] == "web-0"
    assert pod["spec"]["subdomain"] == "nginx"
    assert {"name": "www", "persistentVolumeClaim": {"claimName": "www-web-0"}} in \
        pod["spec"]["volumes"]
    revisions = cluster.store.list("controllerrevisions.apps", "default")
    assert [r["metadata"]["name"] for r in revisions] == [labels[REVISION_HASH_LABEL]]
    assert revisions[0]["revision"] == 1


def test_parallel_creates_all_at_once() -> None:
    cluster = make_cluster()
    cluster.api.create(make_sts(podManagementPolicy="Parallel"))
    cluster.settle()
    assert pod_names(cluster) == ["app-0", "app-1", "app-2"]


def test_ordered_scale_down_from_the_highest_ordinal_one_at_a_time() -> None:
    cluster = make_cluster()
    cluster.api.create(make_sts(replicas=3))
    settle_ready(cluster)
    assert pod_names(cluster) == ["app-0", "app-1", "app-2"]
    scaled = deep_copy(sts(cluster, "app"))
    scaled["spec"]["replicas"] = 1
    cluster.api.update(scaled)
    cluster.settle()
    terminating = [p["metadata"]["name"] for p in cluster.store.list("pods", "default")
                   if p["metadata"].get("deletionTimestamp")]
    assert terminating == ["app-2"]
    kubelet(cluster)
    assert pod_names(cluster) == ["app-0", "app-1"]
    kubelet(cluster)
    assert pod_names(cluster) == ["app-0"]
    assert "delete Pod app-2 in StatefulSet app successful" in events(cluster)


def test_claims_are_kept_when_pods_go() -> None:
    cluster = make_cluster()
    apply_web(cluster)
    settle_ready(cluster)
    scaled = deep_copy(sts(cluster))
    scaled["spec"]["replicas"] = 0
    cluster.api.update(scaled)
    settle_ready(cluster)
    assert pod_names(cluster) == []
    assert [c["metadata"]["name"] for c in cluster.store.list("persistentvolumeclaims",
                                                              "default")] == \
        ["www-web-0", "www-web-1"]


def test_not_ready_pod_blocks_the_next_ordinal() -> None:
    cluster = make_cluster()
    cluster.api.create(make_sts(replicas=2))
    cluster.settle()
    kubelet(cluster, ready=False)
    kubelet(cluster, ready=False)
    assert pod_names(cluster) == ["app-0"]


def test_rolling_update_goes_in_reverse_ordinal_order() -> None:
    cluster = make_cluster()
    cluster.api.create(make_sts(replicas=3))
    settle_ready(cluster)
    old_revision = sts(cluster, "app")["status"]["currentRevision"]
    changed = deep_copy(sts(cluster, "app"))
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26"
    cluster.api.update(changed)
    cluster.settle()
    order = []
    for _ in range(10):
        for pod in cluster.store.list("pods", "default"):
            if pod["metadata"].get("deletionTimestamp"):
                order.append(pod["metadata"]["name"])
        kubelet(cluster)
    assert order == ["app-2", "app-1", "app-0"]
    status = sts(cluster, "app")["status"]
    assert status["updateRevision"] != old_revision
    assert status["currentRevision"] == status["updateRevision"]
    assert status["updatedReplicas"] == 3
    images = {p["spec"]["containers"][0]["image"] for p in cluster.store.list("pods", "default")}
    assert images == {"nginx:1.26"}
    assert [r["revision"] for r in cluster.store.list("controllerrevisions.apps", "default")] \
        in ([1, 2], [2, 1])


def test_partition_keeps_lower_ordinals_on_the_old_revision() -> None:
    cluster = make_cluster()
    cluster.api.create(make_sts(replicas=3, updateStrategy={
        "type": "RollingUpdate", "rollingUpdate": {"partition": 2}}))
    settle_ready(cluster)
    changed = deep_copy(sts(cluster, "app"))
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26"
    cluster.api.update(changed)
    settle_ready(cluster)
    images = {p["metadata"]["name"]: p["spec"]["containers"][0]["image"]
              for p in cluster.store.list("pods", "default")}
    assert images == {"app-0": "nginx:1.25", "app-1": "nginx:1.25", "app-2": "nginx:1.26"}
    status = sts(cluster, "app")["status"]
    assert status["currentRevision"] != status["updateRevision"]
    assert status["updatedReplicas"] == 1 and status["currentReplicas"] == 2


def test_on_delete_waits_for_the_user() -> None:
    cluster = make_cluster()
    cluster.api.create(make_sts(replicas=2, updateStrategy={"type": "OnDelete"}))
    settle_ready(cluster)
    changed = deep_copy(sts(cluster, "app"))
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26"
    cluster.api.update(changed)
    settle_ready(cluster)
    assert {p["spec"]["containers"][0]["image"]
            for p in cluster.store.list("pods", "default")} == {"nginx:1.25"}
    cluster.api.delete("pods", "default", "app-1")
    settle_ready(cluster)
    images = {p["metadata"]["name"]: p["spec"]["containers"][0]["image"]
              for p in cluster.store.list("pods", "default")}
    assert images == {"app-0": "nginx:1.25", "app-1": "nginx:1.26"}


def test_deleted_pod_is_recreated_with_the_same_name() -> None:
    cluster = make_cluster()
    cluster.api.create(make_sts(replicas=2))
    settle_ready(cluster)
    uid = cluster.store.get("pods", "default", "app-0")["metadata"]["uid"]
    cluster.api.delete("pods", "default", "app-0")
    settle_ready(cluster)
    again = cluster.store.get("pods", "default", "app-0")
    assert again is not None and again["metadata"]["uid"] != uid


def test_rollback_reuses_the_old_revision_with_a_new_number() -> None:
    cluster = make_cluster()
    cluster.api.create(make_sts(replicas=1))
    settle_ready(cluster)
    first = sts(cluster, "app")["status"]["updateRevision"]
    for image in ("nginx:1.26", "nginx:1.25"):
        changed = deep_copy(sts(cluster, "app"))
        changed["spec"]["template"]["spec"]["containers"][0]["image"] = image
        cluster.api.update(changed)
        settle_ready(cluster)
    assert sts(cluster, "app")["status"]["updateRevision"] == first
    revision = cluster.store.get("controllerrevisions.apps", "default", first)
    assert revision is not None and revision["revision"] == 3


@pytest.mark.parametrize("count", [0, 1, 2])
def test_template_hash_is_stable_and_changes_with_collisions(count: int) -> None:
    template = {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": []}}
    assert template_hash(template, count) == template_hash(deep_copy(template), count)
    assert template_hash(template, count) != template_hash(template, count + 1)


def test_min_ready_seconds_delays_the_next_ordinal_and_availability() -> None:
    cluster = make_cluster()
    cluster.api.create(make_sts(replicas=2, minReadySeconds=10))
    cluster.settle()
    kubelet(cluster)
    assert pod_names(cluster) == ["app-0"]
    assert sts(cluster, "app")["status"]["availableReplicas"] == 0
    cluster.advance(10)
    assert pod_names(cluster) == ["app-0", "app-1"]
    assert sts(cluster, "app")["status"]["availableReplicas"] == 1
