"""JSON merge patch, JSON patch and strategic merge patch, checked against Kubernetes' rules."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playground.engine.api.patch import (
    PatchError,
    create_merge_patch,
    create_three_way_merge_patch,
    create_two_way_merge_patch,
    go_text,
    json_merge_patch,
    json_patch,
    strategic_merge_patch,
)
from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.errors import REJECTED, APIError, EngineError
from playground.engine.store import USER


def deployment(containers: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": 1, **spec,
                     "template": {"spec": {"containers": containers}}}}


def containers_of(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return obj["spec"]["template"]["spec"]["containers"]


# --------------------------------------------------------------------------- RFC 7386

def test_json_merge_patch_rfc7386_examples() -> None:
    target = {"title": "Goodbye!", "author": {"givenName": "John", "familyName": "Doe"},
              "tags": ["example", "sample"], "content": "This will be unchanged"}
    patch = {"title": "Hello!", "phoneNumber": "+01-123-456-7890",
             "author": {"familyName": None}, "tags": ["example"]}
    assert json_merge_patch(target, patch) == {
        "title": "Hello!", "author": {"givenName": "John"}, "tags": ["example"],
        "content": "This will be unchanged", "phoneNumber": "+01-123-456-7890"}
    assert json_merge_patch({"a": "b"}, {"a": {"b": None}}) == {"a": {}}
    assert json_merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
    assert json_merge_patch(["a"], {"a": "b"}) == {"a": "b"}
    assert json_merge_patch({"a": "foo"}, "bar") == "bar"


def test_json_merge_patch_does_not_mutate() -> None:
    target = {"a": {"b": 1}}
    patch = {"a": {"c": {"d": 1}}}
    result = json_merge_patch(target, patch)
    result["a"]["c"]["d"] = 2
    assert target == {"a": {"b": 1}}
    assert patch == {"a": {"c": {"d": 1}}}


scalars = st.one_of(st.booleans(), st.integers(-1000, 1000), st.text(max_size=5))
json_values = st.recursive(
    st.one_of(scalars, st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=3),
                                            inner.filter(lambda v: v is not None),
                                            max_size=3)),
    max_leaves=12)
json_objects = st.dictionaries(st.text(max_size=3), json_values.filter(lambda v: v is not None),
                               max_size=4)


@given(json_objects, json_objects)
def test_merge_patch_of_diff_reaches_the_target(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert json_merge_patch(a, create_merge_patch(a, b)) == b


# --------------------------------------------------------------------------- RFC 6902

def test_json_patch_operations() -> None:
    doc = {"spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "a"}]}}}}
    result = json_patch(doc, [
        {"op": "test", "path": "/spec/replicas", "value": 1},
        {"op": "replace", "path": "/spec/replicas", "value": 3},
        {"op": "add", "path": "/spec/template/spec/containers/-", "value": {"name": "b"}},
        {"op": "copy", "from": "/spec/replicas", "path": "/spec/minReadySeconds"},
        {"op": "move", "from": "/spec/minReadySeconds", "path": "/spec/paused"},
        {"op": "remove", "path": "/spec/template/spec/containers/0"},
    ])
    assert result == {"spec": {"replicas": 3, "paused": 3,
                               "template": {"spec": {"containers": [{"name": "b"}]}}}}
    assert doc["spec"]["replicas"] == 1


@pytest.mark.parametrize("operations, message", [
    ([{"op": "remove", "path": "/spec/nope"}],
     'remove operation does not apply: doc is missing path: "/spec/nope": missing value'),
    ([{"op": "replace", "path": "/nope", "value": 1}],
     "replace operation does not apply: doc is missing key: /nope: missing value"),
    ([{"op": "test", "path": "/spec/replicas", "value": 2}],
     "testing value /spec/replicas failed: test failed"),
    ([{"op": "move", "from": "/nope", "path": "/x"}],
     "move operation does not apply: doc is missing from path: /nope: missing value"),
    ([{"op": "frobnicate", "path": "/x"}], "Unexpected kind: frobnicate"),
    ([{"op": "add", "path": "/x"}], "add operation, missing value field: missing value"),
])
def test_json_patch_errors(operations: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(PatchError) as caught:
        json_patch({"spec": {"replicas": 1}}, operations)
    assert str(caught.value) == message
    assert isinstance(caught.value, EngineError)


def test_the_server_answers_an_inapplicable_json_patch_with_a_bare_422() -> None:
    """The API server does not pass on why a decoded JSON patch did not apply: it answers 422
    Invalid with its generic message, and nothing is written."""
    cluster = Cluster.create(ClusterConfig(clock="manual", workers=0))
    cluster.api.create({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": "app", "namespace": "default"},
                        "data": {"mode": "blue"}}, USER)
    before = cluster.store.resource_version
    for operations in ([{"op": "test", "path": "/data/mode", "value": "green"}],
                       [{"op": "remove", "path": "/data/nope"}],
                       [{"op": "frobnicate", "path": "/data"}]):
        with pytest.raises(APIError) as caught:
            cluster.api.patch("configmaps", "default", "app", operations, "json")
        assert (caught.value.code, caught.value.reason, caught.value.message) == \
            (422, "Invalid", REJECTED)
    with pytest.raises(APIError) as undecodable:
        cluster.api.patch("configmaps", "default", "app", {"op": "add"}, "json")
    assert undecodable.value.code == 400
    assert cluster.store.resource_version == before


# --------------------------------------------------------------------------- strategic merge

def test_containers_merge_by_name() -> None:
    live = deployment([{"name": "web", "image": "nginx:1.14", "imagePullPolicy": "IfNotPresent"},
                       {"name": "sidecar", "image": "busybox"}])
    patch = {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "nginx:1.16"}]}}}}
    result = strategic_merge_patch(live, patch, "apps/v1", "Deployment")
    assert containers_of(result) == [
        {"name": "web", "image": "nginx:1.16", "imagePullPolicy": "IfNotPresent"},
        {"name": "sidecar", "image": "busybox"}]
    assert containers_of(live)[0]["image"] == "nginx:1.14"


def test_null_deletes_and_free_form_maps_merge() -> None:
    live = {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "labels": {"a": "1", "b": "2"}},
            "data": {"x": "1", "y": "2"}}
    patch = {"metadata": {"labels": {"b": None, "c": "3"}}, "data": {"y": None, "z": "3"}}
    result = strategic_merge_patch(live, patch, "v1", "ConfigMap")
    assert result["metadata"]["labels"] == {"a": "1", "c": "3"}
    assert result["data"] == {"x": "1", "z": "3"}


def test_list_without_merge_key_is_replaced() -> None:
    live = deployment([{"name": "web", "image": "x", "args": ["a", "b"]}])
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "web", "args": ["c"]}]}}}}
    result = strategic_merge_patch(live, patch, "apps/v1", "Deployment")
    assert containers_of(result)[0]["args"] == ["c"]


def test_ports_merge_by_container_port_and_env_by_name() -> None:
    live = deployment([{"name": "web", "ports": [{"containerPort": 80, "protocol": "TCP"}],
                        "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}])
    patch = {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "ports": [{"containerPort": 443}],
         "env": [{"name": "B", "value": "3"}]}]}}}}
    result = containers_of(strategic_merge_patch(live, patch, "apps/v1", "Deployment"))[0]
    # as in Kubernetes, items only the patch names come first (patch order wins)
    assert result["ports"] == [{"containerPort": 443}, {"containerPort": 80, "protocol": "TCP"}]
    assert result["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}]


def test_service_ports_merge_by_port() -> None:
    live = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
            "spec": {"ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"},
                               {"port": 443, "targetPort": 8443, "protocol": "TCP"}]}}
    patch = {"spec": {"ports": [{"port": 80, "targetPort": 9090}]}}
    result = strategic_merge_patch(live, patch, "v1", "Service")
    assert result["spec"]["ports"] == [{"port": 80, "targetPort": 9090, "protocol": "TCP"},
                                       {"port": 443, "targetPort": 8443, "protocol": "TCP"}]


def test_patch_delete_directive_on_a_container() -> None:
    live = deployment([{"name": "web", "image": "nginx"}, {"name": "sidecar", "image": "x"}])
    patch = {"spec": {"template": {"spec": {"containers": [
        {"name": "sidecar", "$patch": "delete"}]}}}}
    result = strategic_merge_patch(live, patch, "apps/v1", "Deployment")
    assert containers_of(result) == [{"name": "web", "image": "nginx"}]


def test_patch_replace_directive_on_a_list_and_a_map() -> None:
    live = deployment([{"name": "web", "image": "nginx"}, {"name": "sidecar", "image": "x"}])
    patch = {"spec": {"template": {"spec": {"containers": [
        {"$patch": "replace"}, {"name": "only", "image": "y"}]}}}}
    result = strategic_merge_patch(live, patch, "apps/v1", "Deployment")
    assert containers_of(result) == [{"name": "only", "image": "y"}]

    live = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
            "data": {"a": "1", "b": "2"}}
    result = strategic_merge_patch(live, {"data": {"$patch": "replace", "c": "3"}},
                                   "v1", "ConfigMap")
    assert result["data"] == {"c": "3"}


def test_patch_merge_directive_is_refused_like_kubernetes() -> None:
    live = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {}}
    with pytest.raises(PatchError, match="unknown patch type: merge in map"):
        strategic_merge_patch(live, {"data": {"$patch": "merge"}}, "v1", "ConfigMap")


def test_retain_keys_drops_unlisted_fields() -> None:
    live = deployment([{"name": "web"}], strategy={
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    patch = {"spec": {"strategy": {"type": "Recreate", "$retainKeys": ["type"]}}}
    result = strategic_merge_patch(live, patch, "apps/v1", "Deployment")
    assert result["spec"]["strategy"] == {"type": "Recreate"}
    without = strategic_merge_patch(live, {"spec": {"strategy": {"type": "Recreate"}}},
                                    "apps/v1", "Deployment")
    assert "rollingUpdate" in without["spec"]["strategy"]


def test_retain_keys_listing_too_few_keys_is_an_error() -> None:
    live = deployment([{"name": "web"}], strategy={"type": "RollingUpdate"})
    patch = {"spec": {"strategy": {"type": "Recreate", "$retainKeys": []}}}
    with pytest.raises(PatchError, match="invalid patch format of retainKeys"):
        strategic_merge_patch(live, patch, "apps/v1", "Deployment")


def test_finalizers_union_and_delete_from_primitive_list() -> None:
    live = {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "finalizers": ["a", "b"]}}
    merged = strategic_merge_patch(live, {"metadata": {"finalizers": ["c", "a"]}},
                                   "v1", "ConfigMap")
    assert merged["metadata"]["finalizers"] == ["c", "a", "b"]
    removed = strategic_merge_patch(
        live, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}, "v1", "ConfigMap")
    assert removed["metadata"]["finalizers"] == ["b"]


def test_set_element_order_reorders_the_list() -> None:
    live = deployment([{"name": "a"}, {"name": "b"}, {"name": "c"}])
    patch = {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "c"}, {"name": "a"}, {"name": "b"}]}}}}
    result = strategic_merge_patch(live, patch, "apps/v1", "Deployment")
    assert [c["name"] for c in containers_of(result)] == ["c", "a", "b"]


def test_set_element_order_conflicting_with_patch_list_is_an_error() -> None:
    live = deployment([{"name": "a"}, {"name": "b"}])
    patch = {"spec": {"template": {"spec": {
        "containers": [{"name": "b", "image": "x"}, {"name": "a", "image": "y"}],
        "$setElementOrder/containers": [{"name": "a"}, {"name": "b"}]}}}}
    with pytest.raises(PatchError, match="doesn't match \\$setElementOrder list"):
        strategic_merge_patch(live, patch, "apps/v1", "Deployment")


def test_unknown_kind_replaces_lists() -> None:
    live = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
            "spec": {"items": [{"name": "a", "x": 1}], "size": 1}}
    patch = {"spec": {"items": [{"name": "a", "y": 2}]}}
    result = strategic_merge_patch(live, patch, "example.com/v1", "Widget")
    assert result["spec"] == {"items": [{"name": "a", "y": 2}], "size": 1}


def test_list_element_without_merge_key_is_reported() -> None:
    live = deployment([{"name": "web"}])
    patch = {"spec": {"template": {"spec": {"containers": [{"image": "nginx"}]}}}}
    with pytest.raises(PatchError, match="does not contain declared merge key: name"):
        strategic_merge_patch(live, patch, "apps/v1", "Deployment")


# --------------------------------------------------------------------------- computing patches

def test_two_way_patch_deletes_a_container_with_directive() -> None:
    old = deployment([{"name": "web", "image": "a"}, {"name": "log", "image": "b"}])
    new = deployment([{"name": "web", "image": "a"}])
    patch = create_two_way_merge_patch(old, new, "apps/v1", "Deployment")
    assert patch == {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "web"}],
        "containers": [{"$patch": "delete", "name": "log"}]}}}}
    assert strategic_merge_patch(old, patch, "apps/v1", "Deployment") == new


def test_two_way_patch_for_primitive_merge_list() -> None:
    old = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c",
                                                                 "finalizers": ["a", "b"]}}
    new = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c",
                                                                 "finalizers": ["b", "c"]}}
    patch = create_two_way_merge_patch(old, new, "v1", "ConfigMap")
    assert patch == {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"],
                                  "$setElementOrder/finalizers": ["b", "c"],
                                  "finalizers": ["c"]}}
    assert strategic_merge_patch(old, patch, "v1", "ConfigMap") == new


def test_three_way_merge_of_lists_of_maps_matches_upstream_case() -> None:
    # "merge lists of maps" from k8s.io/apimachinery strategicpatch tests, on containers
    original = deployment([{"name": "1"}, {"name": "2", "image": "2"}])
    modified = deployment([{"name": "4", "image": "4"}, {"name": "1"},
                           {"name": "2", "image": "2"}, {"name": "3", "image": "3"}])
    current = deployment([{"name": "1", "imagePullPolicy": "a"},
                          {"name": "2", "image": "2", "imagePullPolicy": "b"}])
    patch = create_three_way_merge_patch(original, modified, current, "apps/v1", "Deployment")
    assert patch == {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "4"}, {"name": "1"}, {"name": "2"},
                                        {"name": "3"}],
        "containers": [{"name": "4", "image": "4"}, {"name": "3", "image": "3"}]}}}}
    assert containers_of(strategic_merge_patch(current, patch, "apps/v1", "Deployment")) == [
        {"name": "4", "image": "4"}, {"name": "1", "imagePullPolicy": "a"},
        {"name": "2", "image": "2", "imagePullPolicy": "b"}, {"name": "3", "image": "3"}]


def test_three_way_switch_to_recreate_sends_retain_keys() -> None:
    current = deployment([{"name": "web"}], strategy={
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    original = deployment([{"name": "web"}])
    modified = deployment([{"name": "web"}], strategy={"type": "Recreate"})
    patch = create_three_way_merge_patch(original, modified, current, "apps/v1", "Deployment")
    assert patch == {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}


def test_patch_inputs_are_never_mutated() -> None:
    current = deployment([{"name": "web", "image": "a", "ports": [{"containerPort": 80}]}])
    original = deployment([{"name": "web", "image": "a", "ports": [{"containerPort": 80}]}])
    modified = deployment([{"name": "web", "image": "b"}])
    snapshot = copy.deepcopy((current, original, modified))
    patch = create_three_way_merge_patch(original, modified, current, "apps/v1", "Deployment")
    frozen = copy.deepcopy(patch)
    strategic_merge_patch(current, patch, "apps/v1", "Deployment")
    assert (current, original, modified) == snapshot
    assert patch == frozen


names = st.sampled_from(["a", "b", "c", "d"])
container = st.fixed_dictionaries({"name": names},
                                  optional={"image": st.sampled_from(["x", "y"]),
                                            "args": st.lists(names, max_size=2)})
container_lists = st.lists(container, max_size=4, unique_by=lambda c: c["name"])


@given(container_lists, container_lists)
def test_two_way_patch_round_trips(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    before, after = deployment(old), deployment(new)
    patch = create_two_way_merge_patch(before, after, "apps/v1", "Deployment")
    assert strategic_merge_patch(before, patch, "apps/v1", "Deployment") == after


@pytest.mark.parametrize("value, text", [
    (None, "<nil>"), (True, "true"), (80, "80"), (80.0, "80"), (1e6 + 0.5, "1.0000005e+06"),
    ({"b": 1, "a": [1, "x"]}, "map[a:[1 x] b:1]"),
])
def test_go_text_matches_fmt_v(value: Any, text: str) -> None:
    assert go_text(value) == text
