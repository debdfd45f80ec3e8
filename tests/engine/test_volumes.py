"""PersistentVolume controller: default class, WaitForFirstConsumer provisioning, static
binding, protection finalizers, release and reclaim."""

from __future__ import annotations

from typing import Any

from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.controllers.volumes import (
    PV_PROTECTION,
    PVC_PROTECTION,
    PersistentVolumeController,
    standard_storage_class,
)
from playground.engine.store import Actor, deep_copy

ADMIN = Actor("system", "kubeadm")
SCHEDULER = Actor("scheduler", "default-scheduler")



def silence_kubelets(cluster: Cluster) -> None:
    """These tests play the kubelet themselves: stop the cluster's own, if it has one."""
    kubelet = getattr(cluster, "kubelet", None)
    if kubelet is not None and hasattr(kubelet, "stop_node"):
        for node in cluster.store.list("nodes"):
            kubelet.stop_node(node["metadata"]["name"])

def make_cluster(with_class: bool = True) -> Cluster:
    cluster = Cluster.create(ClusterConfig(clock="manual"))
    silence_kubelets(cluster)
    cluster.controllers.add(PersistentVolumeController(cluster))
    present = cluster.store.get("storageclasses.storage.k8s.io", "", "standard") is not None
    if with_class and not present:
        cluster.api.create(standard_storage_class(), ADMIN)
    elif not with_class and present:  # the cluster ships kind's default class
        cluster.api.delete("storageclasses.storage.k8s.io", "", "standard", ADMIN)
    cluster.settle()
    return cluster


def claim(name: str = "data", size: str = "1Gi", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": size}}}
    body.update(spec)
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
            "spec": body}


def consumer(claim_name: str = "data", node: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "nginx:1.25"}],
                            "volumes": [{"name": "v", "persistentVolumeClaim": {
                                "claimName": claim_name}}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "user"}, "spec": spec}


def pvc(cluster: Cluster, name: str = "data") -> dict[str, Any]:
    found = cluster.store.get("persistentvolumeclaims", "default", name)
    assert found is not None
    return found


def reasons(cluster: Cluster) -> list[str]:
    return [e["reason"] for e in cluster.store.list("events", "default")
            if e["involvedObject"]["kind"] == "PersistentVolumeClaim"]


def test_standard_class_is_kinds_default() -> None:
    cluster = make_cluster()
    sc = cluster.store.get("storageclasses.storage.k8s.io", "", "standard")
    assert sc is not None
    assert sc["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class":
                                             "true"}
    assert (sc["provisioner"], sc["reclaimPolicy"], sc["volumeBindingMode"]) == \
        ("rancher.io/local-path", "Delete", "WaitForFirstConsumer")


def test_claim_waits_for_its_first_consumer_then_binds_on_its_node() -> None:
    cluster = make_cluster()
    cluster.api.create(claim())
    cluster.settle()
    created = pvc(cluster)
    assert created["spec"]["storageClassName"] == "standard"
    assert PVC_PROTECTION in created["metadata"]["finalizers"]
    assert created["status"]["phase"] == "Pending"
    assert reasons(cluster) == ["WaitForFirstConsumer"]
    cluster.api.create(consumer(node="worker-2"))
    cluster.settle()
    bound = pvc(cluster)
    volume_name = f"pvc-{bound['metadata']['uid']}"
    assert bound["spec"]["volumeName"] == volume_name
    assert bound["status"] == {"phase": "Bound", "accessModes": ["ReadWriteOnce"],
                               "capacity": {"storage": "1Gi"}}
    annotations = bound["metadata"]["annotations"]
    assert annotations["volume.kubernetes.io/selected-node"] == "worker-2"
    assert annotations["pv.kubernetes.io/bind-completed"] == "yes"
    pv = cluster.store.get("persistentvolumes", "", volume_name)
    assert pv is not None and pv["status"]["phase"] == "Bound"
    assert pv["spec"]["claimRef"]["name"] == "data"
    assert pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0][
        "matchExpressions"][0]["values"] == ["worker-2"]
    assert PV_PROTECTION in pv["metadata"]["finalizers"]
    assert reasons(cluster)[-3:] == ["ExternalProvisioning", "Provisioning",
                                     "ProvisioningSucceeded"]


