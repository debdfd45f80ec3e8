"""DaemonSet controller: one pod per eligible node, node changes, rolling updates, status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.controllers.daemonset import DaemonSetController, node_fit
from playground.engine.store import Actor, deep_copy

EXAMPLES = (Path(__file__).resolve().parents[2].parent / "shared/conformance")
SCHEDULER = Actor("scheduler", "default-scheduler")



def silence_kubelets(cluster: Cluster) -> None:
    """These tests play the kubelet themselves: stop the cluster's own, if it has one."""
    kubelet = getattr(cluster, "kubelet", None)
    if kubelet is not None and hasattr(kubelet, "stop_node"):
        for node in cluster.store.list("nodes"):
            kubelet.stop_node(node["metadata"]["name"])

def make_cluster(workers: int = 3) -> Cluster:
    cluster = Cluster.create(ClusterConfig(clock="manual", workers=workers))
    silence_kubelets(cluster)
    cluster.controllers.add(DaemonSetController(cluster))
    cluster.settle()
    return cluster


def target_node(pod: dict[str, Any]) -> str:
    terms = pod["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    return str(terms[0]["matchFields"][0]["values"][0])


def fluentd_pods(cluster: Cluster, namespace: str = "kube-system") -> list[dict[str, Any]]:
    """The example DaemonSet's pods (kube-system also runs the cluster's own kube-proxy)."""
    return [p for p in cluster.store.list("pods", namespace)
            if p["metadata"].get("labels", {}).get("name") == "fluentd-elasticsearch"]


def kubelet(cluster: Cluster, namespace: str) -> None:
    """Stand-in kubelet (binding to the affinity node if the scheduler has not)."""
    for pod in fluentd_pods(cluster, namespace):
        if pod["metadata"].get("deletionTimestamp"):
            cluster.api.remove_now("pods", namespace, pod["metadata"]["name"],
                                   Actor("kubelet", pod["spec"].get("nodeName") or "x"))
        elif not pod["spec"].get("nodeName"):
            bound = deep_copy(pod)
            bound["spec"]["nodeName"] = target_node(pod)
            cluster.api.update(bound, SCHEDULER)
    cluster.settle()
    for pod in fluentd_pods(cluster, namespace):
        if pod["status"].get("phase") == "Pending":
            status = {"phase": "Running", "conditions": [
                {"type": "Ready", "status": "True",
                 "lastTransitionTime": cluster.clock.timestamp()}]}
            cluster.api.update_status(dict(pod, status=status),
                                      Actor("kubelet", pod["spec"]["nodeName"]))
    cluster.settle()


def apply(cluster: Cluster, path: str) -> dict[str, Any]:
    doc = yaml.safe_load((EXAMPLES / path).read_text())
    created = cluster.api.create(doc)
    cluster.settle()
    return created


def pods_by_node(cluster: Cluster, namespace: str = "kube-system") -> dict[str, str]:
    return {p["spec"].get("nodeName") or target_node(p): p["metadata"]["name"]
            for p in fluentd_pods(cluster, namespace)
            if not p["metadata"].get("deletionTimestamp")}


def ds(cluster: Cluster, name: str = "fluentd-elasticsearch",
       namespace: str = "kube-system") -> dict[str, Any]:
    found = cluster.store.get("daemonsets.apps", namespace, name)
    assert found is not None
    return found


def test_example_runs_on_every_node_including_the_control_plane() -> None:
    cluster = make_cluster()
    apply(cluster, "k8s-examples/controllers/daemonset.yaml")
    kubelet(cluster, "kube-system")
    assert sorted(pods_by_node(cluster)) == ["control-plane", "worker-1", "worker-2",
                                             "worker-3"]
    status = ds(cluster)["status"]
    assert status["desiredNumberScheduled"] == status["currentNumberScheduled"] == 4
    assert status["numberReady"] == status["numberAvailable"] == 4
    assert status["updatedNumberScheduled"] == 4
    assert status["numberMisscheduled"] == 0
    assert status["observedGeneration"] == 1
    messages = [e["message"] for e in cluster.store.list("events", "kube-system")
                if e["source"]["component"] == "daemonset-controller"
                and e["involvedObject"]["name"] == "fluentd-elasticsearch"]
    assert len(messages) == 4 and all(m.startswith("Created pod: fluentd-elasticsearch-")
                                      for m in messages)


def test_legacy_example_skips_the_control_plane() -> None:
    cluster = make_cluster()
    apply(cluster, "k8s-examples-variants/legacy/controllers/daemonset.yaml")
    kubelet(cluster, "kube-system")
    assert sorted(pods_by_node(cluster)) == ["worker-1", "worker-2", "worker-3"]
    assert ds(cluster)["status"]["desiredNumberScheduled"] == 3


def test_pods_carry_node_affinity_tolerations_and_revision_labels() -> None:
    cluster = make_cluster()
    apply(cluster, "k8s-examples/controllers/daemonset.yaml")
    pod = fluentd_pods(cluster)[0]
    keys = {(t["key"], t["effect"]) for t in pod["spec"]["tolerations"]}
    assert {("node.kubernetes.io/not-ready", "NoExecute"),
            ("node.kubernetes.io/unreachable", "NoExecute"),
            ("node.kubernetes.io/disk-pressure", "NoSchedule"),
            ("node.kubernetes.io/memory-pressure", "NoSchedule"),
            ("node.kubernetes.io/pid-pressure", "NoSchedule"),
            ("node.kubernetes.io/unschedulable", "NoSchedule")} <= keys
    not_ready = next(t for t in pod["spec"]["tolerations"]
                     if t["key"] == "node.kubernetes.io/not-ready")
    assert "tolerationSeconds" not in not_ready
    labels = pod["metadata"]["labels"]
    assert labels["pod-template-generation"] == "1"
    revision = next(r for r in cluster.store.list("controllerrevisions.apps", "kube-system")
                    if r["metadata"]["name"].startswith("fluentd-elasticsearch-"))
    assert revision["metadata"]["name"] == f"fluentd-elasticsearch-{labels['controller-revision-hash']}"
    assert target_node(pod) in {"control-plane", "worker-1", "worker-2", "worker-3"}


def test_follows_nodes_joining_and_leaving() -> None:
    cluster = make_cluster(workers=2)
    apply(cluster, "k8s-examples/controllers/daemonset.yaml")
    kubelet(cluster, "kube-system")
    cluster.add_node("worker-3")
    silence_kubelets(cluster)
    cluster.settle()
    kubelet(cluster, "kube-system")
    assert "worker-3" in pods_by_node(cluster)
    assert ds(cluster)["status"]["desiredNumberScheduled"] == 4
    cluster.api.delete("nodes", "", "worker-1")
    cluster.settle()
    kubelet(cluster, "kube-system")
    assert "worker-1" not in pods_by_node(cluster)
    assert ds(cluster)["status"]["desiredNumberScheduled"] == 3


def test_node_selector_and_label_changes() -> None:
    cluster = make_cluster()
    manifest = yaml.safe_load((EXAMPLES / "k8s-examples/controllers/daemonset.yaml").read_text())
    manifest["spec"]["template"]["spec"]["nodeSelector"] = {"disktype": "ssd"}
    cluster.api.create(manifest)
    cluster.settle()
    assert pods_by_node(cluster) == {}
    node = deep_copy(cluster.store.get("nodes", "", "worker-2"))
    node["metadata"]["labels"]["disktype"] = "ssd"
    cluster.api.update(node)
    cluster.settle()
    kubelet(cluster, "kube-system")
    assert list(pods_by_node(cluster)) == ["worker-2"]
    del node["metadata"]["labels"]["disktype"]
    node["metadata"].pop("resourceVersion")
    cluster.api.update(node)
    cluster.settle()
    kubelet(cluster, "kube-system")
    assert pods_by_node(cluster) == {}


def test_no_execute_taint_evicts_but_no_schedule_only_blocks_new_pods() -> None:
    cluster = make_cluster()
    apply(cluster, "k8s-examples-variants/legacy/controllers/daemonset.yaml")
    kubelet(cluster, "kube-system")
    node = deep_copy(cluster.store.get("nodes", "", "worker-1"))
    node["spec"]["taints"] = [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]
    cluster.api.update(node)
    cluster.settle()
    assert "worker-1" in pods_by_node(cluster)  # running pod stays
    assert ds(cluster)["status"]["numberMisscheduled"] == 1
    node = deep_copy(cluster.store.get("nodes", "", "worker-1"))
    node["spec"]["taints"] = [{"key": "dedicated", "value": "db", "effect": "NoExecute"}]
    cluster.api.update(node)
    cluster.settle()
    kubelet(cluster, "kube-system")
    assert "worker-1" not in pods_by_node(cluster)


def test_node_fit_rules() -> None:
    node = {"metadata": {"name": "n1", "labels": {"zone": "a"}},
            "spec": {"taints": [{"key": "k", "effect": "NoSchedule"}]}}
    assert node_fit({}, node) == (False, True)
    assert node_fit({"tolerations": [{"key": "k", "operator": "Exists"}]}, node) == (True, True)
    assert node_fit({"nodeSelector": {"zone": "b"}}, node) == (False, False)
    cordoned = {"metadata": {"name": "n1"}, "spec": {"taints": [
        {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]}}
    assert node_fit({}, cordoned) == (True, True)


def test_rolling_update_replaces_one_node_at_a_time() -> None:
    cluster = make_cluster()
    apply(cluster, "k8s-examples/controllers/daemonset.yaml")
    kubelet(cluster, "kube-system")
    before = set(pods_by_node(cluster).values())
    changed = deep_copy(ds(cluster))
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "fluentd:v5.0.2"
    cluster.api.update(changed)
    cluster.settle()
    terminating = [p for p in fluentd_pods(cluster)
                   if p["metadata"].get("deletionTimestamp")]
    assert len(terminating) <= 1
    for _ in range(12):
        kubelet(cluster, "kube-system")
    after = pods_by_node(cluster)
    assert len(after) == 4 and not before & set(after.values())
    images = {p["spec"]["containers"][0]["image"] for p in fluentd_pods(cluster)}
    assert images == {"fluentd:v5.0.2"}
    status = ds(cluster)["status"]
    assert status["updatedNumberScheduled"] == 4 and status["observedGeneration"] == 2
