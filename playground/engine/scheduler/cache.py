"""SchedulingCache: what one pod learnt about each node, reused for the next pod of its shape.

Replicated workloads send thousands of pods with the same scheduling-relevant spec through
the scheduler one after another, and between two of them only the node the previous one was
bound to has changed. The cache keeps, per pod *shape* (namespace, labels, requests,
tolerations, selectors, affinity, spread constraints, host ports, images) and per node, the
verdict of the filters that look only at that node and the node-local score inputs, and
recomputes a node only after it reported a change (NodeInfo adds itself to the cache's change
set on every change). Filters and scores that need the whole cluster (hard topology spread,
inter-pod affinity, explicitly constrained spreading) are run as `framework.schedule` runs
them, over the nodes that can matter.

The search is the same as `framework.schedule`'s (round robin from `start_index`, stopping at
`percentageOfNodesToScore` worth of feasible nodes), the totals are the same integers in the
same order, and the tie-break draws from `rng` exactly as `framework.pick_best` does, so a
cached attempt gives the same node, the same `rng` state and the same explanation as an
uncached one. Pods with a nominated node, pods no node fits and the first pod of a shape take
the uncached path.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain, islice
from typing import Any

from playground.engine.scheduler import filters as f
from playground.engine.scheduler import scores as s
from playground.engine.scheduler.affinity import (
    AffinityFilter,
    NamespaceLabels,
    affinity_domain_scores,
    affinity_scores,
    normalized_affinity_scores,
)
from playground.engine.scheduler.framework import (
    Filter,
    ScheduleResult,
    local_filters,
    num_feasible_nodes_to_find,
    pick_best,
)
from playground.engine.scheduler.framework import schedule as uncached_schedule
from playground.engine.scheduler.nodeinfo import NodeInfo, selector_key
from playground.engine.scheduler.podinfo import PodInfo, SpreadConstraint
from playground.engine.scheduler.spread import (
    HOSTNAME_LABEL,
    SpreadFilter,
    _included,
    default_constraints,
    spread_scores,
)
from playground.engine.scheduler.window import (
    NodeArray,
    NodeSnapshot,
    Window,
    counts_in_window,
    nth_in_window,
)

SHAPES_KEPT = 64
"""Pod shapes cached at once (least recently used first out)."""
SHAPES_SEEN = 4096
"""Shapes remembered as seen once; a shape is cached from its second pod on."""

_Parts = tuple[int | None, str | None, tuple[int | None, ...], int, int]
"""A node's few-valued score inputs for a shape: (matching pods if the node has a hostname
label, zone value, image sizes, untolerated PreferNoSchedule taints, preferred node affinity
weight)."""


_Combo = tuple[int, int, int]
"""(least allocated score, balanced allocation score, code) of a node for a shape."""

_Statics = tuple[int, bool, str | None, tuple[int | None, ...], int, int, bool]
"""A node's node-object-only inputs for a shape: (node_generation they were read at, has a
hostname label, zone value, image sizes, untolerated PreferNoSchedule taints, preferred node
affinity weight, counted in zone totals)."""


def shape_key(info: PodInfo, defaults: tuple[SpreadConstraint, ...]) -> tuple[Any, ...]:
    """Everything in a pod that a per-node verdict or score input can depend on."""
    spec = info.pod.get("spec") or {}
    affinity = spec.get("affinity")
    spread = spec.get("topologySpreadConstraints")
    return (info.namespace, tuple(sorted(info.labels.items())),
            defaults[0].selector.ident if defaults else "",
            info.fit_requests, info.cpu, info.memory, info.non_zero_cpu, info.non_zero_memory,
            info.tolerations, info.node_name, tuple(sorted(info.node_selector.items())),
            repr(affinity) if affinity else "", repr(spread) if spread else "",
            tuple(info.host_ports), info.images)


class _Shape:
    """Per-node verdicts and score inputs for one pod shape, by node position."""

    __slots__ = (
        "balanced",
        "balanced_active",
        "check_inclusion",
        "code_ids",
        "code_parts",
        "codes",
        "combo_ids",
        "combo_of",
        "combo_parts",
        "combos",
        "contrib",
        "defaults",
        "dirty",
        "filters",
        "holder_index",
        "holders",
        "images",
        "info",
        "least",
        "members",
        "memo_key",
        "no_images",
        "rejected",
        "stale",
        "statics",
        "taint_tolerations",
        "verdicts",
        "zone_totals",
    )

    def __init__(self, info: PodInfo, defaults: tuple[SpreadConstraint, ...],
                 nodes: Sequence[NodeInfo]) -> None:
        count = len(nodes)
        self.info = info
        self.defaults = defaults
        self.filters: list[Filter] = local_filters(info)
        self.memo_key = selector_key(info.namespace, defaults[0].selector) if defaults else ""
        self.check_inclusion = any(
            (c.honor_node_affinity and (info.node_selector or info.required_node_affinity))
            or c.honor_taints for c in defaults)
        self.balanced_active = not (info.cpu == 0 and info.memory == 0)
        self.taint_tolerations = tuple(
            t for t in info.tolerations if t[3] in ("", "PreferNoSchedule"))
        self.images = [s.normalized_image_name(i) for i in info.images if i]
        unique = list(dict.fromkeys(self.images))
        self.holder_index = [(image, self.images.index(image)) for image in unique]
        self.holders = dict.fromkeys(unique, 0)
        self.no_images: tuple[None, ...] = (None,) * len(self.images)
        self.statics: list[_Statics | None] = [None] * count
        self.verdicts: list[f.Rejection | None] = [None] * count
        self.rejected: list[int] = []
        self.least = [0] * count
        self.balanced = [0] * count
        self.codes = [-1] * count
        self.code_ids: dict[_Parts, int] = {}
        self.code_parts: list[_Parts] = []
        self.combos = NodeArray(count, -1)
        """Per node, an id of its (least allocated, balanced allocation, code) triple: nodes
        with one id have the same scores, so one total. Snapshots of it go into results."""
        self.combo_of = [-1] * count
        """The same ids as a plain list, for reading them here."""
        self.combo_ids: dict[_Combo, int] = {}
        self.combo_parts: list[_Combo] = []
        """By id, append-only: attempts' explanations keep reading it."""
        self.members: dict[int, list[int]] = {}
        """Per combo some node has, the positions of its nodes, sorted."""
        self.contrib: list[tuple[str, int] | None] = [None] * count
        self.zone_totals: dict[str, int] = {}
        self.dirty: set[int] = set()
        self.stale: set[int] = set()
        """Nodes whose `refresh_fit` is due: done when a search reaches them."""
        for position, node in enumerate(nodes):
            self.refresh(position, node)
            self.refresh_fit(position, node)

    def refresh_fit(self, position: int, node: NodeInfo) -> None:
        """Recompute one node's filter verdict and resource scores."""
        info = self.info
        verdict = None
        for check in self.filters:
            verdict = check(info, node)
            if verdict is not None:
                break
        was = self.verdicts[position]
        if verdict is not was:
            if verdict is None:
                del self.rejected[bisect_left(self.rejected, position)]
            elif was is None:
                insort(self.rejected, position)
            self.verdicts[position] = verdict

        least = s.least_allocated_score(info, node)
        balanced = s.balanced_allocation_score(info, node) if self.balanced_active else 0
        self.least[position] = least
        self.balanced[position] = balanced
        if self.codes[position] >= 0:
            self._combine(position)

    def _combine(self, position: int) -> None:
        triple = (self.least[position], self.balanced[position], self.codes[position])
        combo = self.combo_ids.get(triple)
        if combo is None:
            combo = self.combo_ids[triple] = len(self.combo_parts)
            self.combo_parts.append(triple)
        old = self.combo_of[position]
        if old == combo:
            return
        self.combo_of[position] = combo
        self.combos[position] = combo
        members = self.members
        if old >= 0:
            listed = members[old]
            if len(listed) == 1:
                del members[old]
            else:
                del listed[bisect_left(listed, position)]
        joined = members.get(combo)
        if joined is None:
            members[combo] = [position]
        else:
            insort(joined, position)

    def refresh(self, position: int, node: NodeInfo) -> None:
        """Recompute one node's contribution to the cluster-wide sums (zone totals, image
        holders) and its few-valued score inputs; `refresh_fit` does the rest (and files the
        node under its new combo: a refreshed node is stale until then)."""
        info = self.info
        statics = self.statics[position]
        if statics is None or statics[0] != node.node_generation:
            statics = self.statics[position] = self._statics(node)
        _, has_host, zone, sizes, taints, preferred, included = statics
        host: int | None = None
        contrib: tuple[str, int] | None = None
        if self.defaults:
            matching = node.selector_counts.get(self.memo_key)
            if matching is None:
                matching = node.count_matching(info.namespace, self.defaults[0].selector)
            if has_host:
                host = matching
            if zone is not None and matching and included:
                contrib = (zone, matching)
        old_contrib = self.contrib[position]
        if old_contrib != contrib:
            totals = self.zone_totals
            if old_contrib is not None:
                totals[old_contrib[0]] -= old_contrib[1]
            if contrib is not None:
                totals[contrib[0]] = totals.get(contrib[0], 0) + contrib[1]
            self.contrib[position] = contrib

        parts: _Parts = (host, zone, sizes, taints, preferred)
        code = self.code_ids.get(parts)
        if code is None:
            code = self.code_ids[parts] = len(self.code_parts)
            self.code_parts.append(parts)
        old_code = self.codes[position]
        if old_code != code:
            if self.holders:
                old_sizes = self.code_parts[old_code][2] if old_code >= 0 else None
                if old_sizes is not sizes:
                    for image, index in self.holder_index:
                        if old_sizes is not None and old_sizes[index] is not None:
                            self.holders[image] -= 1
                        if sizes[index] is not None:
                            self.holders[image] += 1
            self.codes[position] = code

    def _statics(self, node: NodeInfo) -> _Statics:
        """What depends on the node object alone (labels, taints, images), for this shape."""
        info = self.info
        labels = node.labels
        zone: str | None = None
        included = True
        if self.defaults:
            zone_constraint = self.defaults[1]
            zone = labels.get(zone_constraint.topology_key)
            included = not self.check_inclusion or _included(zone_constraint, info, node)
        taints = 0
        for key, value, effect in node.prefer_no_schedule_taints:
            if not s._tolerated(self.taint_tolerations, key, value, effect):
                taints += 1
        preferred = 0
        if info.preferred_node_affinity:
            preferred = sum(weight for weight, term in info.preferred_node_affinity
                            if term.matches(labels, node.name))
        sizes: tuple[int | None, ...] = tuple(
            s._node_image_size(node, image) for image in self.images) if node.images else \
            self.no_images
        return (node.node_generation, labels.get(HOSTNAME_LABEL) is not None, zone, sizes,
                taints, preferred, included)

    def catch_up(self, nodes: Sequence[NodeInfo]) -> None:
        """Recompute the sums over the nodes that changed since this shape was last used, and
        mark their verdicts stale."""
        if self.dirty:
            for position in self.dirty:
                self.refresh(position, nodes[position])
            self.stale |= self.dirty
            self.dirty.clear()

    def freshen(self, positions: Iterable[int], nodes: Sequence[NodeInfo]) -> bool:
        """Bring the stale ones among `positions` up to date; True if there were any."""
        found = [p for p in positions if p in self.stale]
        for position in found:
            self.refresh_fit(position, nodes[position])
            self.stale.discard(position)
        return bool(found)


