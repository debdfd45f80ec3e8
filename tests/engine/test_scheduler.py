"""The scheduler: each filter's reasons, FailedScheduling texts, placement scenarios, scores,
determinism. Node and Pod dicts are built the way the API server stores them."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playground.engine.scheduler import (
    NodeInfo,
    PodInfo,
    explain,
    num_feasible_nodes_to_find,
    pod_requests,
    schedule,
)
from playground.engine.scheduler import filters as f

CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


def make_node(name: str, *, cpu: str = "4", memory: str = "8Gi", pods: str = "110",
              labels: dict[str, str] | None = None, taints: list[dict[str, Any]] | None = None,
              unschedulable: bool = False, images: list[dict[str, Any]] | None = None,
              ) -> dict[str, Any]:
    """A Ready node as the API server stores it."""
    spec: dict[str, Any] = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    status: dict[str, Any] = {
        "capacity": {"cpu": cpu, "memory": memory, "pods": pods},
        "allocatable": {"cpu": cpu, "memory": memory, "pods": pods},
    }
    if images:
        status["images"] = images
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name,
                         "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
            "spec": spec, "status": status}


def make_pod(name: str, *, cpu: str | None = None, memory: str | None = None,
             labels: dict[str, str] | None = None, namespace: str = "default",
             **spec: Any) -> dict[str, Any]:
    """A pod with one container requesting `cpu`/`memory`, plus any extra spec fields."""
    requests: dict[str, str] = {}
    if cpu is not None:
        requests["cpu"] = cpu
    if memory is not None:
        requests["memory"] = memory
    container: dict[str, Any] = {"name": "app", "image": "nginx:1.25"}
    if requests:
        container["resources"] = {"requests": requests}
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}",
                         "labels": labels or {}},
            "spec": {"containers": [container], **spec}}


def kubeadm_cluster(workers: int = 3, **worker: Any) -> list[dict[str, Any]]:
    """One tainted control-plane node and `workers` worker nodes."""
    nodes = [make_node("control-plane", taints=[CONTROL_PLANE_TAINT],
                       labels={"node-role.kubernetes.io/control-plane": ""})]
    nodes += [make_node(f"worker-{i + 1}", **worker) for i in range(workers)]
    return nodes


# -- filters, one at a time -------------------------------------------------------------------

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


GI = 1024**3
MI = 1024**2


def infos(nodes: list[dict[str, Any]]) -> list[NodeInfo]:
    return [NodeInfo(n) for n in nodes]


def place(pod: dict[str, Any], nodes: list[NodeInfo], rng: random.Random) -> str | None:
    """Schedule and, like the controller, account the pod on the chosen node."""
    result = schedule(pod, nodes, rng)
    if result.node_name is not None:
        pod["spec"]["nodeName"] = result.node_name
        next(n for n in nodes if n.name == result.node_name).add_pod(pod)
    return result.node_name


# -- pod_requests -------------------------------------------------------------------------------

def test_pod_requests_sum_containers_and_add_overhead():
    pod = make_pod("p", cpu="250m", memory="64Mi")
    pod["spec"]["containers"].append(
        {"name": "b", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}})
    pod["spec"]["overhead"] = {"cpu": "100m", "memory": "10Mi"}
    assert pod_requests(pod) == (600, 138 * MI)


def test_pod_requests_take_the_largest_init_container_when_it_exceeds_the_sum():
    pod = make_pod("p", cpu="200m", memory="1Gi")
    pod["spec"]["initContainers"] = [
        {"name": "migrate", "resources": {"requests": {"cpu": "1", "memory": "100Mi"}}}]
    assert pod_requests(pod) == (1000, GI)


def test_sidecars_run_alongside_the_app_containers():
    pod = make_pod("p", cpu="200m")
    pod["spec"]["initContainers"] = [
        {"name": "proxy", "restartPolicy": "Always", "resources": {"requests": {"cpu": "100m"}}},
        {"name": "setup", "resources": {"requests": {"cpu": "250m"}}}]
    assert pod_requests(pod)[0] == 350


def test_limits_are_not_read_because_defaulting_already_copied_them():
    pod = make_pod("p")
    pod["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1"}}
    assert pod_requests(pod) == (0, 0)


# -- FailedScheduling --------------------------------------------------------------------------

def test_failed_scheduling_message_for_a_pod_asking_too_much_cpu():
    nodes = infos(kubeadm_cluster(3, cpu="2"))
    for index, node in enumerate(nodes[1:]):
        node.add_pod(make_pod(f"busy-{index}", cpu="1"))
    result = schedule(make_pod("big", cpu="1500m"), nodes, random.Random(0))
    assert result.node_name is None
    assert result.message == (
        "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 Insufficient cpu. "
        "preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, "
        "3 No preemption victims found for incoming pod.")


def test_request_larger_than_any_node_says_preemption_cannot_help():
    result = schedule(make_pod("huge", cpu="64"), infos(kubeadm_cluster(3)), random.Random(0))
    assert result.message == (
        "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 Insufficient cpu. "
        "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.")


def test_reasons_sort_as_strings_and_each_node_counts_once_per_reason():
    nodes = infos([make_node("a", cpu="1", memory="1Gi"), make_node("b", unschedulable=True),
                   make_node("c", labels={"zone": "x"}), make_node("d", cpu="1", memory="1Gi")])
    nodes[0].add_pod(make_pod("busy", cpu="1", memory="1Gi"))
    nodes[3].add_pod(make_pod("busy2", cpu="1", memory="1Gi"))
    pod = make_pod("p", cpu="500m", memory="512Mi")
    pod["spec"]["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": ["a", "b", "d"]}]}]}}}
    result = schedule(pod, nodes, random.Random(0))
    assert result.message == (
        "0/4 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
        "1 node(s) were unschedulable, 2 Insufficient cpu, 2 Insufficient memory. "
        "preemption: 0/4 nodes are available: 2 No preemption victims found for incoming pod, "
        "2 Preemption is not helpful for scheduling.")
    assert result.diagnosis("c").plugin == "NodeAffinity"
    assert result.diagnosis("b").reasons == ("node(s) were unschedulable",)


def test_node_selector_matching_no_node():
    result = schedule(make_pod("p", nodeSelector={"disktype": "ssd"}),
                      infos(kubeadm_cluster(2)), random.Random(0))
    assert result.message == (
        "0/3 nodes are available: 1 node(s) had untolerated taint(s), "
        "2 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")


def test_preemption_policy_never():
    pod = make_pod("p", cpu="3", preemptionPolicy="Never")
    nodes = infos([make_node("a", cpu="2")])
    assert schedule(pod, nodes, random.Random(0)).message == (
        "0/1 nodes are available: 1 Insufficient cpu. "
        "preemption: not eligible due to preemptionPolicy=Never..")


def test_higher_priority_pod_nominates_a_node_and_names_the_fewest_victims():
    nodes = infos([make_node("a", cpu="2"), make_node("b", cpu="2")])
    nodes[0].add_pod(make_pod("low-1", cpu="1", priority=0))
    nodes[0].add_pod(make_pod("low-2", cpu="1", priority=0))
    nodes[1].add_pod(make_pod("high", cpu="2", priority=1000))
    result = schedule(make_pod("urgent", cpu="1", priority=100), nodes, random.Random(0))
    assert result.node_name is None
    assert result.nominated_node_name == "a"
    assert len(result.victims) == 1
    assert result.message == "0/2 nodes are available: 2 Insufficient cpu."


def test_no_nodes():
    assert schedule(make_pod("p"), [], random.Random(0)).message == (
        "no nodes available to schedule pods")


# -- placement scenarios -----------------------------------------------------------------------

def test_node_selector_on_zone_labels():
    nodes = infos([make_node(f"n{i}", labels={"topology.kubernetes.io/zone": z})
                   for i, z in enumerate(["eu-1a", "eu-1b", "eu-1c"])])
    rng = random.Random(3)
    for index in range(5):
        pod = make_pod(f"p{index}", nodeSelector={"topology.kubernetes.io/zone": "eu-1b"})
        assert place(pod, nodes, rng) == "n1"


def test_control_plane_toleration_lets_a_daemon_pod_land_there():
    nodes = infos(kubeadm_cluster(3))
    pod = make_pod("ds", nodeName=None, tolerations=[
        {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists",
         "effect": "NoSchedule"}])
    pod["spec"]["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchFields": [
            {"key": "metadata.name", "operator": "In", "values": ["control-plane"]}]}]}}}
    result = schedule(pod, nodes, random.Random(0))
    assert result.node_name == "control-plane"
    untolerating = make_pod("web")
    untolerating["spec"]["affinity"] = pod["spec"]["affinity"]
    assert schedule(untolerating, nodes, random.Random(0)).node_name is None


def test_topology_spread_places_six_replicas_two_per_zone():
    nodes = infos([make_node(f"{zone}-{i}", labels={"topology.kubernetes.io/zone": zone})
                   for zone in ("a", "b", "c") for i in range(2)])
    rng = random.Random(7)
    placed = []
    for index in range(6):
        pod = make_pod(f"web-{index}", labels={"app": "web"}, topologySpreadConstraints=[{
            "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app": "web"}}}])
        placed.append(place(pod, nodes, rng))
    zones = Counter(name.split("-")[0] for name in placed if name)
    assert zones == {"a": 2, "b": 2, "c": 2}


def test_topology_spread_rejects_nodes_that_would_break_max_skew():
    nodes = infos([make_node("a", labels={"zone": "a"}), make_node("b", labels={"zone": "b"}),
                   make_node("nolabel")])
    nodes[0].add_pod(make_pod("web-0", labels={"app": "web"}))
    pod = make_pod("web-1", labels={"app": "web"}, topologySpreadConstraints=[{
        "maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
        "labelSelector": {"matchLabels": {"app": "web"}}}])
    nodes[1].set_node(make_node("b", labels={"zone": "b"}, unschedulable=True))
    result = schedule(pod, nodes, random.Random(0))
    assert result.message == (
        "0/3 nodes are available: 1 node(s) didn't match pod topology spread constraints, "
        "1 node(s) didn't match pod topology spread constraints (missing required label), "
        "1 node(s) were unschedulable. preemption: 0/3 nodes are available: "
        "1 No preemption victims found for incoming pod, "
        "2 Preemption is not helpful for scheduling.")


def anti_affine(name: str) -> dict[str, Any]:
    return make_pod(name, labels={"app": "db"}, affinity={"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [{
            "topologyKey": "kubernetes.io/hostname",
            "labelSelector": {"matchLabels": {"app": "db"}}}]}})


def test_hostname_anti_affinity_spreads_three_replicas_and_leaves_the_fourth_pending():
    nodes = infos(kubeadm_cluster(3))
    rng = random.Random(11)
    placed = [place(anti_affine(f"db-{i}"), nodes, rng) for i in range(3)]
    assert sorted(placed) == ["worker-1", "worker-2", "worker-3"]  # type: ignore[type-var]
    result = schedule(anti_affine("db-3"), nodes, rng)
    assert result.node_name is None
    assert result.message == (
        "0/4 nodes are available: 1 node(s) had untolerated taint(s), "
        "3 node(s) didn't match pod anti-affinity rules. preemption: 0/4 nodes are available: "
        "1 Preemption is not helpful for scheduling, "
        "3 No preemption victims found for incoming pod.")


def test_existing_pods_anti_affinity_repels_the_incoming_pod():
    nodes = infos([make_node("a"), make_node("b")])
    nodes[0].add_pod(anti_affine("db-0"))
    result = schedule(make_pod("p", labels={"app": "db"}), nodes, random.Random(0))
    assert result.node_name == "b"
    assert result.diagnosis("a").reasons == (
        "node(s) didn't satisfy existing pods anti-affinity rules",)


def test_required_pod_affinity_follows_the_target_and_allows_the_first_of_a_group():
    nodes = infos([make_node("a", labels={"zone": "x"}), make_node("b", labels={"zone": "y"})])
    follower = make_pod("cache", labels={"app": "cache"}, affinity={"podAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [{
            "topologyKey": "zone", "labelSelector": {"matchLabels": {"app": "web"}}}]}})
    assert schedule(follower, nodes, random.Random(0)).diagnosis("a").reasons == (
        "node(s) didn't match pod affinity rules",)
    nodes[1].add_pod(make_pod("web", labels={"app": "web"}))
    assert schedule(follower, nodes, random.Random(0)).node_name == "b"
    self_affine = make_pod("web-1", labels={"app": "web2"}, affinity={"podAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [{
            "topologyKey": "zone", "labelSelector": {"matchLabels": {"app": "web2"}}}]}})
    assert schedule(self_affine, nodes, random.Random(0)).node_name is not None


# -- scores ----------------------------------------------------------------------------------

def test_least_allocated_node_wins():
    nodes = infos([make_node("busy"), make_node("idle"), make_node("half")])
    nodes[0].add_pod(make_pod("x", cpu="3", memory="6Gi"))
    nodes[2].add_pod(make_pod("y", cpu="2", memory="4Gi"))
    for seed in range(10):
        result = schedule(make_pod("p", cpu="100m", memory="128Mi"), nodes, random.Random(seed))
        assert result.node_name == "idle"
    scores = {d.node_name: d.scores["NodeResourcesFit"] for d in result.diagnoses}
    assert scores["idle"] > scores["half"] > scores["busy"]


def test_pods_without_requests_score_as_100m_and_200mi():
    nodes = infos([make_node("a", cpu="1", memory="1Gi"), make_node("b", cpu="1", memory="1Gi")])
    for index in range(3):
        nodes[0].add_pod(make_pod(f"empty-{index}"))
    result = schedule(make_pod("p"), nodes, random.Random(0))
    assert result.node_name == "b"
    assert result.diagnosis("a").scores["NodeResourcesFit"] == (
        (1000 - 400) * 100 // 1000 + (1024 - 800) * 100 // 1024) // 2


def test_prefer_no_schedule_taint_and_preferred_node_affinity_steer_placement():
    nodes = infos([make_node("tainted", taints=[{"key": "k", "effect": "PreferNoSchedule"}]),
                   make_node("plain"), make_node("ssd", labels={"disk": "ssd"})])
    pod = make_pod("p", affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 50, "preference": {"matchExpressions": [
            {"key": "disk", "operator": "In", "values": ["ssd"]}]}}]}})
    result = schedule(pod, nodes, random.Random(0))
    assert result.node_name == "ssd"
    assert result.diagnosis("tainted").scores["TaintToleration"] == 0
    assert result.diagnosis("plain").scores["TaintToleration"] == 100
    assert result.diagnosis("ssd").scores["NodeAffinity"] == 100


def test_image_locality_prefers_nodes_with_the_image():
    image = {"names": ["docker.io/library/nginx:1.25", "nginx:1.25"], "sizeBytes": 600 * MI}
    nodes = infos([make_node("cold"), make_node("warm", images=[image])])
    result = schedule(make_pod("p"), nodes, random.Random(0))
    assert result.node_name == "warm"
    assert result.diagnosis("warm").scores["ImageLocality"] > 0


def test_default_spreading_prefers_nodes_without_siblings():
    nodes = infos([make_node("a"), make_node("b")])
    owner = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1",
              "uid": "rs", "controller": True}]
    first = make_pod("web-1-x", labels={"app": "web"})
    first["metadata"]["ownerReferences"] = owner
    nodes[0].add_pod(first)
    second = make_pod("web-1-y", labels={"app": "web"})
    second["metadata"]["ownerReferences"] = owner
    result = schedule(second, nodes, random.Random(0))
    assert result.diagnosis("b").scores["PodTopologySpread"] == 100
    assert result.diagnosis("a").scores["PodTopologySpread"] < 100
    assert result.node_name == "b"


def test_explanation_lists_scores_and_rejections():
    nodes = infos(kubeadm_cluster(2))
    lines = explain(schedule(make_pod("p", cpu="100m"), nodes, random.Random(0)))
    assert lines[0].startswith("Scheduled on worker-")
    assert any("NodeResourcesFit" in line and "×1" in line for line in lines)
    assert "control-plane: rejected by TaintToleration: node(s) had untolerated taint(s)" in lines


# -- determinism, percentage of nodes to score, incremental NodeInfo --------------------------

@given(st.integers(min_value=0, max_value=2**32))
def test_same_seed_same_placements(seed: int):
    def run() -> list[str | None]:
        nodes = infos([make_node(f"n{i}") for i in range(5)])
        rng = random.Random(seed)
        return [place(make_pod(f"p{i}", cpu="100m"), nodes, rng) for i in range(8)]
    assert run() == run()


def test_ties_are_broken_uniformly():
    nodes = infos([make_node(f"n{i}") for i in range(3)])
    rng = random.Random(5)
    picks = Counter(schedule(make_pod("p"), nodes, rng).node_name for _ in range(600))
    assert set(picks) == {"n0", "n1", "n2"}
    assert min(picks.values()) > 150


@pytest.mark.parametrize(("nodes", "expected"), [
    (50, 50), (100, 100), (500, 230), (1000, 420), (5000, 500), (6000, 300), (1500, 570)])
def test_percentage_of_nodes_to_score(nodes: int, expected: int):
    assert num_feasible_nodes_to_find(nodes) == expected


def test_large_clusters_stop_searching_once_enough_nodes_fit():
    nodes = infos([make_node(f"n{i}") for i in range(1000)])
    result = schedule(make_pod("p"), nodes, random.Random(0), start_index=990)
    assert result.evaluated_nodes == 420 and result.feasible_nodes == 420
    assert result.next_start_index == (990 + 420) % 1000
    assert result.diagnoses[0].node_name == "n990"


def test_node_info_add_and_remove_are_inverse():
    info = NodeInfo(make_node("n"))
    pod = make_pod("p", cpu="300m", memory="1Gi")
    pod["spec"]["containers"][0]["ports"] = [{"containerPort": 80, "hostPort": 8080}]
    info.add_pod(pod)
    info.add_pod(pod)  # re-adding replaces, it does not double count
    assert (info.requested["cpu"], info.pod_count) == (300, 1)
    assert ("TCP", "0.0.0.0", 8080) in info.used_ports
    info.remove_pod(pod)
    assert (info.requested["cpu"], info.requested["memory"], info.pod_count) == (0, 0, 0)
    assert info.used_ports == {} and info.non_zero_cpu == 0


def test_set_node_picks_up_new_taints():
    info = NodeInfo(make_node("n"))
    nodes = [info]
    assert schedule(make_pod("p"), nodes, random.Random(0)).node_name == "n"
    info.set_node(make_node("n", taints=[CONTROL_PLANE_TAINT]))
    assert schedule(make_pod("p"), nodes, random.Random(0)).node_name is None
