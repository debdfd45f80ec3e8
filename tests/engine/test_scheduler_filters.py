"""Each scheduler filter on its own: pass and fail cases with kube-scheduler's reason texts."""

from __future__ import annotations

from typing import Any

import pytest
from test_scheduler_builders import CONTROL_PLANE_TAINT, make_node, make_pod

from playground.engine.scheduler import NodeInfo, PodInfo
from playground.engine.scheduler import filters as f


def check(filter_fn: Any, pod: dict[str, Any], node: dict[str, Any],
          pods_on_node: tuple[dict[str, Any], ...] = ()) -> tuple[str, ...] | None:
    rejection = filter_fn(PodInfo(pod), NodeInfo(node, pods_on_node))
    return None if rejection is None else rejection.reasons


def test_cordoned_node_rejects_pods():
    node = make_node("n", unschedulable=True)
    assert check(f.node_unschedulable, make_pod("p"), node) == ("node(s) were unschedulable",)
    assert check(f.node_unschedulable, make_pod("p"), make_node("n")) is None


def test_cordoned_node_accepts_pods_tolerating_the_unschedulable_taint():
    pod = make_pod("p", tolerations=[{"key": "node.kubernetes.io/unschedulable",
                                      "operator": "Exists", "effect": "NoSchedule"}])
    assert check(f.node_unschedulable, pod, make_node("n", unschedulable=True)) is None


def test_node_name():
    pod = make_pod("p", nodeName="other")
    assert check(f.node_name, pod, make_node("n")) == (
        "node(s) didn't match the requested node name",)
    assert check(f.node_name, make_pod("p", nodeName="n"), make_node("n")) is None


@pytest.mark.parametrize(("toleration", "tolerated"), [
    ({"key": "node-role.kubernetes.io/control-plane", "operator": "Exists",
      "effect": "NoSchedule"}, True),
    ({"key": "node-role.kubernetes.io/control-plane", "operator": "Exists"}, True),
    ({"operator": "Exists"}, True),
    ({"key": "node-role.kubernetes.io/control-plane", "operator": "Equal", "value": "",
      "effect": "NoSchedule"}, True),
    ({"key": "node-role.kubernetes.io/control-plane", "value": "yes",
      "effect": "NoSchedule"}, False),
    ({"key": "node-role.kubernetes.io/control-plane", "operator": "Exists",
      "effect": "NoExecute"}, False),
    ({"key": "other", "operator": "Exists"}, False),
])
def test_toleration_matching(toleration: dict[str, str], tolerated: bool):
    node = make_node("cp", taints=[CONTROL_PLANE_TAINT])
    result = check(f.taint_toleration, make_pod("p", tolerations=[toleration]), node)
    assert result == (None if tolerated else ("node(s) had untolerated taint(s)",))


def test_no_execute_taints_filter_and_prefer_no_schedule_taints_do_not():
    no_execute = make_node("n", taints=[{"key": "k", "value": "v", "effect": "NoExecute"}])
    prefer = make_node("n", taints=[{"key": "k", "value": "v", "effect": "PreferNoSchedule"}])
    assert check(f.taint_toleration, make_pod("p"), no_execute) == (
        "node(s) had untolerated taint(s)",)
    assert check(f.taint_toleration, make_pod("p"), prefer) is None
    tolerant = make_pod("p", tolerations=[{"key": "k", "value": "v", "effect": "NoExecute"}])
    assert check(f.taint_toleration, tolerant, no_execute) is None


AFFINITY_MISMATCH = ("node(s) didn't match Pod's node affinity/selector",)


def required(*expressions: dict[str, Any], fields: list[dict[str, Any]] | None = None
             ) -> dict[str, Any]:
    term: dict[str, Any] = {"matchExpressions": list(expressions)}
    if fields:
        term = {"matchFields": fields}
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [term]}}}


@pytest.mark.parametrize(("expression", "fits"), [
    ({"key": "zone", "operator": "In", "values": ["a", "b"]}, True),
    ({"key": "zone", "operator": "In", "values": ["c"]}, False),
    ({"key": "zone", "operator": "NotIn", "values": ["c"]}, True),
    ({"key": "missing", "operator": "NotIn", "values": ["c"]}, True),
    ({"key": "zone", "operator": "Exists"}, True),
    ({"key": "zone", "operator": "DoesNotExist"}, False),
    ({"key": "gpus", "operator": "Gt", "values": ["3"]}, True),
    ({"key": "gpus", "operator": "Lt", "values": ["3"]}, False),
    ({"key": "zone", "operator": "Gt", "values": ["3"]}, False),
])
def test_required_node_affinity_operators(expression: dict[str, Any], fits: bool):
    node = make_node("n", labels={"zone": "a", "gpus": "4"})
    pod = make_pod("p", affinity=required(expression))
    assert check(f.node_affinity, pod, node) == (None if fits else AFFINITY_MISMATCH)