NODE_AFFINITY_MISMATCH = f.Rejection(f.NODE_AFFINITY, (f.ERR_NODE_AFFINITY,), True)


def pinned_node_names(info: PodInfo) -> frozenset[str] | None:
    """The nodes a pod's required node affinity allows when it allows them by name only
    (`matchFields` on `metadata.name` with `In`, as DaemonSet pods have); None otherwise."""
    required = info.required_node_affinity
    if required is None or not required.terms:
        return None
    names: set[str] = set()
    for term in required.terms:
        if term.expressions or not term.fields:
            return None
        allowed: frozenset[str] | None = None
        for key, operator, values in term.fields:
            if key != "metadata.name" or operator != "In":
                return None
            allowed = values if allowed is None else allowed & values
        names |= allowed or frozenset()
    return frozenset(names)


class _Gate:
    """NodeUnschedulable + NodeName + TaintToleration verdicts for one (tolerations,
    nodeName), by node position; only the rejections are kept."""

    __slots__ = ("blocked", "dirty", "info")

    def __init__(self, info: PodInfo, nodes: Sequence[NodeInfo]) -> None:
        self.info = info
        self.blocked: dict[int, f.Rejection] = {}
        self.dirty: set[int] = set()
        for position, node in enumerate(nodes):
            self.refresh(position, node)

    def refresh(self, position: int, node: NodeInfo) -> None:
        verdict = f.node_gate(self.info, node)
        if verdict is None:
            self.blocked.pop(position, None)
        else:
            self.blocked[position] = verdict

    def catch_up(self, nodes: Sequence[NodeInfo]) -> None:
        for position in self.dirty:
            self.refresh(position, nodes[position])
        self.dirty.clear()


