"""A pod as the scheduler sees it: its dict parsed once into the fields filters and scores read.

Parsing quantities and selectors is the expensive part of scheduling in Python, so each pod is
parsed once (when it is scheduled, or when it is added to a NodeInfo) and the result reused
for every node it is compared against.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from playground.engine.scheduler.resources import (
    CPU,
    EPHEMERAL_STORAGE,
    MEMORY,
    PODS,
    Resources,
    pod_host_ports,
    pod_resource_requests,
)
from playground.engine.scheduler.selectors import (
    LabelSelector,
    NodeSelector,
    NodeSelectorTerm,
    with_label_keys,
)

Toleration = tuple[str, str, str, str]
"""(key, operator, value, effect) with Kubernetes' defaults applied."""

_RESOURCE_ORDER = {CPU: 0, MEMORY: 1, EPHEMERAL_STORAGE: 2}


def pod_key(pod: Mapping[str, Any]) -> str:
    """The identity a NodeInfo files a pod under: its uid, else `namespace/name`."""
    metadata = pod.get("metadata") or {}
    return metadata.get("uid") or f"{metadata.get('namespace', 'default')}/{metadata.get('name')}"


def tolerates(tolerations: tuple[Toleration, ...], key: str, value: str, effect: str) -> bool:
    """True when one toleration matches the taint (`v1.Toleration.ToleratesTaint`)."""
    for t_key, operator, t_value, t_effect in tolerations:
        if t_effect and t_effect != effect:
            continue
        if t_key and t_key != key:
            continue
        if operator == "Exists" or t_value == value:
            return True
    return False


class AffinityTerm:
    """A compiled `PodAffinityTerm`: which pods (namespaces + selector) and at what topology."""

    __slots__ = ("namespace_selector", "namespaces", "selector", "topology_key")

    def __init__(self, term: Mapping[str, Any], owner_namespace: str,
                 owner_labels: Mapping[str, str]) -> None:
        extra = with_label_keys(owner_labels, term.get("matchLabelKeys"),
                                term.get("mismatchLabelKeys"))
        self.selector = LabelSelector(term.get("labelSelector"), extra)
        self.topology_key: str = term.get("topologyKey", "")
        namespaces = frozenset(term.get("namespaces") or ())
        namespace_selector = term.get("namespaceSelector")
        if namespace_selector is None:
            self.namespace_selector: LabelSelector | None = None
            self.namespaces: frozenset[str] = namespaces or frozenset((owner_namespace,))
        else:
            self.namespace_selector = LabelSelector(namespace_selector)
            self.namespaces = namespaces

    def matches(self, pod: PodInfo,
                namespace_labels: Mapping[str, Mapping[str, str]] | None) -> bool:
        """True when `pod` is one of the pods this term is about."""
        if pod.namespace not in self.namespaces:
            selector = self.namespace_selector
            if selector is None:
                return False
            if selector.requirements:
                labels = (namespace_labels or {}).get(pod.namespace)
                if labels is None:
                    labels = {"kubernetes.io/metadata.name": pod.namespace}
                if not selector.matches(labels):
                    return False
        return self.selector.matches(pod.labels)


class SpreadConstraint:
    """A compiled `topologySpreadConstraints` entry."""

    __slots__ = (
        "hard",
        "honor_node_affinity",
        "honor_taints",
        "max_skew",
        "min_domains",
        "selector",
        "topology_key",
    )

    def __init__(self, constraint: Mapping[str, Any], pod_labels: Mapping[str, str]) -> None:
        self.max_skew: int = int(constraint.get("maxSkew", 1))
        self.topology_key: str = constraint.get("topologyKey", "")
        self.hard = constraint.get("whenUnsatisfiable", "DoNotSchedule") == "DoNotSchedule"
        extra = with_label_keys(pod_labels, constraint.get("matchLabelKeys"))
        self.selector = LabelSelector(constraint.get("labelSelector"), extra)
        self.min_domains: int = int(constraint.get("minDomains") or 1)
        self.honor_node_affinity = constraint.get("nodeAffinityPolicy", "Honor") == "Honor"
        self.honor_taints = constraint.get("nodeTaintsPolicy", "Ignore") == "Honor"


