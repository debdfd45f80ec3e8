"""SchedulingCache gives the same decisions, rng draws and explanations as the plain evaluation.

Two copies of one simulated cluster receive the same random sequence of pods (several shapes:
plain replicas, node selectors, tolerations, anti-affinity, topology spread, host ports, image
preferences, priorities) and of changes (nodes added, removed, tainted, cordoned; pods
deleted). One schedules through a `SchedulingCache`, the other without; every attempt must
agree on the chosen node, the message, the next start index, the rng state and every line of
the "why" explanation.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.engine.scheduler import NodeInfo, SchedulingCache, explain, schedule

ZONES = ("zone-a", "zone-b", "zone-c")
NGINX = {"names": ["docker.io/library/nginx:1.25", "nginx:1.25"], "sizeBytes": 70_000_000}


def make_node(index: int, *, zone: bool = True, taint: str = "", cordoned: bool = False,
              image: bool = False, cpu: str = "2", pods: str = "6") -> dict[str, Any]:
    name = f"node-{index:03d}"
    labels = {"kubernetes.io/hostname": name, "disk": "ssd" if index % 2 else "hdd"}
    if zone:
        labels["topology.kubernetes.io/zone"] = ZONES[index % 3]
    spec: dict[str, Any] = {}
    if taint:
        spec["taints"] = [{"key": "dedicated", "value": "db", "effect": taint}]
    if cordoned:
        spec["unschedulable"] = True
    status: dict[str, Any] = {"allocatable": {"cpu": cpu, "memory": "4Gi", "pods": pods}}
    if image:
        status["images"] = [NGINX]
    return {"metadata": {"name": name, "labels": labels}, "spec": spec, "status": status}


def make_pod(serial: int, shape: int, app: int) -> dict[str, Any]:
    """One pod of shape `shape` (0–13) in workload `app`."""
    name = f"app-{app}"
    labels = {"app": name}
    container: dict[str, Any] = {"name": "c", "image": "nginx:1.25",
                                 "resources": {"requests": {"cpu": "300m", "memory": "256Mi"}}}
    spec: dict[str, Any] = {"containers": [container]}
    owners = [{"kind": "ReplicaSet", "name": name, "uid": name, "controller": True}]
    if shape == 1:
        spec["nodeSelector"] = {"disk": "ssd"}
    elif shape == 2:
        spec["tolerations"] = [{"key": "dedicated", "operator": "Exists"}]
    elif shape == 3:
        spec["affinity"] = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": labels},
             "topologyKey": "kubernetes.io/hostname"}]}}
    elif shape == 4:
        spec["topologySpreadConstraints"] = [{
            "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchLabels": labels}}]
    elif shape == 5:
        spec["topologySpreadConstraints"] = [{
            "maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": labels}}]
    elif shape == 6:
        container["ports"] = [{"containerPort": 80, "hostPort": 8080}]
    elif shape == 7:
        container["resources"] = {}
        owners = []
    elif shape == 8:
        spec["affinity"] = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 50, "podAffinityTerm": {"labelSelector": {"matchLabels": labels},
                                               "topologyKey": "topology.kubernetes.io/zone"}}]},
            "nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 20, "preference": {"matchExpressions": [
                    {"key": "disk", "operator": "In", "values": ["ssd"]}]}}]}}
    elif shape == 9:
        spec["priority"] = 1000
        container["resources"] = {"requests": {"cpu": "1500m"}}
    elif shape == 10:
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [
                {"key": "topology.kubernetes.io/zone", "operator": "In",
                 "values": ["zone-a", "zone-b"]}]}]}}}
    elif shape == 11:
        container["image"] = "redis:7"
    elif shape in (12, 13):  # a DaemonSet's pod, pinned to its node(s)
        names = [f"node-{app:03d}"] + ([f"node-{app + 3:03d}"] if shape == 13 else [])
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchFields": [
                {"key": "metadata.name", "operator": "In", "values": names}]}]}}}
        if app != 1:
            spec["tolerations"] = [{"operator": "Exists"}]
        owners = [{"kind": "DaemonSet", "name": name, "uid": name, "controller": True}]
    return {"metadata": {"name": f"{name}-{serial}", "namespace": "default",
                         "uid": f"uid-{serial}", "labels": labels, "ownerReferences": owners},
            "spec": spec}


class World:
    """One copy of the cluster: NodeInfos by name plus the node list passed to `schedule`."""

    def __init__(self, nodes: list[dict[str, Any]], seed: int, cached: bool) -> None:
        self.infos = {n["metadata"]["name"]: NodeInfo(n) for n in nodes}
        self.ordered = [self.infos[name] for name in sorted(self.infos)]
        self.rng = random.Random(seed)
        self.cache = SchedulingCache() if cached else None
        self.start = 0
        self.bound: dict[str, dict[str, Any]] = {}

    def reorder(self) -> None:
        self.ordered = [self.infos[name] for name in sorted(self.infos)]

    def schedule(self, pod: dict[str, Any], percentage: int) -> Any:
        result = schedule(pod, self.ordered, self.rng, start_index=self.start,
                          percentage_of_nodes_to_score=percentage, cache=self.cache)
        self.start = result.next_start_index
        if result.node_name is not None:
            bound = dict(pod, spec=dict(pod["spec"], nodeName=result.node_name))
            self.infos[result.node_name].add_pod(bound)
            self.bound[pod["metadata"]["uid"]] = bound
        return result


def summary(result: Any) -> tuple[Any, ...]:
    return (result.node_name, result.message, result.next_start_index,
            result.nominated_node_name, result.victims, result.evaluated_nodes,
            result.feasible_nodes, result.diagnoses, tuple(explain(result)))


Op = tuple[str, int, int]
OPS = st.one_of(
    st.tuples(st.just("pod"), st.integers(0, 13), st.integers(0, 2)),
    st.tuples(st.just("pod"), st.just(0), st.integers(0, 1)),
    st.tuples(st.sampled_from(["add", "remove", "taint", "prefer", "cordon", "uncordon",
                               "image", "delete"]), st.integers(0, 10_000), st.just(0)),
)


def run_both(node_count: int, ops: list[Op], seed: int, percentage: int,
             capacity: dict[str, str]) -> None:
    nodes = [make_node(i, zone=i % 7 != 6, image=i % 4 == 0, **capacity)
             for i in range(node_count)]
    cached, plain = World(nodes, seed, True), World(nodes, seed, False)
    serial = 0
    next_node = node_count
    for op, a, b in ops:
        if op == "pod":
            serial += 1
            pod = make_pod(serial, a, b)
            got = cached.schedule(pod, percentage)
            want = plain.schedule(pod, percentage)
            assert summary(got) == summary(want)
            assert cached.rng.getstate() == plain.rng.getstate()
            continue
        names = sorted(plain.infos)
        target = names[a % len(names)] if names else ""
        for world in (cached, plain):
            if op == "add":
                node = make_node(next_node, zone=next_node % 5 != 0, **capacity)
                world.infos[node["metadata"]["name"]] = NodeInfo(node)
                world.reorder()
            elif op == "remove" and len(names) > 1:
                del world.infos[target]
                for uid in [u for u, p in world.bound.items()
                            if p["spec"]["nodeName"] == target]:
                    del world.bound[uid]
                world.reorder()
            elif op == "delete" and world.bound:
                uids = sorted(world.bound)
                gone = world.bound.pop(uids[a % len(uids)])
                world.infos[gone["spec"]["nodeName"]].remove_pod(gone)
            elif op in ("taint", "prefer", "cordon", "uncordon", "image") and target:
                info = world.infos[target]
                node = {"metadata": info.node["metadata"], "spec": dict(info.node["spec"]),
                        "status": dict(info.node["status"])}
                if op == "taint":
                    node["spec"]["taints"] = [{"key": "dedicated", "value": "db",
                                               "effect": "NoSchedule"}]
                elif op == "prefer":
                    node["spec"]["taints"] = [{"key": "dedicated", "value": "db",
                                               "effect": "PreferNoSchedule"}]
                elif op == "cordon":
                    node["spec"]["unschedulable"] = True
                elif op == "uncordon":
                    node["spec"].pop("unschedulable", None)
                    node["spec"].pop("taints", None)
                else:
                    node["status"]["images"] = [NGINX]
                info.set_node(node)
        if op == "add":
            next_node += 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(node_count=st.integers(1, 8), ops=st.lists(OPS, max_size=40),
       seed=st.integers(0, 2**16))
def test_small_clusters_decide_the_same_with_and_without_the_cache(
        node_count: int, ops: list[Op], seed: int) -> None:
    run_both(node_count, ops, seed, 0, {"cpu": "2", "pods": "6"})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(node_count=st.integers(101, 140), ops=st.lists(OPS, min_size=20, max_size=80),
       seed=st.integers(0, 2**16), percentage=st.sampled_from([0, 5, 30]))
def test_partial_searches_decide_the_same_with_and_without_the_cache(
        node_count: int, ops: list[Op], seed: int, percentage: int) -> None:
    """Above 100 nodes the search stops early and wraps around the node list."""
    run_both(node_count, ops, seed, percentage, {"cpu": "4", "pods": "20"})


def test_a_replicated_workload_on_a_big_cluster_decides_the_same() -> None:
    """Hundreds of pods of one shape: the case the cache is built for, with a tainted node,
    a cordoned node and a deletion in between."""
    ops: list[Op] = [("pod", 0, 0)] * 150 + [("taint", 3, 0), ("cordon", 40, 0)]
    ops += [("pod", 0, 0)] * 100 + [("delete", 7, 0), ("prefer", 9, 0), ("image", 11, 0)]
    ops += [("pod", 0, 0), ("pod", 1, 0), ("pod", 2, 0)] * 40
    ops += [("pod", 12, app) for app in range(3)] + [("pod", 13, 1), ("taint", 1, 0),
                                                     ("pod", 12, 1), ("pod", 12, 2)]
    run_both(300, ops, 7, 0, {"cpu": "16", "pods": "110"})


def test_the_cache_follows_its_nodes_into_a_new_list_and_leaves_the_old_ones() -> None:
    nodes = [NodeInfo(make_node(i)) for i in range(3)]
    cache = SchedulingCache()
    rng = random.Random(1)
    schedule(make_pod(1, 0, 0), nodes, rng, cache=cache)
    assert all(len(n.watchers) == 1 for n in nodes)
    others = [NodeInfo(make_node(i)) for i in range(3, 5)]
    result = schedule(make_pod(2, 0, 0), others, rng, cache=cache)
    assert result.node_name in {"node-003", "node-004"}
    assert all(n.watchers == () for n in nodes)
    assert all(len(n.watchers) == 1 for n in others)
    assert others[0].clone().watchers == ()


def test_an_explanation_read_later_tells_what_the_attempt_saw() -> None:
    """Cached results keep snapshots of per-node values, not the cache's live arrays: reading
    an explanation after hundreds more pods were bound (and a node tainted) gives what the
    plain evaluation said at the time."""
    nodes = [make_node(i, zone=i % 7 != 6, image=i % 4 == 0, cpu="16", pods="110")
             for i in range(250)]
    cached, plain = World(nodes, 3, True), World(nodes, 3, False)
    kept: list[tuple[Any, tuple[Any, ...]]] = []
    for serial in range(1, 400):
        if serial == 200:
            for world in (cached, plain):
                info = world.infos["node-010"]
                info.set_node({"metadata": info.node["metadata"],
                               "spec": {"taints": [{"key": "dedicated", "value": "db",
                                                    "effect": "PreferNoSchedule"}]},
                               "status": info.node["status"]})
        pod = make_pod(serial, serial % 3 if serial % 5 else 11, 0)
        got = cached.schedule(pod, 0)
        want = plain.schedule(pod, 0)
        if serial % 40 == 1:
            kept.append((got, summary(want)))
    for got, want in kept:
        assert summary(got) == want


def reservoir(totals: list[int], rng: random.Random) -> int:
    """The tie-break as kube-scheduler writes it: one randrange per tie, over every node."""
    best, ties, best_total = 0, 1, totals[0]
    for index in range(1, len(totals)):
        if totals[index] > best_total:
            best, ties, best_total = index, 1, totals[index]
        elif totals[index] == best_total:
            ties += 1
            if rng.randrange(ties) == 0:
                best = index
    return best


class CountingRandom(random.Random):
    """A Random that counts its randrange calls."""

    calls = 0

    def randrange(self, *args: Any, **kwargs: Any) -> int:
        CountingRandom.calls += 1
        return super().randrange(*args, **kwargs)


@given(totals=st.lists(st.integers(0, 6), min_size=1, max_size=300),
       seed=st.integers(0, 2**32))
def test_pick_best_picks_a_best_total_with_one_draw_at_most(totals: list[int],
                                                            seed: int) -> None:
    from playground.engine.scheduler.framework import pick_best

    CountingRandom.calls = 0
    rng = CountingRandom(seed)
    best = pick_best(totals, rng)
    assert totals[best] == max(totals)
    assert CountingRandom.calls == (1 if totals.count(max(totals)) > 1 else 0)
    # the draw says which of the tied nodes, in order
    twin = random.Random(seed)
    ties = [i for i, t in enumerate(totals) if t == max(totals)]
    if len(ties) > 1:
        assert best == ties[twin.randrange(len(ties))]


def test_pick_best_chooses_like_kube_schedulers_reservoir() -> None:
    # kube-scheduler draws once per tie while it walks the scores; its pick is uniform over
    # the final ties, and so is one draw over them: compare the two distributions
    from playground.engine.scheduler.framework import pick_best

    totals = [3, 5, 1, 5, 5, 4, 5, 2, 5]
    ties = [i for i, t in enumerate(totals) if t == 5]
    runs = 20_000
    ours = Counter(pick_best(totals, random.Random(seed)) for seed in range(runs))
    theirs = Counter(reservoir(totals, random.Random(seed)) for seed in range(runs))
    assert set(ours) == set(theirs) == set(ties)
    for index in ties:  # each 1/5 of the runs; 4 standard deviations is 0.0113
        assert abs(ours[index] / runs - 0.2) < 0.0113
        assert abs(theirs[index] / runs - 0.2) < 0.0113


def plain(value: Any) -> Any:
    """Slotted scheduler objects as nested tuples, so two parses can be compared."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    if isinstance(value, dict):
        return tuple(sorted((k, plain(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, frozenset, set)):
        items = [plain(v) for v in value]
        return tuple(sorted(items, key=repr)) if isinstance(value, (set, frozenset)) \
            else tuple(items)
    slots = getattr(type(value), "__slots__", ())
    return (type(value).__name__, tuple((s, plain(getattr(value, s))) for s in slots))


@given(shape=st.integers(0, 13), app=st.integers(0, 2))
def test_a_parse_reused_for_the_bound_pod_equals_a_fresh_parse(shape: int, app: int) -> None:
    from playground.engine.scheduler import PodInfo

    pod = make_pod(1, shape, app)
    bound = dict(pod, spec=dict(pod["spec"], nodeName="node-001"),
                 status={"conditions": [{"type": "PodScheduled", "status": "True"}]})
    reused = PodInfo(pod).bound_to(bound)
    assert reused is not None
    fresh = PodInfo(bound)
    for name in PodInfo.__slots__:
        if name != "pod":
            assert plain(getattr(reused, name)) == plain(getattr(fresh, name)), name
    assert reused.pod is bound
    relabelled = dict(bound, metadata=dict(bound["metadata"], labels={"app": "other"}))
    assert PodInfo(pod).bound_to(relabelled) is None
    resized = dict(bound, spec=dict(bound["spec"], priority=7))
    assert PodInfo(pod).bound_to(resized) is None