def test_immediate_class_provisions_at_once() -> None:
    cluster = make_cluster(with_class=False)
    fast = standard_storage_class()
    fast["metadata"]["name"] = "fast"
    fast["volumeBindingMode"] = "Immediate"
    cluster.api.create(fast, ADMIN)
    cluster.api.create(claim())
    cluster.settle()
    assert pvc(cluster)["status"]["phase"] == "Bound"


def test_static_volume_binds_to_a_fitting_claim() -> None:
    cluster = make_cluster()
    for name, size in (("small", "1Gi"), ("big", "10Gi"), ("right", "3Gi")):
        cluster.api.create({"apiVersion": "v1", "kind": "PersistentVolume",
                            "metadata": {"name": name},
                            "spec": {"storageClassName": "manual", "capacity": {"storage": size},
                                     "accessModes": ["ReadWriteOnce"],
                                     "hostPath": {"path": "/mnt/data"}}})
    cluster.settle()
    assert cluster.store.get("persistentvolumes", "", "big")["status"]["phase"] == "Available"
    cluster.api.create(claim(size="3Gi", storageClassName="manual"))
    cluster.settle()
    assert pvc(cluster)["spec"]["volumeName"] == "right"
    assert pvc(cluster)["status"]["capacity"] == {"storage": "3Gi"}
    right = cluster.store.get("persistentvolumes", "", "right")
    assert right["status"]["phase"] == "Bound"


def test_deleting_a_claim_in_use_waits_then_releases_and_reclaims() -> None:
    cluster = make_cluster()
    cluster.api.create(claim())
    cluster.api.create(consumer(node="worker-1"))
    cluster.settle()
    volume_name = pvc(cluster)["spec"]["volumeName"]
    cluster.api.delete("persistentvolumeclaims", "default", "data")
    cluster.settle()
    assert pvc(cluster)["metadata"]["deletionTimestamp"]  # protected while the pod runs
    cluster.api.remove_now("pods", "default", "user", Actor("kubelet", "worker-1"))
    cluster.settle()
    assert cluster.store.get("persistentvolumeclaims", "default", "data") is None
    assert cluster.store.get("persistentvolumes", "", volume_name) is None  # Delete policy


def test_retained_volume_is_released() -> None:
    cluster = make_cluster()
    cluster.api.create({"apiVersion": "v1", "kind": "PersistentVolume",
                        "metadata": {"name": "keep"},
                        "spec": {"storageClassName": "manual", "capacity": {"storage": "1Gi"},
                                 "accessModes": ["ReadWriteOnce"],
                                 "hostPath": {"path": "/mnt/data"}}})
    cluster.api.create(claim(storageClassName="manual"))
    cluster.settle()
    cluster.api.delete("persistentvolumeclaims", "default", "data")
    cluster.settle()
    keep = cluster.store.get("persistentvolumes", "", "keep")
    assert keep is not None and keep["status"]["phase"] == "Released"


def test_claim_without_class_or_volume_stays_pending() -> None:
    cluster = make_cluster(with_class=False)
    cluster.api.create(claim())
    cluster.settle()
    assert pvc(cluster)["status"]["phase"] == "Pending"
    assert "FailedBinding" in reasons(cluster)


def test_scheduler_selected_node_annotation_is_honoured() -> None:
    cluster = make_cluster()
    created = cluster.api.create(claim())
    cluster.settle()
    annotated = deep_copy(created)
    annotated["metadata"].pop("resourceVersion")
    annotated["metadata"]["annotations"] = {"volume.kubernetes.io/selected-node": "worker-3"}
    cluster.api.update(annotated, SCHEDULER)
    cluster.settle()
    pv = cluster.store.get("persistentvolumes", "", pvc(cluster)["spec"]["volumeName"])
    assert pv["metadata"]["annotations"]["local.path.provisioner/selected-node"] == "worker-3"
