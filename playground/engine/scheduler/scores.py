"""Score plugins: how good is each feasible node? Every plugin returns 0–100 per node.

Weights and formulas are kube-scheduler's defaults, including its integer arithmetic, so the
"why did it land on node-2?" view shows the numbers a real scheduler would compute.
"""

from __future__ import annotations

from collections.abc import Sequence

from playground.engine.scheduler.nodeinfo import NodeInfo
from playground.engine.scheduler.podinfo import PodInfo

MAX_NODE_SCORE = 100

TAINT_TOLERATION = "TaintToleration"
NODE_AFFINITY = "NodeAffinity"
POD_TOPOLOGY_SPREAD = "PodTopologySpread"
INTER_POD_AFFINITY = "InterPodAffinity"
NODE_RESOURCES_FIT = "NodeResourcesFit"
BALANCED_ALLOCATION = "NodeResourcesBalancedAllocation"
IMAGE_LOCALITY = "ImageLocality"

SCORE_WEIGHTS: dict[str, int] = {
    TAINT_TOLERATION: 3,
    NODE_AFFINITY: 2,
    POD_TOPOLOGY_SPREAD: 2,
    INTER_POD_AFFINITY: 2,
    NODE_RESOURCES_FIT: 1,
    BALANCED_ALLOCATION: 1,
    IMAGE_LOCALITY: 1,
}
"""Score plugins in kube-scheduler's default order, with their default weights."""

_MB = 1024 * 1024
_IMAGE_MIN_THRESHOLD = 23 * _MB
_IMAGE_MAX_CONTAINER_THRESHOLD = 1000 * _MB


def default_normalize(raw: Sequence[int], reverse: bool) -> list[int]:
    """The framework's DefaultNormalizeScore: scale to 0–100 by the maximum, maybe reversed."""
    high = max(raw, default=0)
    if high == 0:
        return [MAX_NODE_SCORE if reverse else 0] * len(raw)
    if reverse:
        return [MAX_NODE_SCORE - MAX_NODE_SCORE * s // high for s in raw]
    return [MAX_NODE_SCORE * s // high for s in raw]


def taint_toleration_scores(pod: PodInfo, feasible: Sequence[NodeInfo]) -> list[int]:
    """Fewer untolerated PreferNoSchedule taints is better."""
    tolerations = tuple(t for t in pod.tolerations if t[3] in ("", "PreferNoSchedule"))
    raw = []
    for node in feasible:
        count = 0
        for key, value, effect in node.prefer_no_schedule_taints:
            if not _tolerated(tolerations, key, value, effect):
                count += 1
        raw.append(count)
    return default_normalize(raw, reverse=True)


def _tolerated(tolerations: tuple[tuple[str, str, str, str], ...], key: str, value: str,
               effect: str) -> bool:
    for t_key, operator, t_value, t_effect in tolerations:
        if (not t_effect or t_effect == effect) and (not t_key or t_key == key) and (
                operator == "Exists" or t_value == value):
            return True
    return False


def node_affinity_scores(pod: PodInfo, feasible: Sequence[NodeInfo]) -> list[int]:
    """Sum of the weights of the preferred node affinity terms each node matches."""
    raw = []
    for node in feasible:
        raw.append(sum(weight for weight, term in pod.preferred_node_affinity
                       if term.matches(node.labels, node.name)))
    return default_normalize(raw, reverse=False)


def least_allocated_score(pod: PodInfo, node: NodeInfo) -> int:
    """NodeResourcesFit LeastAllocated for one node: cpu and memory (weight 1 each), with the
    non-zero requests."""
    cpu = node.allocatable_cpu
    memory = node.allocatable_memory
    wanted_cpu = node.non_zero_cpu + pod.non_zero_cpu
    wanted_memory = node.non_zero_memory + pod.non_zero_memory
    total = 0
    if cpu and wanted_cpu <= cpu:
        total += (cpu - wanted_cpu) * MAX_NODE_SCORE // cpu
    if memory and wanted_memory <= memory:
        total += (memory - wanted_memory) * MAX_NODE_SCORE // memory
    return total // 2


def least_allocated_scores(pod: PodInfo, feasible: Sequence[NodeInfo]) -> list[int]:
    """NodeResourcesFit LeastAllocated over cpu and memory (weight 1 each), non-zero requests."""
    return [least_allocated_score(pod, node) for node in feasible]


def balanced_allocation_score(pod: PodInfo, node: NodeInfo) -> int:
    """1 − the spread of the node's cpu and memory utilisation fractions with the pod."""
    cpu = node.allocatable_cpu
    memory = node.allocatable_memory
    if cpu and memory:
        cpu_fraction = min((node.requested_cpu + pod.cpu) / cpu, 1.0)
        memory_fraction = min((node.requested_memory + pod.memory) / memory, 1.0)
        deviation = abs(cpu_fraction - memory_fraction) / 2
    else:
        deviation = 0.0
    return int((1 - deviation) * MAX_NODE_SCORE)


def balanced_allocation_scores(pod: PodInfo, feasible: Sequence[NodeInfo]) -> list[int] | None:
    """1 − the spread of cpu and memory utilisation fractions; skipped for request-less pods."""
    if pod.cpu == 0 and pod.memory == 0:
        return None
    return [balanced_allocation_score(pod, node) for node in feasible]


def normalized_image_name(image: str) -> str:
    """`nginx` → `nginx:latest`; names with a tag or digest stay as they are."""
    if "@" in image or ":" in image.rsplit("/", 1)[-1]:
        return image
    return image + ":latest"


def image_locality_scores(pod: PodInfo, feasible: Sequence[NodeInfo],
                          nodes: Sequence[NodeInfo]) -> list[int]:
    """Nodes that already hold the pod's images (weighted by how widespread they are) win."""
    images = [normalized_image_name(i) for i in pod.images if i]
    holders = {image: 0 for image in images}
    for node in nodes:
        if node.images:
            for image in holders:
                if _node_image_size(node, image) is not None:
                    holders[image] += 1
    if not any(holders.values()):
        return [0] * len(feasible)
    spread = {image: count / len(nodes) for image, count in holders.items()}
    threshold = _IMAGE_MAX_CONTAINER_THRESHOLD * max(len(images), 1)
    scores = []
    for node in feasible:
        total = 0
        if node.images:
            for image in images:
                size = _node_image_size(node, image)
                if size is not None:
                    total += int(size * spread[image])
        total = min(max(total, _IMAGE_MIN_THRESHOLD), threshold)
        scores.append(MAX_NODE_SCORE * (total - _IMAGE_MIN_THRESHOLD)
                      // (threshold - _IMAGE_MIN_THRESHOLD))
    return scores


def _node_image_size(node: NodeInfo, image: str) -> int | None:
    size = node.images.get(image)
    if size is None and image.count("/") == 0:
        size = node.images.get("docker.io/library/" + image)
    return size
