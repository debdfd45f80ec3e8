"""InterPodAffinity: place pods near (or away from) other pods, by topology domain.

The filter counts, per (topologyKey, value) domain, the existing pods the incoming pod's
required terms select, and the existing pods whose required anti-affinity selects the incoming
pod; a node passes when its domains satisfy all three rules, checked in kube-scheduler's order:
the pod's affinity, the pod's anti-affinity, the existing pods' anti-affinity. The score sums
preferred-term weights per domain (and the existing pods' required affinity at weight 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from playground.engine.scheduler.filters import (
    ERR_AFFINITY,
    ERR_ANTI_AFFINITY,
    ERR_EXISTING_ANTI_AFFINITY,
    INTER_POD_AFFINITY,
    Rejection,
)
from playground.engine.scheduler.nodeinfo import NodeInfo
from playground.engine.scheduler.podinfo import AffinityTerm, PodInfo

HARD_POD_AFFINITY_WEIGHT = 1
"""Weight of an existing pod's required affinity term that selects the incoming pod."""

NamespaceLabels = Mapping[str, Mapping[str, str]]
Domain = tuple[str, str]

_AFFINITY = Rejection(INTER_POD_AFFINITY, (ERR_AFFINITY,), True)
_ANTI_AFFINITY = Rejection(INTER_POD_AFFINITY, (ERR_ANTI_AFFINITY,), False)
_EXISTING_ANTI_AFFINITY = Rejection(INTER_POD_AFFINITY, (ERR_EXISTING_ANTI_AFFINITY,), False)


def _bump(counts: dict[Domain, int], term: AffinityTerm, node: NodeInfo, by: int) -> None:
    value = node.labels.get(term.topology_key)
    if value is not None:
        domain = (term.topology_key, value)
        counts[domain] = counts.get(domain, 0) + by


class AffinityFilter:
    """PreFilter state; `active` is False when no rule can reject any node."""

    __slots__ = (
        "active",
        "affinity_counts",
        "anti_affinity_counts",
        "existing_anti_counts",
        "pod",
        "self_affine",
    )

    def __init__(self, pod: PodInfo, nodes: Sequence[NodeInfo],
                 namespace_labels: NamespaceLabels | None) -> None:
        self.pod = pod
        affinity: dict[Domain, int] = {}
        anti: dict[Domain, int] = {}
        existing_anti: dict[Domain, int] = {}
        for node in [n for n in nodes if n.pods_with_required_anti_affinity]:
            for existing in node.pods_with_required_anti_affinity.values():
                for term in existing.required_anti_affinity:
                    if term.matches(pod, namespace_labels):
                        _bump(existing_anti, term, node, 1)
        if pod.required_affinity or pod.required_anti_affinity:
            for node in nodes:
                for existing in node.pods.values():
                    if pod.required_affinity and all(
                            t.matches(existing, namespace_labels) for t in pod.required_affinity):
                        for term in pod.required_affinity:
                            _bump(affinity, term, node, 1)
                    for term in pod.required_anti_affinity:
                        if term.matches(existing, namespace_labels):
                            _bump(anti, term, node, 1)
        self.affinity_counts = affinity
        self.anti_affinity_counts = anti
        self.existing_anti_counts = {d: n for d, n in existing_anti.items() if n > 0}
        self.self_affine = bool(pod.required_affinity) and all(
            t.matches(pod, namespace_labels) for t in pod.required_affinity)
        self.active = bool(pod.required_affinity or anti or self.existing_anti_counts)

    def filter(self, pod: PodInfo, node: NodeInfo) -> Rejection | None:
        """Check the three rules in kube-scheduler's order."""
        labels = node.labels
        if pod.required_affinity:
            pods_exist = True
            for term in pod.required_affinity:
                value = labels.get(term.topology_key)
                if value is None:
                    return _AFFINITY
                if self.affinity_counts.get((term.topology_key, value), 0) <= 0:
                    pods_exist = False
            if not pods_exist and not (not self.affinity_counts and self.self_affine):
                return _AFFINITY
        for term in pod.required_anti_affinity:
            value = labels.get(term.topology_key)
            if value is not None and self.anti_affinity_counts.get(
                    (term.topology_key, value), 0) > 0:
                return _ANTI_AFFINITY
        for (key, value) in self.existing_anti_counts:
            if labels.get(key) == value:
                return _EXISTING_ANTI_AFFINITY
        return None


def affinity_scores(pod: PodInfo, feasible: Sequence[NodeInfo], nodes: Sequence[NodeInfo],
                    namespace_labels: NamespaceLabels | None) -> list[int] | None:
    """Normalised 0–100 scores per feasible node, or None when the plugin has nothing to say."""
    scores = affinity_domain_scores(pod, nodes, namespace_labels)
    return normalized_affinity_scores(scores, feasible) if scores else None


def affinity_domain_scores(pod: PodInfo, nodes: Sequence[NodeInfo],
                           namespace_labels: NamespaceLabels | None) -> dict[Domain, int]:
    """Summed term weights per topology domain, from the existing pods on `nodes`."""
    has_preferences = bool(pod.preferred_affinity or pod.preferred_anti_affinity)
    scores: dict[Domain, int] = {}
    if not has_preferences:  # only pods with affinity terms of their own can score
        nodes = [n for n in nodes if n.pods_with_affinity]
    for node in nodes:
        if not node.labels:
            continue
        existing_pods = node.pods.values() if has_preferences else \
            node.pods_with_affinity.values()
        for existing in existing_pods:
            for weight, term in pod.preferred_affinity:
                if term.matches(existing, namespace_labels):
                    _bump(scores, term, node, weight)
            for weight, term in pod.preferred_anti_affinity:
                if term.matches(existing, namespace_labels):
                    _bump(scores, term, node, -weight)
            if not existing.has_affinity:
                continue
            for term in existing.required_affinity:
                if term.matches(pod, namespace_labels):
                    _bump(scores, term, node, HARD_POD_AFFINITY_WEIGHT)
            for weight, term in existing.preferred_affinity:
                if term.matches(pod, namespace_labels):
                    _bump(scores, term, node, weight)
            for weight, term in existing.preferred_anti_affinity:
                if term.matches(pod, namespace_labels):
                    _bump(scores, term, node, -weight)
    return scores


def normalized_affinity_scores(scores: Mapping[Domain, int],
                               feasible: Sequence[NodeInfo]) -> list[int]:
    """Each feasible node's summed domain scores, scaled to 0–100."""
    keys = {key for key, _ in scores}
    raw = []
    for node in feasible:
        total = 0
        for key in keys:
            value = node.labels.get(key)
            if value is not None:
                total += scores.get((key, value), 0)
        raw.append(total)
    low, high = min(raw), max(raw)
    if high == low:
        return [0] * len(raw)
    return [int(100 * (s - low) / (high - low)) for s in raw]