class PodInfo:
    """The scheduler's parsed view of one pod."""

    __slots__ = (
        "cpu",
        "fit_requests",
        "has_affinity",
        "host_ports",
        "images",
        "key",
        "labels",
        "memory",
        "name",
        "namespace",
        "node_name",
        "node_selector",
        "non_zero_cpu",
        "non_zero_memory",
        "pod",
        "preemption_never",
        "preferred_affinity",
        "preferred_anti_affinity",
        "preferred_node_affinity",
        "priority",
        "requests",
        "required_affinity",
        "required_anti_affinity",
        "required_node_affinity",
        "spread_constraints",
        "start_time",
        "terminating",
        "tolerations",
    )

    def __init__(self, pod: Mapping[str, Any]) -> None:
        metadata = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        self.pod = pod
        self.key = pod_key(pod)
        self.name: str = metadata.get("name", "")
        self.namespace: str = metadata.get("namespace") or "default"
        self.labels: Mapping[str, str] = metadata.get("labels") or {}
        self.priority: int = int(spec.get("priority") or 0)
        self.node_name: str = spec.get("nodeName") or ""
        self.terminating = metadata.get("deletionTimestamp") is not None
        self.preemption_never = spec.get("preemptionPolicy") == "Never"
        self.start_time: str = (pod.get("status") or {}).get("startTime") or ""
        self.requests: Resources = pod_resource_requests(pod)
        self.cpu = self.requests.get(CPU, 0)
        self.memory = self.requests.get(MEMORY, 0)
        non_zero = pod_resource_requests(pod, non_zero=True)
        self.non_zero_cpu = non_zero.get(CPU, 0)
        self.non_zero_memory = non_zero.get(MEMORY, 0)
        self.fit_requests: tuple[tuple[str, int], ...] = tuple(sorted(
            ((name, amount) for name, amount in self.requests.items()
             if amount > 0 and name != PODS),
            key=lambda item: (_RESOURCE_ORDER.get(item[0], 3), item[0])))
        self.host_ports = pod_host_ports(pod)
        self.tolerations: tuple[Toleration, ...] = tuple(
            (t.get("key") or "", t.get("operator") or "Equal", t.get("value") or "",
             t.get("effect") or "")
            for t in spec.get("tolerations") or ())
        self.node_selector: Mapping[str, str] = spec.get("nodeSelector") or {}
        self.images: tuple[str, ...] = tuple(
            c.get("image", "") for c in (spec.get("initContainers") or [])
            + (spec.get("containers") or []))

        affinity = spec.get("affinity") or {}
        node_affinity = affinity.get("nodeAffinity") or {}
        required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
        self.required_node_affinity = NodeSelector(required) if required is not None else None
        self.preferred_node_affinity: tuple[tuple[int, NodeSelectorTerm], ...] = tuple(
            (int(p.get("weight", 0)), NodeSelectorTerm(p.get("preference") or {}))
            for p in node_affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or ())

        pod_affinity = affinity.get("podAffinity") or {}
        anti_affinity = affinity.get("podAntiAffinity") or {}
        self.required_affinity = self._terms(
            pod_affinity.get("requiredDuringSchedulingIgnoredDuringExecution"))
        self.required_anti_affinity = self._terms(
            anti_affinity.get("requiredDuringSchedulingIgnoredDuringExecution"))
        self.preferred_affinity = self._weighted(
            pod_affinity.get("preferredDuringSchedulingIgnoredDuringExecution"))
        self.preferred_anti_affinity = self._weighted(
            anti_affinity.get("preferredDuringSchedulingIgnoredDuringExecution"))
        self.has_affinity = bool(self.required_affinity or self.required_anti_affinity
                                 or self.preferred_affinity or self.preferred_anti_affinity)
        self.spread_constraints: tuple[SpreadConstraint, ...] = tuple(
            SpreadConstraint(c, self.labels) for c in spec.get("topologySpreadConstraints") or ())

    def bound_to(self, pod: Mapping[str, Any]) -> PodInfo | None:
        """This parse reused for a later version of the same pod, such as the one bound to a
        node, when only what is cheap to re-read changed; None when the spec (besides
        nodeName), the namespace or the labels differ and the pod must be parsed afresh."""
        metadata = pod.get("metadata") or {}
        before = self.pod.get("metadata") or {}
        if (metadata.get("uid") != before.get("uid")
                or metadata.get("namespace") != before.get("namespace")
                or (metadata.get("labels") or {}) != self.labels):
            return None
        spec = pod.get("spec") or {}
        old_spec = self.pod.get("spec") or {}
        if spec is not old_spec:
            if len(spec) - ("nodeName" in spec) != len(old_spec) - ("nodeName" in old_spec):
                return None
            for name, value in spec.items():
                if name != "nodeName" and (name not in old_spec or old_spec[name] != value):
                    return None
        twin = PodInfo.__new__(PodInfo)
        for name in PodInfo.__slots__:
            setattr(twin, name, getattr(self, name))
        twin.pod = pod
        twin.key = pod_key(pod)
        twin.name = metadata.get("name", "")
        twin.labels = metadata.get("labels") or {}
        twin.node_name = spec.get("nodeName") or ""
        twin.terminating = metadata.get("deletionTimestamp") is not None
        twin.start_time = (pod.get("status") or {}).get("startTime") or ""
        return twin

    def _terms(self, terms: Any) -> tuple[AffinityTerm, ...]:
        return tuple(AffinityTerm(t, self.namespace, self.labels) for t in terms or ())

    def _weighted(self, terms: Any) -> tuple[tuple[int, AffinityTerm], ...]:
        return tuple((int(t.get("weight", 0)),
                      AffinityTerm(t.get("podAffinityTerm") or {}, self.namespace, self.labels))
                     for t in terms or ())

    def tolerates(self, key: str, value: str, effect: str) -> bool:
        """True when the pod tolerates the taint."""
        return tolerates(self.tolerations, key, value, effect)
