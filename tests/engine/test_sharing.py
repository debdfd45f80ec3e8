"""Structural sharing of stored objects: equal parts held once, never a way for a change to one
object to reach another.

Pods made from one template share their containers, tolerations, labels and ownerReferences;
their status conditions are shared when equal; Events share `source` and `involvedObject`.
Writers change objects through copies (`deep_copy` or copy-on-write), and these tests prove
that a change made that way to one pod leaves every other pod as it was.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from playground.engine.api.sharing import SharedValues
from playground.engine.cluster import Cluster
from playground.engine.store import USER, Actor, deep_copy

TESTER = Actor("controller", "sharing-test")


def nginx(replicas: int) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "nginx",
                                                           "image": "nginx:1.27"}]}}}}


def running_pods(cluster: Cluster, replicas: int) -> list[dict[str, Any]]:
    cluster.api.apply(nginx(replicas), USER)
    cluster.settle()
    for _ in range(30):
        pods = cluster.store.list("pods", "default")
        if len(pods) == replicas and all(p["status"].get("phase") == "Running" for p in pods):
            return pods
        cluster.advance(1.0)
    raise AssertionError("the pods did not all start")


def test_pods_of_one_template_share_their_template_parts(cluster: Cluster) -> None:
    a, b = running_pods(cluster, 3)[:2]
    assert a["spec"]["containers"] is b["spec"]["containers"]
    assert a["spec"]["tolerations"] is b["spec"]["tolerations"]
    assert a["metadata"]["labels"] is b["metadata"]["labels"]
    assert a["metadata"]["ownerReferences"] is b["metadata"]["ownerReferences"]
    assert a["metadata"]["uid"] != b["metadata"]["uid"]


def test_equal_status_conditions_are_shared(cluster: Cluster) -> None:
    pods = running_pods(cluster, 3)
    ready = [next(c for c in p["status"]["conditions"] if c["type"] == "Initialized")
             for p in pods]
    assert all(c == ready[0] for c in ready)
    assert all(c is ready[0] for c in ready)


def test_a_change_to_one_pod_through_the_api_does_not_reach_the_others(
        cluster: Cluster) -> None:
    pods = running_pods(cluster, 3)
    before = [json.dumps(p, sort_keys=True) for p in pods[1:]]
    changed = deep_copy(pods[0])
    changed["metadata"]["labels"]["tier"] = "front"
    changed["metadata"]["ownerReferences"][0]["blockOwnerDeletion"] = False
    changed["spec"]["containers"][0]["image"] = "nginx:1.28"
    changed["spec"]["tolerations"].append({"key": "x", "operator": "Exists"})
    changed["status"]["conditions"][0]["status"] = "False"
    cluster.api.update(changed, TESTER)
    stored = cluster.store.get("pods", "default", pods[0]["metadata"]["name"])
    assert stored is not None and stored["metadata"]["labels"]["tier"] == "front"
    assert [json.dumps(cluster.store.get("pods", "default", p["metadata"]["name"]),
                       sort_keys=True) for p in pods[1:]] == before
    assert "tier" not in pods[1]["metadata"]["labels"]


def test_copy_on_write_status_change_does_not_reach_the_others(cluster: Cluster) -> None:
    pods = running_pods(cluster, 2)
    other = json.dumps(pods[1], sort_keys=True)
    status = dict(pods[0]["status"])
    status["conditions"] = [dict(c, status="False") if c["type"] == "Ready" else c
                            for c in status["conditions"]]
    cluster.api.update_status(dict(pods[0], status=status),
                              TESTER)
    assert json.dumps(cluster.store.get("pods", "default", pods[1]["metadata"]["name"]),
                      sort_keys=True) == other


def test_deep_copy_keeps_no_aliasing() -> None:
    shared = {"a": 1}
    obj = {"x": shared, "y": shared, "z": [shared]}
    copied = deep_copy(obj)
    assert copied == obj
    copied["x"]["a"] = 2
    assert copied["y"] == {"a": 1} and copied["z"] == [{"a": 1}] and shared == {"a": 1}


def test_events_about_one_pod_share_source_and_involved_object(cluster: Cluster) -> None:
    pod = running_pods(cluster, 1)[0]
    events = [e for e in cluster.store.iter("events")
              if e["involvedObject"]["uid"] == pod["metadata"]["uid"]
              and e["source"]["component"] == "kubelet"]
    created = next(e for e in events if e["reason"] == "Created")
    started = next(e for e in events if e["reason"] == "Started")
    assert created["source"] is started["source"]
    assert created["involvedObject"] is started["involvedObject"]


def test_shared_values_tell_apart_what_serialises_differently() -> None:
    shared = SharedValues()
    first = shared.share({"a": 1, "b": True})
    assert shared.share({"a": 1, "b": True}) is first
    assert shared.share({"a": 1, "b": 1}) is not first
    assert shared.share({"a": 1.0, "b": True}) is not first
    assert shared.share({"b": True, "a": 1}) is not first
    assert shared.share([["a", 1], ["b", True]]) is not first


def test_shared_values_are_bounded() -> None:
    shared = SharedValues(limit=8)
    for i in range(100):
        shared.share({"i": i})
    assert len(shared) <= 8
    assert shared.share({"i": 99}) == {"i": 99}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-2, 2, allow_nan=False)
    | st.text("ab", max_size=2),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text("ab", max_size=2),
                                                                 inner, max_size=3),
    max_leaves=8)


@given(st.lists(json_values, max_size=6))
def test_a_shared_value_always_serialises_as_the_value_given(values: list[Any]) -> None:
    shared = SharedValues()
    for value in values:
        assert json.dumps(shared.share(value)) == json.dumps(value)
        assert repr(shared.share(value)) == repr(value)


def test_pods_bound_to_one_node_share_their_spec(cluster: Cluster) -> None:
    pods = running_pods(cluster, 8)
    by_node: dict[str, list[dict[str, Any]]] = {}
    for pod in pods:
        by_node.setdefault(pod["spec"]["nodeName"], []).append(pod)
    crowded = next(group for group in by_node.values() if len(group) > 1)
    assert crowded[0]["spec"] is crowded[1]["spec"]
    assert len({id(p["spec"]) for p in pods}) == len(by_node)
    assert {p["spec"]["nodeName"] for p in pods} == set(by_node)
