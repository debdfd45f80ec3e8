"""PodTopologySpread: keep matching pods evenly spread over topology domains.

Hard constraints (`whenUnsatisfiable: DoNotSchedule`) filter: placing the pod in a domain may
not make `pods in that domain + 1 − pods in the emptiest domain` exceed maxSkew. Soft ones
(`ScheduleAnyway`) score: fewer matching pods in the node's domains scores higher. Pods without
constraints of their own get the cluster defaults (hostname maxSkew 3, zone maxSkew 5, both
soft) over the pods of the same workload, as kube-scheduler's `systemDefaulted` mode does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from playground.engine.scheduler.filters import (
    ERR_SPREAD,
    ERR_SPREAD_MISSING_LABEL,
    POD_TOPOLOGY_SPREAD,
    Rejection,
    matches_node_affinity,
    untolerated_taint,
)
from playground.engine.scheduler.nodeinfo import NodeInfo, selector_key
from playground.engine.scheduler.podinfo import PodInfo, SpreadConstraint

HOSTNAME_LABEL = "kubernetes.io/hostname"
ZONE_LABEL = "topology.kubernetes.io/zone"

_NOT_MATCH = Rejection(POD_TOPOLOGY_SPREAD, (ERR_SPREAD,), False)
_MISSING_LABEL = Rejection(POD_TOPOLOGY_SPREAD, (ERR_SPREAD_MISSING_LABEL,), True)

_CONTROLLER_KINDS = ("ReplicaSet", "StatefulSet", "ReplicationController")

# Compiled default constraints per selector, so every pod of a workload shares one selector
# object and the NodeInfo count caches hit by identity.
_DEFAULTS_BY_SELECTOR: dict[tuple[tuple[str, str], ...], tuple[SpreadConstraint, ...]] = {}


def default_constraints(pod: PodInfo, selector: Mapping[str, str] | None) -> tuple[
        SpreadConstraint, ...]:
    """The system default soft constraints, over `selector` or the pod's workload siblings.

    kube-scheduler builds the selector from the Services, ReplicaSets, ReplicationControllers
    and StatefulSets selecting the pod. Without that, pods owned by such a controller are
    spread over pods carrying the same labels, which is what the controller's selector picks.
    """
    if selector is None:
        owners = (pod.pod.get("metadata") or {}).get("ownerReferences") or ()
        if not any(o.get("controller") and o.get("kind") in _CONTROLLER_KINDS for o in owners):
            return ()
        selector = pod.labels
    if not selector:
        return ()
    cache_key = tuple(sorted(selector.items()))
    constraints = _DEFAULTS_BY_SELECTOR.get(cache_key)
    if constraints is None:
        label_selector: dict[str, Any] = {"matchLabels": dict(selector)}
        constraints = tuple(SpreadConstraint(
            {"maxSkew": skew, "topologyKey": key, "whenUnsatisfiable": "ScheduleAnyway",
             "labelSelector": label_selector}, {})
            for key, skew in ((HOSTNAME_LABEL, 3), (ZONE_LABEL, 5)))
        if len(_DEFAULTS_BY_SELECTOR) >= 1024:
            _DEFAULTS_BY_SELECTOR.clear()
        _DEFAULTS_BY_SELECTOR[cache_key] = constraints
    return constraints


def _included(constraint: SpreadConstraint, pod: PodInfo, node: NodeInfo) -> bool:
    if constraint.honor_node_affinity and not matches_node_affinity(pod, node):
        return False
    return not (constraint.honor_taints and untolerated_taint(pod, node) is not None)


class SpreadFilter:
    """PreFilter state for the hard constraints, then the per-node Filter."""

    __slots__ = ("constraints", "counts", "minimums", "pod", "self_match")

    def __init__(self, pod: PodInfo, nodes: Sequence[NodeInfo]) -> None:
        self.pod = pod
        self.constraints = tuple(c for c in pod.spread_constraints if c.hard)
        self.self_match = tuple(c.selector.matches(pod.labels) for c in self.constraints)
        counts: dict[tuple[str, str], int] = {}
        keys = [c.topology_key for c in self.constraints]
        for node in nodes:
            labels = node.labels
            if not all(key in labels for key in keys):
                continue
            for constraint in self.constraints:
                if not _included(constraint, pod, node):
                    continue
                pair = (constraint.topology_key, labels[constraint.topology_key])
                counts[pair] = counts.get(pair, 0) + node.count_matching(
                    pod.namespace, constraint.selector)
        self.counts = counts
        minimums: list[int | None] = []
        for constraint in self.constraints:
            domains = [n for (k, _), n in counts.items() if k == constraint.topology_key]
            if not domains:
                minimums.append(None)
            elif len(domains) < constraint.min_domains:
                minimums.append(0)
            else:
                minimums.append(min(domains))
        self.minimums = tuple(minimums)

    def filter(self, pod: PodInfo, node: NodeInfo) -> Rejection | None:
        """Would placing the pod here push some domain's skew past maxSkew?"""
        labels = node.labels
        for index, constraint in enumerate(self.constraints):
            value = labels.get(constraint.topology_key)
            if value is None:
                return _MISSING_LABEL
            minimum = self.minimums[index]
            if minimum is None:
                continue
            skew = (self.counts.get((constraint.topology_key, value), 0)
                    + self.self_match[index] - minimum)
            if skew > constraint.max_skew:
                return _NOT_MATCH
        return None


