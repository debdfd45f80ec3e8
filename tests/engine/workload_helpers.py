"""Test stand-ins for the scheduler and kubelet, and builders for workload manifests.

The ReplicaSet and Deployment controllers only need pods to get a node, turn Running/Ready and
go away when deleted; `FakeKubelet` does exactly that, with switches so a test decides when
pods become ready and when terminating pods finish.
"""

from __future__ import annotations

from typing import Any

from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.controllers import podutil
from playground.engine.controllers.base import Controller
from playground.engine.controllers.deployment import DeploymentController
from playground.engine.controllers.replicaset import ReplicaSetController
from playground.engine.store import Actor, Obj, deep_copy

NODES = ("worker-1", "worker-2", "worker-3")


class FakeKubelet(Controller):
    """Binds pods round-robin, optionally marks them Running+Ready, removes deleted pods."""

    name = "fake-kubelet"
    watches = ("pods",)
    actor_kind = "kubelet"

    def __init__(self, cluster: Cluster, *, auto_ready: bool = True) -> None:
        super().__init__(cluster)
        self.actor = Actor("kubelet", "worker-1")
        self.auto_ready = auto_ready
        self.finish_terminating = True
        self._next = 0

    def reconcile(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        pod = self.store.get("pods", namespace, name)
        if pod is None:
            return
        if pod["metadata"].get("deletionTimestamp"):
            if self.finish_terminating:
                self.api.remove_now("pods", namespace, name, self.actor)
            return
        if not pod["spec"].get("nodeName"):
            bound = deep_copy(pod)
            bound["spec"]["nodeName"] = NODES[self._next % len(NODES)]
            self._next += 1
            self.api.update(bound, self.actor, reason="bound")
            return
        if self.auto_ready and (pod.get("status") or {}).get("phase") == "Pending":
            self.set_ready(pod, True)

    def set_ready(self, pod: Obj, ready: bool) -> None:
        """Running, with the Ready condition True or False since now."""
        stamp = self.clock.timestamp()
        status: dict[str, Any] = dict(pod.get("status") or {})
        status["phase"] = "Running"
        status["conditions"] = [{"type": "Ready", "status": "True" if ready else "False",
                                 "lastTransitionTime": stamp}]
        self.api.update_status(dict(pod, status=status), self.actor)

    def finish_all(self) -> None:
        """Let every terminating pod go."""
        for pod in self.store.list("pods"):
            if pod["metadata"].get("deletionTimestamp"):
                self.api.remove_now("pods", pod["metadata"]["namespace"],
                                    pod["metadata"]["name"], self.actor)


def make_cluster(*, auto_ready: bool = True, seed: int = 1) -> tuple[Cluster, FakeKubelet]:
    """A manual-clock cluster running both controllers and a fake kubelet."""
    cluster = Cluster.create(ClusterConfig(clock="manual", seed=seed))
    # these tests play the kubelet themselves: stop the cluster's own (its scheduler still
    # binds pods; FakeKubelet binds them only when no scheduler did)
    real_kubelet = getattr(cluster, "kubelet", None)
    if real_kubelet is not None and hasattr(real_kubelet, "stop_node"):
        for node in cluster.store.list("nodes"):
            real_kubelet.stop_node(node["metadata"]["name"])
    cluster.controllers.add(ReplicaSetController(cluster))
    cluster.controllers.add(DeploymentController(cluster))
    kubelet = FakeKubelet(cluster, auto_ready=auto_ready)
    cluster.controllers.add(kubelet)
    return cluster, kubelet


def deployment(name: str = "web", replicas: int = 3, image: str = "nginx:1.27",
               **spec: Any) -> Obj:
    """A Deployment manifest with `app=<name>` labels."""
    manifest: Obj = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "nginx", "image": image}]}}},
    }
    manifest["spec"].update(spec)
    return manifest


def replica_set(name: str = "front", replicas: int = 3, labels: dict[str, str] | None = None,
                **spec: Any) -> Obj:
    """A bare ReplicaSet manifest."""
    labels = labels or {"app": name}
    manifest: Obj = {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                 "template": {"metadata": {"labels": dict(labels)},
                              "spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
    }
    manifest["spec"].update(spec)
    return manifest


def owned_pods(cluster: Cluster, owner: Obj, *, active_only: bool = True) -> list[Obj]:
    """Pods whose controller is `owner`, by name."""
    uid = owner["metadata"]["uid"]
    pods = [p for p in cluster.store.list("pods", "default")
            if (podutil.controller_ref(p) or {}).get("uid") == uid]
    return [p for p in pods if podutil.is_active(p)] if active_only else pods


def replica_sets(cluster: Cluster) -> list[Obj]:
    """ReplicaSets in `default`, oldest revision first."""
    from playground.engine.controllers.deployment_util import revision_of

    return sorted(cluster.store.list("replicasets.apps", "default"), key=revision_of)


def sizes(cluster: Cluster) -> list[int]:
    """spec.replicas of every ReplicaSet, oldest revision first."""
    return [rs["spec"]["replicas"] for rs in replica_sets(cluster)]


def events(cluster: Cluster, reason: str | None = None) -> list[str]:
    """Event messages in creation order, optionally of one reason."""
    found = sorted(cluster.store.list("events", "default"),
                   key=lambda e: int(e["metadata"]["resourceVersion"]))
    return [e["message"] for e in found if reason is None or e["reason"] == reason]