class SchedulingCache:
    """Reusable per-node scheduling work for one `nodes` list (see the module docstring).

    Keep one per scheduler and pass it to `schedule(..., cache=...)` with the same list each
    time; pass a new list (not the old one changed in place) when nodes come or go.
    """

    def __init__(self) -> None:
        self._nodes: Sequence[NodeInfo] | None = None
        self._changed: set[NodeInfo] = set()
        self._position: dict[NodeInfo, int] = {}
        self._names: list[str] = []
        self._anti: set[int] = set()
        self._affinity: set[int] = set()
        self._shapes: dict[tuple[Any, ...], _Shape] = {}
        self._seen: dict[tuple[Any, ...], None] = {}
        self._by_name: dict[str, int] = {}
        self._gates: dict[tuple[Any, ...], _Gate] = {}

    # -- keeping up with the nodes ----------------------------------------------------------
    def _reset(self, nodes: Sequence[NodeInfo]) -> None:
        changed = self._changed
        for node in self._position:
            node.watchers = tuple(w for w in node.watchers if w is not changed)
        changed.clear()
        self._nodes = nodes
        self._position = {}
        for position, node in enumerate(nodes):
            self._position[node] = position
            if not any(w is changed for w in node.watchers):
                node.watchers = (*node.watchers, changed)
        self._names = [node.name for node in nodes]
        self._by_name = {name: position for position, name in enumerate(self._names)}
        self._gates.clear()
        self._anti = {p for p, n in enumerate(nodes) if n.pods_with_required_anti_affinity}
        self._affinity = {p for p, n in enumerate(nodes) if n.pods_with_affinity}
        self._shapes.clear()

    def _sync(self, nodes: Sequence[NodeInfo]) -> None:
        if nodes is not self._nodes or len(nodes) != len(self._names):
            self._reset(nodes)
            return
        changed = self._changed
        if not changed:
            return
        positions = []
        for node in changed:
            position = self._position.get(node)
            if position is None or nodes[position] is not node:
                continue
            positions.append(position)
            if self._names[position] != node.name:
                # Copied first: results of earlier attempts still read the old list.
                self._names = list(self._names)
                self._names[position] = node.name
            if node.pods_with_required_anti_affinity:
                self._anti.add(position)
            else:
                self._anti.discard(position)
            if node.pods_with_affinity:
                self._affinity.add(position)
            else:
                self._affinity.discard(position)
        changed.clear()
        for shape in self._shapes.values():
            shape.dirty.update(positions)
        for gate in self._gates.values():
            gate.dirty.update(positions)

    def _shape(self, info: PodInfo, defaults: tuple[SpreadConstraint, ...],
               nodes: Sequence[NodeInfo]) -> _Shape | None:
        """The shape's cache; None the first time a shape is seen (a DaemonSet's pod, pinned
        to its node, is the only one of its shape: caching it would cost more than it saves)."""
        key = shape_key(info, defaults)
        shape = self._shapes.pop(key, None)
        if shape is None:
            if key not in self._seen:
                if len(self._seen) >= SHAPES_SEEN:
                    self._seen.clear()
                self._seen[key] = None
                return None
            if len(self._shapes) >= SHAPES_KEPT:
                del self._shapes[next(iter(self._shapes))]
            shape = _Shape(info, defaults, nodes)
        else:
            shape.catch_up(nodes)
        self._shapes[key] = shape
        return shape

    def _global_filters(self, info: PodInfo, nodes: Sequence[NodeInfo],
                        namespace_labels: NamespaceLabels | None) -> list[Filter]:
        """PodTopologySpread's and InterPodAffinity's filters, when they can reject anything."""
        active: list[Filter] = []
        if any(c.hard for c in info.spread_constraints):
            active.append(SpreadFilter(info, nodes).filter)
        if info.required_affinity or info.required_anti_affinity:
            affinity_filter: AffinityFilter | None = AffinityFilter(info, nodes,
                                                                    namespace_labels)
        elif self._anti:
            affinity_filter = AffinityFilter(info, [nodes[p] for p in sorted(self._anti)],
                                             namespace_labels)
        else:
            affinity_filter = None
        if affinity_filter is not None and affinity_filter.active:
            active.append(affinity_filter.filter)
        return active

    def _gate(self, info: PodInfo, nodes: Sequence[NodeInfo]) -> _Gate:
        key = (info.tolerations, info.node_name)
        gate = self._gates.pop(key, None)
        if gate is None:
            if len(self._gates) >= SHAPES_KEPT:
                del self._gates[next(iter(self._gates))]
            gate = _Gate(info, nodes)
        else:
            gate.catch_up(nodes)
        self._gates[key] = gate
        return gate

    def _schedule_pinned(self, info: PodInfo, pinned: frozenset[str],
                         nodes: Sequence[NodeInfo], start: int,
                         namespace_labels: NamespaceLabels | None) -> ScheduleResult | None:
        """A pod whose required node affinity names its nodes (a DaemonSet's pod): every
        other node fails NodeUnschedulable/NodeName/TaintToleration or else NodeAffinity, so
        only the named nodes need the full filters. Fewer feasible nodes than the search wants
        means every node is examined. None when not exactly one node fits."""
        names = self._names
        candidates = sorted(self._by_name[name] for name in pinned if name in self._by_name)
        if not candidates:
            return None
        local = local_filters(info)
        global_filters = self._global_filters(info, nodes, namespace_labels)
        feasible: list[int] = []
        refused: dict[int, f.Rejection] = {}
        for position in candidates:
            node = nodes[position]
            verdict = None
            for check in chain(local, global_filters):
                verdict = check(info, node)
                if verdict is not None:
                    break
            if verdict is None:
                feasible.append(position)
            else:
                refused[position] = verdict
        if len(feasible) != 1:
            return None
        gate = self._gate(info, nodes)
        rejections: dict[str, f.Rejection] = dict.fromkeys(names, NODE_AFFINITY_MISMATCH)
        for position, verdict in gate.blocked.items():
            rejections[names[position]] = verdict
        for position, verdict in refused.items():
            rejections[names[position]] = verdict
        chosen = names[feasible[0]]
        del rejections[chosen]
        examined = names[start:] + names[:start] if start else list(names)
        return ScheduleResult(chosen, examined=examined, rejections=rejections,
                              feasible=[chosen], next_start_index=start)

    # -- one attempt ------------------------------------------------------------------------
    def schedule(self, pod: Mapping[str, Any] | PodInfo, nodes: Sequence[NodeInfo],
                 rng: random.Random, *, start_index: int = 0,
                 percentage_of_nodes_to_score: int = 0,
                 default_spread_selector: Mapping[str, str] | None = None,
                 namespace_labels: NamespaceLabels | None = None) -> ScheduleResult:
        """`framework.schedule` with per-node work reused; same arguments, same result."""
        info = pod if isinstance(pod, PodInfo) else PodInfo(pod)
        total = len(nodes)

        def uncached() -> ScheduleResult:
            return uncached_schedule(info, nodes, rng, start_index=start_index,
                                     percentage_of_nodes_to_score=percentage_of_nodes_to_score,
                                     default_spread_selector=default_spread_selector,
                                     namespace_labels=namespace_labels)

        if total == 0 or (info.pod.get("status") or {}).get("nominatedNodeName"):
            return uncached()
        self._sync(nodes)
        wanted = num_feasible_nodes_to_find(total, percentage_of_nodes_to_score)
        start = start_index % total
        pinned = pinned_node_names(info)
        if pinned is not None and len(pinned) < wanted:
            found = self._schedule_pinned(info, pinned, nodes, start, namespace_labels)
            return found if found is not None else uncached()
        defaults = () if info.spread_constraints else \
            default_constraints(info, default_spread_selector)
        shape = self._shape(info, defaults, nodes)
        if shape is None:
            return uncached()

        global_filters = self._global_filters(info, nodes, namespace_labels)
        names = self._names
        feasible: Sequence[int]
        if global_filters:
            shape.freshen(list(shape.stale), nodes)
            examined_count, feasible, rejected = _search(
                shape.verdicts, global_filters, info, nodes, start, wanted)
        else:
            while True:
                window, rejected = _search_cached(
                    shape.rejected, shape.verdicts, start, wanted, total)
                feasible, examined_count = window, window.examined
                if not shape.stale:
                    break
                end = start + examined_count
                if not shape.freshen([p for p in shape.stale if start <= p < end
                                      or p < end - total], nodes):
                    break
        if not feasible:
            return uncached()
        end = start + examined_count
        examined = _NodeNames(names, start, end)
        rejections = {names[p]: verdict for p, verdict in rejected}
        next_start = end % total
        feasible_names = examined if not rejected else \
            _NodeNames(names, 0, len(feasible), feasible)
        if len(feasible) == 1:
            return ScheduleResult(feasible_names[0], examined=examined, rejections=rejections,
                                  feasible=feasible_names, next_start_index=next_start)

        scores, totals = _score(shape, info, feasible, nodes, sorted(self._affinity),
                                namespace_labels)
        chosen = names[totals.pick(rng, shape.members)] if isinstance(totals, _Totals) else \
            feasible_names[pick_best(totals, rng)]
        return ScheduleResult(chosen, examined=examined, rejections=rejections,
                              feasible=feasible_names, scores=scores, totals=totals,
                              next_start_index=next_start)