def test_node_affinity_match_fields_on_node_name():
    pod = make_pod("p", affinity=required(fields=[
        {"key": "metadata.name", "operator": "In", "values": ["n"]}]))
    assert check(f.node_affinity, pod, make_node("n")) is None
    assert check(f.node_affinity, pod, make_node("m")) == AFFINITY_MISMATCH


def test_node_selector_must_match_every_label():
    node = make_node("n", labels={"disktype": "ssd"})
    assert check(f.node_affinity, make_pod("p", nodeSelector={"disktype": "ssd"}), node) is None
    assert check(f.node_affinity, make_pod("p", nodeSelector={"disktype": "hdd"}),
                 node) == AFFINITY_MISMATCH


def with_host_port(pod: dict[str, Any], port: int, protocol: str = "TCP",
                   host_ip: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"containerPort": 80, "hostPort": port, "protocol": protocol}
    if host_ip:
        entry["hostIP"] = host_ip
    pod["spec"]["containers"][0]["ports"] = [entry]
    return pod


@pytest.mark.parametrize(("existing", "wanted", "conflict"), [
    ((8080, "TCP", None), (8080, "TCP", None), True),
    ((8080, "TCP", None), (8080, "UDP", None), False),
    ((8080, "TCP", None), (8081, "TCP", None), False),
    ((8080, "TCP", "10.0.0.1"), (8080, "TCP", "10.0.0.2"), False),
    ((8080, "TCP", "10.0.0.1"), (8080, "TCP", None), True),
    ((8080, "TCP", None), (8080, "TCP", "10.0.0.2"), True),
])
def test_host_ports(existing: tuple[Any, ...], wanted: tuple[Any, ...], conflict: bool):
    running = with_host_port(make_pod("old"), *existing)
    pod = with_host_port(make_pod("new"), *wanted)
    result = check(f.node_ports, pod, make_node("n"), (running,))
    assert result == (("node(s) didn't have free ports for the requested pod ports",)
                      if conflict else None)


def test_resources_fit_reports_every_insufficient_resource():
    node = make_node("n", cpu="2", memory="4Gi")
    running = make_pod("old", cpu="1500m", memory="3Gi")
    assert check(f.node_resources_fit, make_pod("p", cpu="500m", memory="1Gi"), node,
                 (running,)) is None
    assert check(f.node_resources_fit, make_pod("p", cpu="600m", memory="2Gi"), node,
                 (running,)) == ("Insufficient cpu", "Insufficient memory")


def test_request_beyond_allocatable_is_unresolvable_but_contention_is_not():
    node = NodeInfo(make_node("n", cpu="2"), [make_pod("old", cpu="1")])
    contended = f.node_resources_fit(PodInfo(make_pod("p", cpu="1500m")), node)
    too_big = f.node_resources_fit(PodInfo(make_pod("p", cpu="3")), node)
    assert contended is not None and not contended.unresolvable
    assert too_big is not None and too_big.unresolvable


def test_pods_without_requests_still_count_toward_the_pod_limit():
    node = make_node("n", pods="2")
    running = (make_pod("a"), make_pod("b"))
    assert check(f.node_resources_fit, make_pod("c"), node, running) == ("Too many pods",)
    assert check(f.node_resources_fit, make_pod("c"), node, running[:1]) is None


def test_extended_resources():
    node = make_node("n")
    node["status"]["allocatable"]["nvidia.com/gpu"] = "1"
    pod = make_pod("p")
    pod["spec"]["containers"][0]["resources"] = {"requests": {"nvidia.com/gpu": "2"}}
    assert check(f.node_resources_fit, pod, node) == ("Insufficient nvidia.com/gpu",)
    pod["spec"]["containers"][0]["resources"] = {"requests": {"nvidia.com/gpu": "1"}}
    assert check(f.node_resources_fit, pod, node) is None
    assert check(f.node_resources_fit, pod, make_node("cpu-only")) == (
        "Insufficient nvidia.com/gpu",)
