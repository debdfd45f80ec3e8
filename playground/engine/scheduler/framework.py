"""One scheduling attempt: filter, score, pick a node, or explain why none fits.

`schedule` is kube-scheduler's `schedulePod` plus its PostFilter (DefaultPreemption) as a pure
function over NodeInfo snapshots. It searches nodes round-robin from `start_index`, stopping
once `percentageOfNodesToScore` worth of feasible nodes are found, exactly as the real one does
so that big clusters stay cheap; the caller keeps `next_start_index` between attempts. Ties
between best-scored nodes are broken by reservoir sampling with the caller's seeded `rng`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from playground.engine.scheduler import filters as f
from playground.engine.scheduler import scores as s
from playground.engine.scheduler.affinity import AffinityFilter, NamespaceLabels, affinity_scores
from playground.engine.scheduler.nodeinfo import NodeInfo
from playground.engine.scheduler.podinfo import PodInfo
from playground.engine.scheduler.spread import SpreadFilter, default_constraints, spread_scores

if TYPE_CHECKING:
    from playground.engine.scheduler.cache import SchedulingCache

MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5

NO_NODES_AVAILABLE = "no nodes available to schedule pods"
PREEMPTION_NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_PREEMPTION_VICTIMS = "No preemption victims found for incoming pod"
NOT_ELIGIBLE_PREEMPTION_NEVER = "not eligible due to preemptionPolicy=Never."

Filter = Callable[[PodInfo, NodeInfo], "f.Rejection | None"]


@dataclass(frozen=True, slots=True)
class NodeDiagnosis:
    """What the scheduler concluded about one node it looked at."""

    node_name: str
    plugin: str | None = None
    """The filter that rejected the node; None when the node was feasible."""
    reasons: tuple[str, ...] = ()
    unresolvable: bool = False
    scores: Mapping[str, int] | None = None
    """Per score plugin, normalised 0–100 and not yet weighted (None if scoring was skipped)."""
    total_score: int | None = None
    """Σ weight × score, what the scheduler compares."""

    @property
    def feasible(self) -> bool:
        """True when every filter passed."""
        return self.plugin is None


class ScheduleResult:
    """The decision, with everything needed to explain it (diagnoses are built on demand)."""

    __slots__ = (
        "_diagnoses",
        "_examined",
        "_feasible",
        "_rejections",
        "_scores",
        "_totals",
        "evaluated_nodes",
        "feasible_nodes",
        "message",
        "next_start_index",
        "node_name",
        "nominated_node_name",
        "victims",
    )

    def __init__(self, node_name: str | None, message: str | None = None, *,
                 examined: Sequence[str] = (), rejections: Mapping[str, f.Rejection] | None = None,
                 feasible: Sequence[str] = (), scores: Mapping[str, Sequence[int]] | None = None,
                 totals: Sequence[int] | None = None, next_start_index: int = 0,
                 nominated_node_name: str | None = None,
                 victims: tuple[Mapping[str, Any], ...] = ()) -> None:
        self.node_name = node_name
        """The chosen node, or None when the pod stays Pending."""
        self.message = message
        """FailedScheduling event text when no node fits."""
        self.evaluated_nodes = len(examined)
        self.feasible_nodes = len(feasible)
        self.next_start_index = next_start_index
        """Where the next attempt should start searching (kube-scheduler's round robin)."""
        self.nominated_node_name = nominated_node_name
        """Set when preemption found a node: evict `victims`, then retry."""
        self.victims = victims
        self._examined = examined
        self._rejections = rejections or {}
        self._feasible = feasible
        self._scores = scores
        self._totals = totals
        self._diagnoses: tuple[NodeDiagnosis, ...] | None = None

    @property
    def diagnoses(self) -> tuple[NodeDiagnosis, ...]:
        """One per node examined, in the order examined."""
        if self._diagnoses is None:
            position = {name: i for i, name in enumerate(self._feasible)}
            built = []
            for name in self._examined:
                rejection = self._rejections.get(name)
                if rejection is not None:
                    built.append(NodeDiagnosis(name, rejection.plugin, rejection.reasons,
                                               rejection.unresolvable))
                elif self._scores is None or self._totals is None:
                    built.append(NodeDiagnosis(name))
                else:
                    i = position[name]
                    built.append(NodeDiagnosis(
                        name, scores={plugin: values[i] for plugin, values in
                                      self._scores.items()},
                        total_score=self._totals[i]))
            self._diagnoses = tuple(built)
        return self._diagnoses

    def diagnosis(self, node_name: str) -> NodeDiagnosis | None:
        """The diagnosis of one node, if it was examined."""
        for item in self.diagnoses:
            if item.node_name == node_name:
                return item
        return None

    def __repr__(self) -> str:
        return (f"ScheduleResult(node_name={self.node_name!r}, message={self.message!r}, "
                f"evaluated={self.evaluated_nodes}, feasible={self.feasible_nodes})")


def num_feasible_nodes_to_find(num_nodes: int, percentage: int = 0) -> int:
    """How many feasible nodes to find before scoring (kube-scheduler's adaptive rule)."""
    if num_nodes < MIN_FEASIBLE_NODES_TO_FIND or percentage >= 100:
        return num_nodes
    if percentage <= 0:
        percentage = max(50 - num_nodes // 125, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    return max(num_nodes * percentage // 100, MIN_FEASIBLE_NODES_TO_FIND)


def local_filters(pod: PodInfo) -> list[Filter]:
    """The filters whose verdict depends only on the pod and the one node, in order."""
    active: list[Filter] = [f.node_gate]
    if pod.node_selector or pod.required_node_affinity is not None:
        active.append(f.node_affinity)
    if pod.host_ports:
        active.append(f.node_ports)
    active.append(f.node_resources_fit)
    return active


def _filters(pod: PodInfo, nodes: Sequence[NodeInfo],
             namespace_labels: NamespaceLabels | None) -> list[Filter]:
    """PreFilter: the filters that can reject something for this pod, in order."""
    active = local_filters(pod)
    if any(c.hard for c in pod.spread_constraints):
        active.append(SpreadFilter(pod, nodes).filter)
    affinity = AffinityFilter(pod, nodes, namespace_labels)
    if affinity.active:
        active.append(affinity.filter)
    return active


def _run_filters(active: Sequence[Filter], pod: PodInfo, node: NodeInfo) -> f.Rejection | None:
    for check in active:
        rejection = check(pod, node)
        if rejection is not None:
            return rejection
    return None


def fit_error_message(num_nodes: int, rejections: Sequence[f.Rejection],
                      post_filter: str = "") -> str:
    """`0/N nodes are available: <count> <reason>, ….` plus the PostFilter's sentence."""
    histogram: dict[str, int] = {}
    for rejection in rejections:
        for reason in rejection.reasons:
            histogram[reason] = histogram.get(reason, 0) + 1
    message = f"0/{num_nodes} nodes are available"
    parts = sorted(f"{count} {reason}" for reason, count in histogram.items())
    message += ": " + ", ".join(parts) + "." if parts else ":"
    if post_filter:
        message += f" {post_filter}."
    return message


def schedule(pod: Mapping[str, Any] | PodInfo, nodes: Sequence[NodeInfo], rng: random.Random,
             *, start_index: int = 0, percentage_of_nodes_to_score: int = 0,
             default_spread_selector: Mapping[str, str] | None = None,
             namespace_labels: NamespaceLabels | None = None,
             cache: SchedulingCache | None = None) -> ScheduleResult:
    """Choose a node for `pod` among `nodes` (every node in the cluster), or say why not.

    `default_spread_selector` is the selector kube-scheduler derives from the Services and
    controllers selecting the pod (used for the default topology spreading of pods without
    constraints); without it, pods owned by a ReplicaSet/StatefulSet spread over pods with
    the same labels. `namespace_labels` (namespace → labels) serves affinity terms with a
    namespaceSelector; without it only `kubernetes.io/metadata.name` is known.

    With a `cache` (kept by the caller between attempts over the same `nodes` list), per-node
    verdicts and scores are reused for nodes that did not change; the decision, the `rng`
    draws and the explanation are the same as without it.
    """
    if cache is not None:
        return cache.schedule(pod, nodes, rng, start_index=start_index,
                              percentage_of_nodes_to_score=percentage_of_nodes_to_score,
                              default_spread_selector=default_spread_selector,
                              namespace_labels=namespace_labels)
    info = pod if isinstance(pod, PodInfo) else PodInfo(pod)
    total = len(nodes)
    if total == 0:
        return ScheduleResult(None, NO_NODES_AVAILABLE)
    active = _filters(info, nodes, namespace_labels)

    nominated = ((info.pod.get("status") or {}).get("nominatedNodeName") or "")
    if nominated:
        for node in nodes:
            if node.name == nominated and _run_filters(active, info, node) is None:
                return ScheduleResult(node.name, examined=(node.name,), feasible=(node.name,),
                                      next_start_index=start_index % total)

    wanted = num_feasible_nodes_to_find(total, percentage_of_nodes_to_score)
    feasible: list[NodeInfo] = []
    examined: list[str] = []
    rejections: list[f.Rejection] = []
    rejected_by_name: dict[str, f.Rejection] = {}
    start = start_index % total
    for node in (nodes[start:] + nodes[:start]) if start else nodes:
        examined.append(node.name)
        rejection = None
        for check in active:
            rejection = check(info, node)
            if rejection is not None:
                break
        if rejection is None:
            feasible.append(node)
            if len(feasible) >= wanted:
                break
        else:
            rejections.append(rejection)
            rejected_by_name[node.name] = rejection
    next_start = (start + len(examined)) % total

    if not feasible:
        return _unschedulable(info, nodes, rejected_by_name, rejections, examined,
                              next_start, namespace_labels)
    feasible_names = [node.name for node in feasible]
    if len(feasible) == 1:
        return ScheduleResult(feasible[0].name, examined=examined, rejections=rejected_by_name,
                              feasible=feasible_names, next_start_index=next_start)

    per_plugin = _score(info, feasible, nodes, default_spread_selector, namespace_labels)
    totals = [0] * len(feasible)
    for name, values in per_plugin.items():
        if any(values):
            weight = s.SCORE_WEIGHTS[name]
            totals = [sum_ + weight * value for sum_, value in zip(totals, values, strict=True)]
    best = pick_best(totals, rng)
    return ScheduleResult(feasible[best].name, examined=examined, rejections=rejected_by_name,
                          feasible=feasible_names, scores=per_plugin, totals=totals,
                          next_start_index=next_start)


def pick_best(totals: Sequence[int], rng: random.Random) -> int:
    """The index of the best total; ties are broken by one `rng.randrange(ties)` among them.

    kube-scheduler's selectHost keeps a reservoir sample while it walks the scores, drawing
    once per tie; what it picks is a uniform choice among the nodes with the highest total.
    One draw over the final ties is that same choice, without a draw per tied node (a
    1,000-node cluster scores 420 nodes, often most of them tied).
    """
    best_total = max(totals)
    ties = totals.count(best_total)
    index = totals.index(best_total)
    if ties == 1:
        return index
    for _ in range(rng.randrange(ties)):
        index = totals.index(best_total, index + 1)
    return index


def _score(pod: PodInfo, feasible: Sequence[NodeInfo], nodes: Sequence[NodeInfo],
           default_spread_selector: Mapping[str, str] | None,
           namespace_labels: NamespaceLabels | None) -> dict[str, list[int]]:
    """Every score plugin's normalised scores, in the default plugin order."""
    zeros = [0] * len(feasible)
    results: dict[str, list[int]] = {}
    results[s.TAINT_TOLERATION] = s.taint_toleration_scores(pod, feasible)
    results[s.NODE_AFFINITY] = (s.node_affinity_scores(pod, feasible)
                                if pod.preferred_node_affinity else zeros)
    if pod.spread_constraints:
        soft = [c for c in pod.spread_constraints if not c.hard]
        require_all = True
    else:
        soft = list(default_constraints(pod, default_spread_selector))
        require_all = False
    results[s.POD_TOPOLOGY_SPREAD] = (spread_scores(pod, soft, feasible, nodes, require_all)
                                      if soft else zeros)
    results[s.INTER_POD_AFFINITY] = affinity_scores(pod, feasible, nodes,
                                                    namespace_labels) or zeros
    results[s.NODE_RESOURCES_FIT] = s.least_allocated_scores(pod, feasible)
    results[s.BALANCED_ALLOCATION] = s.balanced_allocation_scores(pod, feasible) or zeros
    results[s.IMAGE_LOCALITY] = s.image_locality_scores(pod, feasible, nodes)
    return results


def _unschedulable(pod: PodInfo, nodes: Sequence[NodeInfo],
                   rejected: Mapping[str, f.Rejection], rejections: list[f.Rejection],
                   examined: list[str], next_start: int,
                   namespace_labels: NamespaceLabels | None) -> ScheduleResult:
    """The FitError, after DefaultPreemption had its say."""

    def result(message: str, nominated: str | None = None,
               victims: tuple[Mapping[str, Any], ...] = ()) -> ScheduleResult:
        return ScheduleResult(None, message, examined=examined, rejections=rejected,
                              next_start_index=next_start, nominated_node_name=nominated,
                              victims=victims)

    if pod.preemption_never:
        post = "preemption: " + NOT_ELIGIBLE_PREEMPTION_NEVER
        return result(fit_error_message(len(nodes), rejections, post))
    preemption: list[f.Rejection] = []
    candidates: list[tuple[NodeInfo, list[PodInfo]]] = []
    for node in nodes:
        rejection = rejected.get(node.name)
        if rejection is None or rejection.unresolvable:
            preemption.append(f.Rejection("DefaultPreemption", (PREEMPTION_NOT_HELPFUL,), True))
            continue
        outcome = _select_victims(pod, node, nodes, namespace_labels)
        if isinstance(outcome, f.Rejection):
            preemption.append(outcome)
        else:
            candidates.append((node, outcome))
    if candidates:
        node, victims = _pick_candidate(candidates)
        return result(fit_error_message(len(nodes), rejections), node.name,
                      tuple(v.pod for v in victims))
    post = "preemption: " + fit_error_message(len(nodes), preemption)[:-1]
    return result(fit_error_message(len(nodes), rejections, post))


def _importance(pod: PodInfo) -> tuple[int, str]:
    return (-pod.priority, pod.start_time or "~")


def _select_victims(pod: PodInfo, node: NodeInfo, nodes: Sequence[NodeInfo],
                    namespace_labels: NamespaceLabels | None) -> f.Rejection | list[PodInfo]:
    """DefaultPreemption's SelectVictimsOnNode: the fewest lower-priority pods to evict."""
    if all(priority >= pod.priority for priority in node.priority_counts):
        return f.Rejection("DefaultPreemption", (NO_PREEMPTION_VICTIMS,), True)
    lower = [p for p in node.pods.values() if p.priority < pod.priority]
    if not lower:
        return f.Rejection("DefaultPreemption", (NO_PREEMPTION_VICTIMS,), True)
    trial = node.clone()
    for victim in lower:
        trial.remove_pod(victim)
    world = [trial if n is node else n for n in nodes]

    def fits() -> f.Rejection | None:
        return _run_filters(_filters(pod, world, namespace_labels), pod, trial)

    rejection = fits()
    if rejection is not None:
        return rejection
    victims: list[PodInfo] = []
    for candidate in sorted(lower, key=_importance):
        trial.add_pod(candidate)
        if fits() is not None:
            trial.remove_pod(candidate)
            victims.append(candidate)
    return victims


def _pick_candidate(candidates: list[tuple[NodeInfo, list[PodInfo]]]) -> tuple[
        NodeInfo, list[PodInfo]]:
    """pickOneNodeForPreemption: lowest top victim priority, then smallest sum, then fewest."""
    def rank(item: tuple[NodeInfo, list[PodInfo]]) -> tuple[int, int, int]:
        victims = item[1]
        top = max((v.priority for v in victims), default=-(2**31))
        return (top, sum(v.priority + 2**31 for v in victims), len(victims))
    return min(candidates, key=rank)
