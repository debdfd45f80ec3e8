"""NodeInfo: one node plus the pods assigned to it, kept up to date incrementally.

The scheduling controller holds one NodeInfo per node and calls `add_pod` when it binds a pod
(or sees one bound), `remove_pod` when a pod is deleted or finishes, and `set_node` when the
node object changes. Everything a filter or score needs is precomputed here so that checking a
pod against a node is a handful of integer comparisons. Terminal pods (Succeeded/Failed) hold
no resources: the caller should remove them, as kube-scheduler's cache does.

Each change bumps `generation` and adds the NodeInfo to every set in `watchers`: that is the
change log a `SchedulingCache` reads so it re-examines only the nodes that changed since the
previous pod instead of every node in the cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from playground.engine.scheduler.podinfo import PodInfo, pod_key
from playground.engine.scheduler.resources import CPU, MEMORY, PODS, Resources, resource_list
from playground.engine.scheduler.selectors import LabelSelector

Taint = tuple[str, str, str]
"""(key, value, effect)."""

_SELECTOR_CACHE_LIMIT = 64


def selector_key(namespace: str, selector: LabelSelector) -> str:
    """The memo key of `NodeInfo.count_matching` for a namespace and selector."""
    return namespace + "\x00" + selector.ident


class NodeInfo:
    """The scheduler's view of one node: labels, taints, allocatable and what is requested."""

    __slots__ = (
        "_selectors",
        "allocatable",
        "allocatable_cpu",
        "allocatable_memory",
        "allowed_pods",
        "blocking_taints",
        "generation",
        "images",
        "labels",
        "name",
        "node",
        "node_generation",
        "non_zero_cpu",
        "non_zero_memory",
        "pods",
        "pods_with_affinity",
        "pods_with_required_anti_affinity",
        "prefer_no_schedule_taints",
        "priority_counts",
        "requested",
        "requested_cpu",
        "requested_memory",
        "selector_counts",
        "taints",
        "unschedulable",
        "used_ports",
        "watchers",
    )

    def __init__(self, node: Mapping[str, Any], pods: Iterable[Mapping[str, Any]] = ()) -> None:
        self.pods: dict[str, PodInfo] = {}
        self.requested: Resources = {}
        self.requested_cpu = 0
        self.requested_memory = 0
        self.non_zero_cpu = 0
        self.non_zero_memory = 0
        self.used_ports: dict[tuple[str, str, int], int] = {}
        self.priority_counts: dict[int, int] = {}
        """Pods here by priority: preemption asks "is any pod here less important?" often."""
        self.pods_with_affinity: dict[str, PodInfo] = {}
        self.pods_with_required_anti_affinity: dict[str, PodInfo] = {}
        self.generation = 0
        self.node_generation = 0
        """Bumped by `set_node` only: what depends on the node object alone is still valid
        while it stays the same."""
        self.selector_counts: dict[str, int] = {}
        """Memo of `count_matching`, by `selector_key`; read directly on hot paths."""
        self._selectors: dict[str, tuple[str, LabelSelector]] = {}
        self.watchers: tuple[set[NodeInfo], ...] = ()
        """Change logs: each change adds this NodeInfo to every one of these sets."""
        self.set_node(node)
        for pod in pods:
            self.add_pod(pod)

    def set_node(self, node: Mapping[str, Any]) -> None:
        """Take a new version of the node object (labels, taints, allocatable, images)."""
        metadata = node.get("metadata") or {}
        spec = node.get("spec") or {}
        status = node.get("status") or {}
        self.node = node
        self.name: str = metadata.get("name", "")
        self.labels: Mapping[str, str] = metadata.get("labels") or {}
        self.taints: tuple[Taint, ...] = tuple(
            (t.get("key", ""), t.get("value") or "", t.get("effect", ""))
            for t in spec.get("taints") or ())
        self.blocking_taints = tuple(
            t for t in self.taints if t[2] in ("NoSchedule", "NoExecute"))
        self.prefer_no_schedule_taints = tuple(
            t for t in self.taints if t[2] == "PreferNoSchedule")
        self.unschedulable = bool(spec.get("unschedulable"))
        self.allocatable = resource_list(status.get("allocatable") or status.get("capacity"))
        self.allowed_pods = self.allocatable.get(PODS, 0)
        self.allocatable_cpu = self.allocatable.get(CPU, 0)
        self.allocatable_memory = self.allocatable.get(MEMORY, 0)
        self.images: dict[str, int] = {}
        for image in status.get("images") or ():
            for name in image.get("names") or ():
                self.images[name] = int(image.get("sizeBytes") or 0)
        self.node_generation += 1
        self.generation += 1
        for changed in self.watchers:
            changed.add(self)

    def add_pod(self, pod: Mapping[str, Any] | PodInfo) -> PodInfo:
        """Account for a pod assigned to this node; re-adding a known pod replaces it."""
        info = pod if isinstance(pod, PodInfo) else PodInfo(pod)
        if info.key in self.pods:
            self.remove_pod(info.key)
        self.pods[info.key] = info
        for name, amount in info.requests.items():
            self.requested[name] = self.requested.get(name, 0) + amount
        self.requested_cpu += info.cpu
        self.requested_memory += info.memory
        self.non_zero_cpu += info.non_zero_cpu
        self.non_zero_memory += info.non_zero_memory
        for port in info.host_ports:
            self.used_ports[port] = self.used_ports.get(port, 0) + 1
        self.priority_counts[info.priority] = self.priority_counts.get(info.priority, 0) + 1
        if info.has_affinity:
            self.pods_with_affinity[info.key] = info
        if info.required_anti_affinity:
            self.pods_with_required_anti_affinity[info.key] = info
        self._count_selectors(info, 1)
        self.generation += 1
        for changed in self.watchers:
            changed.add(self)
        return info

    def remove_pod(self, pod: Mapping[str, Any] | PodInfo | str) -> PodInfo | None:
        """Forget a pod (by dict, PodInfo or key); returns what was removed, if anything."""
        if isinstance(pod, str):
            key = pod
        elif isinstance(pod, PodInfo):
            key = pod.key
        else:
            key = pod_key(pod)
        info = self.pods.pop(key, None)
        if info is None:
            return None
        for name, amount in info.requests.items():
            self.requested[name] = self.requested.get(name, 0) - amount
        self.requested_cpu -= info.cpu
        self.requested_memory -= info.memory
        self.non_zero_cpu -= info.non_zero_cpu
        self.non_zero_memory -= info.non_zero_memory
        for port in info.host_ports:
            left = self.used_ports.get(port, 0) - 1
            if left > 0:
                self.used_ports[port] = left
            else:
                self.used_ports.pop(port, None)
        remaining = self.priority_counts[info.priority] - 1
        if remaining:
            self.priority_counts[info.priority] = remaining
        else:
            del self.priority_counts[info.priority]
        self.pods_with_affinity.pop(key, None)
        self.pods_with_required_anti_affinity.pop(key, None)
        self._count_selectors(info, -1)
        self.generation += 1
        for changed in self.watchers:
            changed.add(self)
        return info

    def _count_selectors(self, info: PodInfo, delta: int) -> None:
        if not self.selector_counts or info.terminating:
            return
        for cache_key, (namespace, selector) in self._selectors.items():
            if namespace == info.namespace and selector.matches(info.labels):
                self.selector_counts[cache_key] += delta

    def count_matching(self, namespace: str, selector: LabelSelector) -> int:
        """Non-terminating pods in `namespace` matching `selector` (memoised per selector)."""
        cache_key = selector_key(namespace, selector)
        found = self.selector_counts.get(cache_key)
        if found is not None:
            return found
        count = 0
        for info in self.pods.values():
            if (not info.terminating and info.namespace == namespace
                    and selector.matches(info.labels)):
                count += 1
        if len(self.selector_counts) >= _SELECTOR_CACHE_LIMIT:
            self.selector_counts.clear()
            self._selectors.clear()
        self.selector_counts[cache_key] = count
        self._selectors[cache_key] = (namespace, selector)
        return count

    def clone(self) -> NodeInfo:
        """An independent copy, for what-if questions such as preemption."""
        twin = NodeInfo.__new__(NodeInfo)
        for name in NodeInfo.__slots__:
            setattr(twin, name, getattr(self, name))
        twin.pods = dict(self.pods)
        twin.requested = dict(self.requested)
        twin.used_ports = dict(self.used_ports)
        twin.priority_counts = dict(self.priority_counts)
        twin.pods_with_affinity = dict(self.pods_with_affinity)
        twin.pods_with_required_anti_affinity = dict(self.pods_with_required_anti_affinity)
        twin.selector_counts = dict(self.selector_counts)
        twin._selectors = dict(self._selectors)
        twin.watchers = ()
        return twin

    @property
    def pod_count(self) -> int:
        """How many pods are assigned here (pods without requests count too)."""
        return len(self.pods)

    def __repr__(self) -> str:
        return f"NodeInfo({self.name!r}, pods={len(self.pods)})"
