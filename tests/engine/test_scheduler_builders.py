"""Builders of Node and Pod dicts shared by the scheduler tests (no tests of its own)."""

from __future__ import annotations

from typing import Any

CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


def make_node(name: str, *, cpu: str = "4", memory: str = "8Gi", pods: str = "110",
              labels: dict[str, str] | None = None, taints: list[dict[str, Any]] | None = None,
              unschedulable: bool = False, images: list[dict[str, Any]] | None = None,
              ) -> dict[str, Any]:
    """A Ready node as the API server stores it."""
    spec: dict[str, Any] = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    status: dict[str, Any] = {
        "capacity": {"cpu": cpu, "memory": memory, "pods": pods},
        "allocatable": {"cpu": cpu, "memory": memory, "pods": pods},
    }
    if images:
        status["images"] = images
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name,
                         "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
            "spec": spec, "status": status}


def make_pod(name: str, *, cpu: str | None = None, memory: str | None = None,
             labels: dict[str, str] | None = None, namespace: str = "default",
             **spec: Any) -> dict[str, Any]:
    """A pod with one container requesting `cpu`/`memory`, plus any extra spec fields."""
    requests: dict[str, str] = {}
    if cpu is not None:
        requests["cpu"] = cpu
    if memory is not None:
        requests["memory"] = memory
    container: dict[str, Any] = {"name": "app", "image": "nginx:1.25"}
    if requests:
        container["resources"] = {"requests": requests}
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}",
                         "labels": labels or {}},
            "spec": {"containers": [container], **spec}}


def kubeadm_cluster(workers: int = 3, **worker: Any) -> list[dict[str, Any]]:
    """One tainted control-plane node and `workers` worker nodes."""
    nodes = [make_node("control-plane", taints=[CONTROL_PLANE_TAINT],
                       labels={"node-role.kubernetes.io/control-plane": ""})]
    nodes += [make_node(f"worker-{i + 1}", **worker) for i in range(workers)]
    return nodes