class _ZoneTotals:
    """Matching pods per topology value over every node, with each node's contribution as of
    its `generation`, so the next pod of the workload recounts only the nodes that changed."""

    __slots__ = ("counts", "generations", "members", "nodes", "per_value", "values")

    def __init__(self, nodes: Sequence[NodeInfo]) -> None:
        self.nodes = nodes
        self.members: list[NodeInfo | None] = [None] * len(nodes)
        self.generations = [-1] * len(nodes)
        self.values: list[str | None] = [None] * len(nodes)
        self.counts = [0] * len(nodes)
        self.per_value: dict[str, int] = {}


_ZONE_TOTALS: dict[tuple[str, str], _ZoneTotals] = {}


def _zone_totals(nodes: Sequence[NodeInfo], key: str, memo_key: str, namespace: str,
                 constraint: SpreadConstraint) -> dict[str, int]:
    """Σ count_matching per value of `key` over `nodes` (the same sums the plain loop makes)."""
    totals = _ZONE_TOTALS.get((memo_key, key))
    if totals is None or totals.nodes is not nodes or len(totals.generations) != len(nodes):
        if len(_ZONE_TOTALS) >= 256:
            _ZONE_TOTALS.clear()
        totals = _ZONE_TOTALS[(memo_key, key)] = _ZoneTotals(nodes)
    members, generations, values, counts, per_value = (
        totals.members, totals.generations, totals.values, totals.counts, totals.per_value)
    changed = [index for index, node in enumerate(nodes)
               if node.generation != generations[index] or node is not members[index]]
    for index in changed:
        node = nodes[index]
        old_value = values[index]
        if old_value is not None:
            per_value[old_value] -= counts[index]
        value = node.labels.get(key)
        count = 0
        if value is not None:
            found = node.selector_counts.get(memo_key)
            count = found if found is not None else \
                node.count_matching(namespace, constraint.selector)
            per_value[value] = per_value.get(value, 0) + count
        members[index], generations[index] = node, node.generation
        values[index], counts[index] = value, count
    return per_value


