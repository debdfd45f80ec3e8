"""Filter plugins: may this pod run on this node? Each answers None or a Rejection.

The order, plugin names and reason texts are kube-scheduler's, because they surface verbatim in
FailedScheduling events and learners compare them with real clusters. A Rejection is
`unresolvable` when evicting pods could not help (UnschedulableAndUnresolvable); preemption
uses that to say "Preemption is not helpful for scheduling".
"""

from __future__ import annotations

from typing import NamedTuple

from playground.engine.scheduler.nodeinfo import NodeInfo
from playground.engine.scheduler.podinfo import PodInfo

NODE_UNSCHEDULABLE = "NodeUnschedulable"
NODE_NAME = "NodeName"
TAINT_TOLERATION = "TaintToleration"
NODE_AFFINITY = "NodeAffinity"
NODE_PORTS = "NodePorts"
NODE_RESOURCES_FIT = "NodeResourcesFit"
POD_TOPOLOGY_SPREAD = "PodTopologySpread"
INTER_POD_AFFINITY = "InterPodAffinity"

FILTER_ORDER = (NODE_UNSCHEDULABLE, NODE_NAME, TAINT_TOLERATION, NODE_AFFINITY, NODE_PORTS,
                NODE_RESOURCES_FIT, POD_TOPOLOGY_SPREAD, INTER_POD_AFFINITY)
"""Filters in kube-scheduler's default order (volume filters sit between fit and spread)."""

ERR_UNSCHEDULABLE = "node(s) were unschedulable"
ERR_NODE_NAME = "node(s) didn't match the requested node name"
ERR_UNTOLERATED_TAINT = "node(s) had untolerated taint(s)"
ERR_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
ERR_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports"
ERR_TOO_MANY_PODS = "Too many pods"
ERR_SPREAD = "node(s) didn't match pod topology spread constraints"
ERR_SPREAD_MISSING_LABEL = ERR_SPREAD + " (missing required label)"
ERR_AFFINITY = "node(s) didn't match pod affinity rules"
ERR_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
ERR_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"

UNSCHEDULABLE_TAINT_KEY = "node.kubernetes.io/unschedulable"


class Rejection(NamedTuple):
    """Why one filter turned a node down."""

    plugin: str
    reasons: tuple[str, ...]
    unresolvable: bool


_UNSCHEDULABLE = Rejection(NODE_UNSCHEDULABLE, (ERR_UNSCHEDULABLE,), True)
_NODE_NAME = Rejection(NODE_NAME, (ERR_NODE_NAME,), True)
_TAINT = Rejection(TAINT_TOLERATION, (ERR_UNTOLERATED_TAINT,), True)
_AFFINITY = Rejection(NODE_AFFINITY, (ERR_NODE_AFFINITY,), True)
_PORTS = Rejection(NODE_PORTS, (ERR_NODE_PORTS,), False)


def node_unschedulable(pod: PodInfo, node: NodeInfo) -> Rejection | None:
    """A cordoned node takes only pods tolerating `node.kubernetes.io/unschedulable:NoSchedule`."""
    if node.unschedulable and not pod.tolerates(UNSCHEDULABLE_TAINT_KEY, "", "NoSchedule"):
        return _UNSCHEDULABLE
    return None


def node_gate(pod: PodInfo, node: NodeInfo) -> Rejection | None:
    """NodeUnschedulable, NodeName and TaintToleration in one call, in that order."""
    if node.unschedulable and not pod.tolerates(UNSCHEDULABLE_TAINT_KEY, "", "NoSchedule"):
        return _UNSCHEDULABLE
    if pod.node_name and pod.node_name != node.name:
        return _NODE_NAME
    if node.blocking_taints and untolerated_taint(pod, node) is not None:
        return _TAINT
    return None


def node_name(pod: PodInfo, node: NodeInfo) -> Rejection | None:
    """A pod naming a node in spec.nodeName fits only that node."""
    if pod.node_name and pod.node_name != node.name:
        return _NODE_NAME
    return None


def untolerated_taint(pod: PodInfo, node: NodeInfo) -> tuple[str, str, str] | None:
    """The first NoSchedule/NoExecute taint the pod does not tolerate, if any."""
    for taint in node.blocking_taints:
        if not pod.tolerates(*taint):
            return taint
    return None


def taint_toleration(pod: PodInfo, node: NodeInfo) -> Rejection | None:
    """Every NoSchedule and NoExecute taint must be tolerated."""
    if node.blocking_taints and untolerated_taint(pod, node) is not None:
        return _TAINT
    return None


def matches_node_affinity(pod: PodInfo, node: NodeInfo) -> bool:
    """nodeSelector and required node affinity both hold for the node."""
    labels = node.labels
    for key, value in pod.node_selector.items():
        if labels.get(key) != value:
            return False
    required = pod.required_node_affinity
    return required is None or required.matches(labels, node.name)


def node_affinity(pod: PodInfo, node: NodeInfo) -> Rejection | None:
    """nodeSelector plus requiredDuringSchedulingIgnoredDuringExecution."""
    return None if matches_node_affinity(pod, node) else _AFFINITY


def node_ports(pod: PodInfo, node: NodeInfo) -> Rejection | None:
    """No wanted hostPort may already be bound for the same protocol and an overlapping IP."""
    used = node.used_ports
    if not used:
        return None
    for protocol, host_ip, port in pod.host_ports:
        if (protocol, host_ip, port) in used:
            return _PORTS
        if host_ip == "0.0.0.0":
            if any(p == protocol and n == port for p, _, n in used):
                return _PORTS
        elif (protocol, "0.0.0.0", port) in used:
            return _PORTS
    return None


def node_resources_fit(pod: PodInfo, node: NodeInfo) -> Rejection | None:
    """Requests must fit in allocatable minus what the node's pods already request."""
    allocatable = node.allocatable
    requested = node.requested
    if len(node.pods) < node.allowed_pods:
        for name, want in pod.fit_requests:
            if want > allocatable.get(name, 0) - requested.get(name, 0):
                break
        else:
            return None  # the common case, without building the reasons
    reasons: list[str] = []
    unresolvable = False
    if len(node.pods) + 1 > node.allowed_pods:
        reasons.append(ERR_TOO_MANY_PODS)
    for name, want in pod.fit_requests:
        have = allocatable.get(name, 0)
        if want > have - requested.get(name, 0):
            reasons.append(f"Insufficient {name}")
            if want > have:
                unresolvable = True
    if reasons:
        return Rejection(NODE_RESOURCES_FIT, tuple(reasons), unresolvable)
    return None