def _search(verdicts: list[f.Rejection | None], global_filters: list[Filter], info: PodInfo,
            nodes: Sequence[NodeInfo], start: int, wanted: int) -> tuple[
                int, list[int], list[tuple[int, f.Rejection]]]:
    """The round-robin search when some filter needs more than the node itself."""
    feasible: list[int] = []
    rejected: list[tuple[int, f.Rejection]] = []
    examined = 0
    for position in chain(range(start, len(nodes)), range(start)):
        examined += 1
        verdict = verdicts[position]
        if verdict is None:
            node = nodes[position]
            for check in global_filters:
                verdict = check(info, node)
                if verdict is not None:
                    break
        if verdict is None:
            feasible.append(position)
            if len(feasible) >= wanted:
                break
        else:
            rejected.append((position, verdict))
    return examined, feasible, rejected


def _search_cached(bad: list[int], verdicts: list[f.Rejection | None], start: int,
                   wanted: int, total: int) -> tuple[Window, list[tuple[int, f.Rejection]]]:
    """The round-robin search from cached verdicts alone: only the rejected positions are
    looked at, one by one; the feasible ones come back as a `Window`."""

    def rejected_within(count: int) -> int:
        end = start + count
        if end <= total:
            return bisect_left(bad, end) - bisect_left(bad, start)
        return len(bad) - bisect_left(bad, start) + bisect_left(bad, end - total)

    count = min(wanted, total)
    if bad:
        while count < total:
            found = count - rejected_within(count)
            if found >= wanted:
                break
            count = min(total, count + wanted - found)
    end = start + count
    if bad:
        first = bisect_left(bad, start)
        inside = bad[first:bisect_left(bad, end)] if end <= total else \
            bad[first:] + bad[:bisect_left(bad, end - total)]
    else:
        inside = []
    return Window(start, count, total, inside), [
        (p, verdict) for p in inside if (verdict := verdicts[p]) is not None]