def spread_scores(pod: PodInfo, constraints: Sequence[SpreadConstraint],
                  feasible: Sequence[NodeInfo], nodes: Sequence[NodeInfo],
                  require_all_topologies: bool) -> list[int]:
    """Normalised 0–100 scores for the soft constraints, one per feasible node."""
    keys = [c.topology_key for c in constraints]
    namespace = pod.namespace
    check_inclusion = any(
        (c.honor_node_affinity and (pod.node_selector or pod.required_node_affinity))
        or c.honor_taints for c in constraints)
    memo_keys = {id(c): selector_key(namespace, c.selector) for c in constraints}
    ignored: set[int] = set()
    if require_all_topologies:
        ignored = {position for position, node in enumerate(feasible)
                   if not all(key in node.labels for key in keys)}
    positions = [position for position in range(len(feasible)) if position not in ignored] \
        if ignored else range(len(feasible))
    domain_counts: dict[tuple[str, str], int] = {}
    zone_like = [(index, c) for index, c in enumerate(constraints)
                 if c.topology_key != HOSTNAME_LABEL]
    sizes = [0] * len(constraints)
    for index, constraint in zone_like:
        key = constraint.topology_key
        values = {feasible[position].labels.get(key) for position in positions}
        values.discard(None)
        for value in sorted(values):
            pair = (key, value)
            if pair not in domain_counts:
                domain_counts[pair] = 0
                sizes[index] += 1
    for index, key in enumerate(keys):
        if key == HOSTNAME_LABEL:
            sizes[index] = len(feasible) - len(ignored)
    weights = [math.log(size + 2) for size in sizes]
    if domain_counts:
        for _, constraint in zone_like:
            key = constraint.topology_key
            memo_key = memo_keys[id(constraint)]
            if not require_all_topologies and not check_inclusion:
                per_value = _zone_totals(nodes, key, memo_key, namespace, constraint)
                for zone, matched in per_value.items():
                    if matched and (key, zone) in domain_counts:
                        domain_counts[(key, zone)] += matched
                continue
            per_value = {}
            for node in nodes:
                labels = node.labels
                value = labels.get(key)
                if value is None or (require_all_topologies
                                     and not all(k in labels for k in keys)):
                    continue
                if check_inclusion and not _included(constraint, pod, node):
                    continue
                count = node.selector_counts.get(memo_key)
                if count is None:
                    count = node.count_matching(namespace, constraint.selector)
                if count:
                    per_value[value] = per_value.get(value, 0) + count
            for value, count in per_value.items():
                if (key, value) in domain_counts:
                    domain_counts[(key, value)] += count
    terms = [(c.topology_key, c.topology_key == HOSTNAME_LABEL, c.selector, weights[i],
              c.max_skew - 1, memo_keys[id(c)]) for i, c in enumerate(constraints)]
    # Term by term over the nodes: each node's total adds the terms in the same order.
    scored = [feasible[position] for position in positions] if ignored else feasible
    totals = [0.0] * len(scored)
    for key, by_host, selector, weight, skew_bonus, memo_key in terms:
        values = [node.labels.get(key) for node in scored]
        if by_host:
            counts = [node.selector_counts.get(memo_key) for node in scored]
            if None in counts:
                counts = [count if count is not None or value is None
                          else node.count_matching(namespace, selector)
                          for node, value, count in zip(scored, values, counts, strict=True)]
        else:
            in_domain = {value: count for (k, value), count in domain_counts.items()
                         if k == key}
            counts = [in_domain.get(value, 0) for value in values]
        totals = [total if value is None else total + (count * weight + skew_bonus)
                  for total, value, count in zip(totals, values, counts, strict=True)]
    floor = math.floor
    raw: list[int | None]
    if ignored:
        raw = [None] * len(feasible)
        for position, total in zip(positions, totals, strict=True):
            raw[position] = floor(total + 0.5)
    else:
        raw = [floor(total + 0.5) for total in totals]
    present = [score for score in raw if score is not None]
    if not present:
        return [0] * len(feasible)
    low, high = min(present), max(present)
    return [0 if score is None else (100 if high == 0 else 100 * (high + low - score) // high)
            for score in raw]
