"""Node objects as a kind/kubeadm cluster registers them.

One place builds a Node's labels, taints, capacity, addresses and nodeInfo, so `cluster init`,
`cluster add-node` and tests produce the same shape a real kubelet registers (what
`kubectl describe node` and the scheduler read).
"""

from __future__ import annotations

from typing import Any

from playground.engine import KUBERNETES_VERSION
from playground.engine.api.quantity import format_bytes, memory_bytes

CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"
ZONE_LABEL = "topology.kubernetes.io/zone"
REGION_LABEL = "topology.kubernetes.io/region"
HOSTNAME_LABEL = "kubernetes.io/hostname"

CONTAINER_RUNTIME = "containerd://2.1.1"
KERNEL_VERSION = "6.8.0-45-generic"
OS_IMAGE = "Debian GNU/Linux 12 (bookworm)"
MAX_PODS = 110
SYSTEM_RESERVED_MEMORY = 0  # kind reserves nothing: allocatable == capacity


def node_object(name: str, *, index: int, cpu: str, memory: str, zone: str, region: str,
                control_plane: bool, internal_ip: str, pod_cidr: str, timestamp: str,
                uid_hint: str, labels: dict[str, str] | None = None,
                taints: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A Ready node as its kubelet registers it at `timestamp`."""
    memory_ki = f"{memory_bytes(memory) // 1024}Ki"
    node_labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        HOSTNAME_LABEL: name,
        "kubernetes.io/os": "linux",
        REGION_LABEL: region,
        ZONE_LABEL: zone,
    }
    node_taints = list(taints or [])
    if control_plane:
        node_labels[CONTROL_PLANE_LABEL] = ""
        node_labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
        node_taints.insert(0, {"key": CONTROL_PLANE_LABEL, "effect": "NoSchedule"})
    node_labels.update(labels or {})
    capacity = {"cpu": cpu, "ephemeral-storage": "102626232Ki", "hugepages-1Gi": "0",
                "hugepages-2Mi": "0", "memory": memory_ki, "pods": str(MAX_PODS)}
    spec: dict[str, Any] = {"podCIDR": pod_cidr, "podCIDRs": [pod_cidr],
                            "providerID": f"kind://docker/playground/{name}"}
    if node_taints:
        spec["taints"] = node_taints
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": node_labels,
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": spec,
        "status": {
            "addresses": [{"address": internal_ip, "type": "InternalIP"},
                          {"address": name, "type": "Hostname"}],
            "allocatable": dict(capacity),
            "capacity": capacity,
            "conditions": node_conditions(timestamp, timestamp, ready=True),
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "images": [],
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": f"{uid_hint[:8]}-boot-{index:04d}",
                "containerRuntimeVersion": CONTAINER_RUNTIME,
                "kernelVersion": KERNEL_VERSION,
                "kubeProxyVersion": KUBERNETES_VERSION,
                "kubeletVersion": KUBERNETES_VERSION,
                "machineID": f"{uid_hint.replace('-', '')[:32]}",
                "operatingSystem": "linux",
                "osImage": OS_IMAGE,
                "systemUUID": uid_hint,
            },
        },
    }


def node_conditions(heartbeat: str, transition: str, *, ready: bool) -> list[dict[str, Any]]:
    """The four kubelet-reported conditions of a healthy (or not yet ready) node."""
    return [
        {"lastHeartbeatTime": heartbeat, "lastTransitionTime": transition,
         "message": "kubelet has sufficient memory available",
         "reason": "KubeletHasSufficientMemory", "status": "False", "type": "MemoryPressure"},
        {"lastHeartbeatTime": heartbeat, "lastTransitionTime": transition,
         "message": "kubelet has no disk pressure", "reason": "KubeletHasNoDiskPressure",
         "status": "False", "type": "DiskPressure"},
        {"lastHeartbeatTime": heartbeat, "lastTransitionTime": transition,
         "message": "kubelet has sufficient PID available", "reason": "KubeletHasSufficientPID",
         "status": "False", "type": "PIDPressure"},
        {"lastHeartbeatTime": heartbeat, "lastTransitionTime": transition,
         "message": "kubelet is posting ready status" if ready else
         "container runtime network not ready",
         "reason": "KubeletReady" if ready else "KubeletNotReady",
         "status": "True" if ready else "False", "type": "Ready"},
    ]


def memory_for_display(memory: str) -> str:
    """`8Gi` → `8Gi` (normalised through bytes)."""
    return format_bytes(memory_bytes(memory))