PerCode = int | dict[int, int]
"""A plugin's normalised score: one value for every node, or a value per code."""

_FROM_COMBO = {s.NODE_RESOURCES_FIT: 0, s.BALANCED_ALLOCATION: 1}
"""Plugins whose score is part of the combo itself: where in the combo's triple."""


def _score(shape: _Shape, info: PodInfo, feasible: Sequence[int], nodes: Sequence[NodeInfo],
           affinity_positions: list[int], namespace_labels: NamespaceLabels | None) -> tuple[
               Mapping[str, Sequence[int]], list[int] | _Totals]:
    """Every score plugin's list over the feasible nodes, in plugin order, and the totals."""
    count = len(feasible)
    zeros = [0] * count
    parts = shape.code_parts
    combo_parts = shape.combo_parts
    combos = shape.combos.snapshot()
    feasible_nodes: list[NodeInfo] | None = None
    if info.preferred_affinity or info.preferred_anti_affinity:
        feasible_nodes = feasible_nodes or [nodes[p] for p in feasible]
        affinity = affinity_scores(info, feasible_nodes, nodes, namespace_labels) or zeros
    elif affinity_positions:
        domains = affinity_domain_scores(info, [nodes[p] for p in affinity_positions],
                                         namespace_labels)
        affinity = normalized_affinity_scores(domains, feasible_nodes or [
            nodes[p] for p in feasible]) if domains else zeros
    else:
        affinity = zeros
    # Only node-local inputs and the per-code ones: a node's total follows from its combo.
    by_combo = not info.spread_constraints and affinity is zeros
    combo_list: list[int] | None = None
    if by_combo and isinstance(feasible, Window):
        counts = counts_in_window(shape.members, feasible, shape.combos)
    else:
        combo_list = combos.take(feasible)
        counts = dict(Counter(combo_list))
    present = {combo_parts[k][2] for k in counts}

    high = max(parts[c][3] for c in present)
    taint: PerCode = s.MAX_NODE_SCORE if high == 0 else {
        c: s.MAX_NODE_SCORE - s.MAX_NODE_SCORE * parts[c][3] // high for c in present}
    preferred: PerCode = 0
    if info.preferred_node_affinity:
        high = max(parts[c][4] for c in present)
        if high:
            preferred = {c: s.MAX_NODE_SCORE * parts[c][4] // high for c in present}
    spread: PerCode = 0
    spread_list: list[int] | None = None
    if info.spread_constraints:
        soft = [c for c in info.spread_constraints if not c.hard]
        if soft:
            feasible_nodes = [nodes[p] for p in feasible]
            spread_list = spread_scores(info, soft, feasible_nodes, nodes, True)
    elif shape.defaults:
        spread = _default_spread(shape, present, count)
    image = _image_scores(shape, present, len(nodes))

    weights = s.SCORE_WEIGHTS
    constant = 0
    varying: list[tuple[int, dict[int, int]]] = []
    for plugin, value in ((s.TAINT_TOLERATION, taint), (s.NODE_AFFINITY, preferred),
                          (s.POD_TOPOLOGY_SPREAD, spread), (s.IMAGE_LOCALITY, image)):
        if isinstance(value, int):
            constant += weights[plugin] * value
        else:
            varying.append((weights[plugin], value))
    if not varying:
        per_code = dict.fromkeys(present, constant)
    elif len(varying) == 1:
        weight, by_code = varying[0]
        per_code = {c: constant + weight * value for c, value in by_code.items()}
    else:
        per_code = {c: constant + sum(weight * by_code[c] for weight, by_code in varying)
                    for c in present}

    scores = _Scores(combos, feasible, combo_parts, {
        s.TAINT_TOLERATION: taint,
        s.NODE_AFFINITY: preferred,
        s.POD_TOPOLOGY_SPREAD: spread_list if spread_list is not None else spread,
        s.INTER_POD_AFFINITY: affinity if affinity is not zeros else 0,
        s.NODE_RESOURCES_FIT: None,
        s.BALANCED_ALLOCATION: None,
        s.IMAGE_LOCALITY: image,
    })
    combo_totals = {k: combo_parts[k][0] + combo_parts[k][1] + per_code[combo_parts[k][2]]
                    for k in counts}
    if by_combo:
        return scores, _Totals(combos, feasible, combo_totals, counts)
    assert combo_list is not None
    totals = list(map(combo_totals.__getitem__, combo_list))
    if spread_list is not None and any(spread_list):
        weight = weights[s.POD_TOPOLOGY_SPREAD]
        totals = [t + weight * v for t, v in zip(totals, spread_list, strict=True)]
    if affinity is not zeros and any(affinity):
        weight = weights[s.INTER_POD_AFFINITY]
        totals = [t + weight * v for t, v in zip(totals, affinity, strict=True)]
    return scores, totals


class _NodeNames(Sequence[str]):
    """The names at positions `start` to `end` of the node list (going round past its end),
    or at `positions` when given; spelt out only when an explanation asks. `names` must not
    change afterwards (the cache replaces the list instead)."""

    __slots__ = ("_end", "_list", "_names", "_positions", "_start")

    def __init__(self, names: list[str], start: int, end: int,
                 positions: Sequence[int] | None = None) -> None:
        self._names = names
        self._start = start
        self._end = end
        self._positions = positions
        self._list: list[str] | None = None

    def _spelt(self) -> list[str]:
        if self._list is None:
            names = self._names
            if self._positions is not None:
                self._list = list(map(names.__getitem__, self._positions))
            elif self._end <= len(names):
                self._list = names[self._start:self._end]
            else:
                self._list = names[self._start:] + names[:self._end - len(names)]
        return self._list

    def __getitem__(self, index: Any) -> Any:
        if self._list is None and isinstance(index, int) and 0 <= index < len(self):
            if self._positions is not None:
                return self._names[self._positions[index]]
            return self._names[(self._start + index) % len(self._names)]
        return self._spelt()[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._spelt())

    def __len__(self) -> int:
        return self._end - self._start


class _Totals(Sequence[int]):
    """The totals of one attempt as a total per combo and the attempt's snapshot of each
    node's combo; the list over the feasible nodes is spelt out only when an explanation asks
    for it."""

    __slots__ = ("_combos", "_counts", "_feasible", "_list", "_per_combo")

    def __init__(self, combos: NodeSnapshot, feasible: Sequence[int], per_combo: dict[int, int],
                 counts: dict[int, int]) -> None:
        self._combos = combos
        self._feasible = feasible
        self._per_combo = per_combo
        self._counts = counts
        self._list: list[int] | None = None

    def pick(self, rng: random.Random, members: Mapping[int, list[int]]) -> int:
        """The position of the node `framework.pick_best` picks over these totals, with the
        same draws; `members` holds each combo's positions as the snapshot has them."""
        per_combo = self._per_combo
        best_total = max(per_combo.values())
        tied = [k for k, total in per_combo.items() if total == best_total]
        ties = sum(self._counts[k] for k in tied)
        index = rng.randrange(ties) if ties > 1 else 0
        feasible = self._feasible
        if isinstance(feasible, Window):
            return nth_in_window([members[k] for k in tied], index, feasible, self._combos, tied)
        combos = self._combos
        wanted = set(tied)
        return next(islice((p for p in feasible if combos[p] in wanted), index, None))

    def _spelt(self) -> list[int]:
        if self._list is None:
            self._list = list(map(self._per_combo.__getitem__,
                                  self._combos.take(self._feasible)))
        return self._list

    def __getitem__(self, index: Any) -> Any:
        return self._spelt()[index]

    def __len__(self) -> int:
        return len(self._feasible)


class _Scores(Mapping[str, list[int]]):
    """Per-plugin score lists over the feasible nodes, spelt out only when an explanation
    asks, from the attempt's snapshot of each node's combo. A plugin's value is one score for
    every node, a score per code, a list, or None for the scores the combo holds itself."""

    __slots__ = ("_combo_parts", "_combos", "_feasible", "_lists", "_values")

    def __init__(self, combos: NodeSnapshot, feasible: Sequence[int],
                 combo_parts: list[_Combo], values: dict[str, PerCode | list[int] | None]) -> None:
        self._combos = combos
        self._feasible = feasible
        self._combo_parts = combo_parts
        self._values = values
        self._lists: dict[str, list[int]] | None = None

    def _spelt(self) -> dict[str, list[int]]:
        if self._lists is None:
            triples = [self._combo_parts[k] for k in self._combos.take(self._feasible)]
            lists: dict[str, list[int]] = {}
            for plugin, value in self._values.items():
                if value is None:
                    part = _FROM_COMBO[plugin]
                    lists[plugin] = [triple[part] for triple in triples]
                elif isinstance(value, int):
                    lists[plugin] = [value] * len(triples)
                elif isinstance(value, dict):
                    lists[plugin] = [value[triple[2]] for triple in triples]
                else:
                    lists[plugin] = value
            self._lists = lists
            self._values = {}
        return self._lists

    def __getitem__(self, plugin: str) -> list[int]:
        return self._spelt()[plugin]

    def __iter__(self) -> Iterator[str]:
        return iter(self._spelt())

    def __len__(self) -> int:
        return len(self._spelt())


def _default_spread(shape: _Shape, present: set[int], count: int) -> dict[int, int]:
    """PodTopologySpread's normalised score per code for the system default constraints,
    with `spread.spread_scores`' arithmetic (hostname term, then zone term)."""
    host_constraint, zone_constraint = shape.defaults
    parts = shape.code_parts
    zones = {parts[c][1] for c in present}
    zones.discard(None)
    host_weight = math.log(count + 2)
    zone_weight = math.log(len(zones) + 2)
    host_bonus = host_constraint.max_skew - 1
    zone_bonus = zone_constraint.max_skew - 1
    zone_totals = shape.zone_totals
    raw: dict[int, int] = {}
    for code in present:
        host, zone = parts[code][0], parts[code][1]
        total = 0.0
        if host is not None:
            total = total + (host * host_weight + host_bonus)
        if zone is not None:
            total = total + (zone_totals.get(zone, 0) * zone_weight + zone_bonus)
        raw[code] = math.floor(total + 0.5)
    low, high = min(raw.values()), max(raw.values())
    return {code: 100 if high == 0 else 100 * (high + low - score) // high
            for code, score in raw.items()}


def _image_scores(shape: _Shape, present: set[int], node_count: int) -> PerCode:
    """ImageLocality per code, as `scores.image_locality_scores` computes it."""
    if not any(shape.holders.values()):
        return 0
    spread = {image: held / node_count for image, held in shape.holders.items()}
    images = shape.images
    threshold = s._IMAGE_MAX_CONTAINER_THRESHOLD * max(len(images), 1)
    minimum = s._IMAGE_MIN_THRESHOLD
    result = {}
    for code in present:
        total = 0
        for image, size in zip(images, shape.code_parts[code][2], strict=True):
            if size is not None:
                total += int(size * spread[image])
        total = min(max(total, minimum), threshold)
        result[code] = s.MAX_NODE_SCORE * (total - minimum) // (threshold - minimum)
    return result
