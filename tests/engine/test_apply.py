"""Client-side `kubectl apply`: the annotation text and the three-way patch outcomes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.engine.api.apply import (
    LAST_APPLIED,
    ApplyResult,
    go_json,
    last_applied_json,
    three_way_apply,
    with_last_applied,
)
from playground.engine.api.defaults import apply_defaults

EXAMPLES = (Path(__file__).resolve().parents[2].parent / "shared/conformance/k8s-examples/application")


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / name).read_text())


def create(manifest: dict[str, Any]) -> dict[str, Any]:
    """What the API server stores for `kubectl apply` of a new object: defaults, identity,
    status."""
    obj = with_last_applied(manifest, "default")
    apply_defaults(obj)
    obj["metadata"].update(uid="0f6b0d4a-1111-2222-3333-444455556666", resourceVersion="100",
                           generation=1, creationTimestamp="2025-01-01T00:00:00Z")
    if obj["kind"] == "Deployment":
        obj["status"] = {"replicas": obj["spec"]["replicas"], "observedGeneration": 1}
    return obj


def apply(live: dict[str, Any], manifest: dict[str, Any]) -> ApplyResult:
    result = three_way_apply(live, manifest, live["apiVersion"], live["kind"],
                             namespace="default")
    apply_defaults(result.obj)
    return result


def web(**container: Any) -> dict[str, Any]:
    base = {"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80},
                                                             {"containerPort": 443}],
            "env": [{"name": "MODE", "value": "prod"}, {"name": "DEBUG", "value": "0"}]}
    base.update(container)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [
                                      {k: v for k, v in base.items() if v is not None}]}}}}


def container(obj: dict[str, Any], name: str = "web") -> dict[str, Any]:
    found = [c for c in obj["spec"]["template"]["spec"]["containers"] if c["name"] == name]
    assert len(found) == 1
    return found[0]


# --------------------------------------------------------------------------- annotation

def test_last_applied_json_is_go_encoded_with_sorted_keys_and_newline() -> None:
    text = last_applied_json(load("deployment.yaml"), "default")
    assert text == (
        '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},'
        '"name":"nginx-deployment","namespace":"default"},"spec":{"replicas":2,"selector":'
        '{"matchLabels":{"app":"nginx"}},"template":{"metadata":{"labels":{"app":"nginx"}},'
        '"spec":{"containers":[{"image":"nginx:1.14.2","name":"nginx","ports":'
        '[{"containerPort":80}]}]}}}}\n')


def test_last_applied_json_leaves_out_its_own_annotation_and_keeps_others() -> None:
    manifest = {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c", "namespace": "team",
                             "annotations": {LAST_APPLIED: "old", "note": "a<b & c>d"}},
                "data": {"ratio": 0.5, "count": 2.0}}
    assert last_applied_json(manifest, "default") == (
        '{"apiVersion":"v1","data":{"count":2,"ratio":0.5},"kind":"ConfigMap","metadata":'
        '{"annotations":{"note":"a\\u003cb \\u0026 c\\u003ed"},"name":"c","namespace":"team"}}\n')


def test_go_json_numbers_and_text() -> None:
    assert go_json({"b": 1e-7, "a": 1e21, "c": "é\n\u2028"}) == \
        '{"a":1e+21,"b":1e-7,"c":"é\\n\\u2028"}'


def test_with_last_applied_adds_the_annotation() -> None:
    manifest = load("deployment.yaml")
    obj = with_last_applied(manifest, "default")
    assert obj["metadata"]["annotations"] == {
        LAST_APPLIED: last_applied_json(manifest, "default")}
    assert "annotations" not in manifest["metadata"]


# --------------------------------------------------------------------------- outcomes

def test_example_sequence_update_then_scale() -> None:
    live = create(load("deployment.yaml"))
    assert apply(live, load("deployment.yaml")).outcome == "unchanged"

    updated = apply(live, load("deployment-update.yaml"))
    assert updated.outcome == "configured"
    assert not updated.missing_annotation
    assert container(updated.obj, "nginx")["image"] == "nginx:1.16.1"
    assert container(updated.obj, "nginx")["imagePullPolicy"] == "IfNotPresent"
    assert updated.obj["spec"]["replicas"] == 2
    assert updated.obj["status"] == live["status"]
    assert updated.patch["spec"]["template"]["spec"]["containers"] == [
        {"image": "nginx:1.16.1", "name": "nginx"}]

    scaled = apply(updated.obj, load("deployment-scale.yaml"))
    assert scaled.outcome == "configured"
    assert scaled.obj["spec"]["replicas"] == 4
    assert container(scaled.obj, "nginx")["image"] == "nginx:1.16.1"
    assert scaled.obj["metadata"]["annotations"][LAST_APPLIED] == last_applied_json(
        load("deployment-scale.yaml"), "default")
    assert apply(scaled.obj, load("deployment-scale.yaml")).outcome == "unchanged"


def test_removed_port_and_env_var_are_deleted() -> None:
    live = create(web())
    result = apply(live, web(ports=[{"containerPort": 80}], env=[{"name": "MODE",
                                                                 "value": "prod"}]))
    assert result.outcome == "configured"
    assert container(result.obj)["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert container(result.obj)["env"] == [{"name": "MODE", "value": "prod"}]


def test_container_added_by_another_actor_survives() -> None:
    live = create(web())
    live["spec"]["template"]["spec"]["containers"].append(
        {"name": "istio-proxy", "image": "proxy:1"})
    result = apply(live, web(image="nginx:1.26"))
    assert container(result.obj)["image"] == "nginx:1.26"
    assert container(result.obj, "istio-proxy")["image"] == "proxy:1"


def test_container_removed_from_the_file_is_deleted() -> None:
    two = web()
    two["spec"]["template"]["spec"]["containers"].append({"name": "log", "image": "busybox"})
    live = create(two)
    result = apply(live, web())
    assert [c["name"] for c in result.obj["spec"]["template"]["spec"]["containers"]] == ["web"]
    assert {"name": "log", "$patch": "delete"} in \
        result.patch["spec"]["template"]["spec"]["containers"]


def test_labels_added_by_kubectl_label_survive() -> None:
    live = create(web())
    live["metadata"]["labels"] = {"team": "blue"}
    result = apply(live, web(image="nginx:1.26"))
    assert result.obj["metadata"]["labels"] == {"team": "blue"}
    assert apply(live, web()).outcome == "unchanged"


def test_label_removed_from_the_file_is_deleted_others_kept() -> None:
    labelled = web()
    labelled["metadata"]["labels"] = {"app": "web", "tier": "front"}
    live = create(labelled)
    live["metadata"]["labels"]["team"] = "blue"
    labelled["metadata"]["labels"] = {"app": "web"}
    assert apply(live, labelled).obj["metadata"]["labels"] == {"app": "web", "team": "blue"}


def test_replicas_removed_from_the_file_are_deleted_then_defaulted() -> None:
    live = create(web())
    manifest = web()
    del manifest["spec"]["replicas"]
    result = three_way_apply(live, manifest, "apps/v1", "Deployment", namespace="default")
    assert result.patch["spec"]["replicas"] is None
    assert "replicas" not in result.obj["spec"]
    apply_defaults(result.obj)
    assert result.obj["spec"]["replicas"] == 1


def test_replicas_set_by_kubectl_scale_survive_when_never_in_the_file() -> None:
    manifest = web()
    del manifest["spec"]["replicas"]
    live = create(manifest)
    live["spec"]["replicas"] = 5
    result = apply(live, manifest)
    assert result.outcome == "unchanged"
    assert result.obj["spec"]["replicas"] == 5


def test_switch_to_recreate_drops_rolling_update() -> None:
    live = create(web())
    assert live["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": "25%",
                                                         "maxUnavailable": "25%"}
    manifest = web()
    manifest["spec"]["strategy"] = {"type": "Recreate"}
    result = apply(live, manifest)
    assert result.obj["spec"]["strategy"] == {"type": "Recreate"}
    assert result.patch["spec"]["strategy"] == {"$retainKeys": ["type"], "type": "Recreate"}
    assert apply(result.obj, manifest).outcome == "unchanged"


def test_rolling_update_type_alone_is_reapplied_every_time_like_kubectl() -> None:
    # The file names the strategy type but not rollingUpdate, which the server defaults.
    # kubectl's three-way diff then always carries `$retainKeys: [type]` (the live map has a
    # key the file lacks), so real kubectl reports `configured` on every apply; the server
    # drops rollingUpdate and defaulting puts it back.
    manifest = web()
    manifest["spec"]["strategy"] = {"type": "RollingUpdate"}
    live = create(manifest)
    result = apply(live, manifest)
    assert result.patch == {"spec": {"strategy": {"$retainKeys": ["type"]}}}
    assert result.outcome == "configured"
    assert result.obj["spec"]["strategy"] == live["spec"]["strategy"]


def test_service_port_removed_from_the_file_is_deleted() -> None:
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
           "spec": {"selector": {"app": "web"},
                    "ports": [{"name": "http", "port": 80, "targetPort": 8080},
                              {"name": "https", "port": 443, "targetPort": 8443}]}}
    live = create(svc)
    live["spec"]["clusterIP"] = "10.96.12.7"
    smaller = copy.deepcopy(svc)
    smaller["spec"]["ports"] = [{"name": "http", "port": 80, "targetPort": 9090}]
    result = apply(live, smaller)
    assert [(p["port"], p["targetPort"]) for p in result.obj["spec"]["ports"]] == [(80, 9090)]
    assert result.obj["spec"]["clusterIP"] == "10.96.12.7"


def test_missing_annotation_is_reported_and_written() -> None:
    live = create(web())
    del live["metadata"]["annotations"]
    result = apply(live, web())
    assert result.missing_annotation
    assert result.outcome == "configured"
    assert result.obj["metadata"]["annotations"][LAST_APPLIED] == last_applied_json(
        web(), "default")
    assert container(result.obj)["imagePullPolicy"] == "IfNotPresent"


def test_server_owned_metadata_is_never_deleted() -> None:
    manifest = web()
    manifest["metadata"]["uid"] = "0f6b0d4a-1111-2222-3333-444455556666"
    manifest["metadata"]["generation"] = 1
    live = create(manifest)
    result = apply(live, web(image="nginx:1.26"))
    for key in ("uid", "generation", "resourceVersion", "creationTimestamp"):
        assert result.obj["metadata"][key] == live["metadata"][key]


def test_custom_kind_uses_json_merge_semantics() -> None:
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
              "spec": {"parts": [{"name": "a"}, {"name": "b"}], "size": 1}}
    live = copy.deepcopy(with_last_applied(widget, "default"))
    live["spec"]["colour"] = "red"
    changed = copy.deepcopy(widget)
    changed["spec"]["parts"] = [{"name": "b", "extra": True}]
    del changed["spec"]["size"]
    result = three_way_apply(live, changed, "example.com/v1", "Widget", namespace="default")
    assert result.patch_type == "merge"
    assert result.obj["spec"] == {"parts": [{"name": "b", "extra": True}], "colour": "red"}
    again = three_way_apply(result.obj, changed, "example.com/v1", "Widget",
                            namespace="default")
    assert again.outcome == "unchanged"


def test_inputs_are_not_mutated() -> None:
    live = create(web())
    manifest = web(image="nginx:1.26")
    snapshot = copy.deepcopy((live, manifest))
    three_way_apply(live, manifest, "apps/v1", "Deployment", namespace="default")
    assert (live, manifest) == snapshot


def test_corrupt_annotation_is_an_error() -> None:
    from playground.engine.api.patch import PatchError

    live = create(web())
    live["metadata"]["annotations"][LAST_APPLIED] = "{not json"
    with pytest.raises(PatchError, match="invalid JSON document"):
        apply(live, web())


# --------------------------------------------------------------------------- properties

names = st.sampled_from(["web", "log", "proxy"])
env_lists = st.lists(st.fixed_dictionaries({"name": st.sampled_from(["A", "B", "C"]),
                                            "value": st.sampled_from(["1", "2"])}),
                     max_size=3, unique_by=lambda e: e["name"])
containers = st.lists(
    st.fixed_dictionaries({"name": names, "image": st.sampled_from(["nginx:1.25", "busybox"])},
                          optional={"env": env_lists,
                                    "ports": st.lists(st.fixed_dictionaries(
                                        {"containerPort": st.sampled_from([80, 443, 8080])}),
                                        max_size=2, unique_by=lambda p: p["containerPort"]),
                                    "args": st.lists(st.text("ab", max_size=2), max_size=2)}),
    min_size=1, max_size=3, unique_by=lambda c: c["name"])
manifests = st.builds(
    lambda cs, replicas, labels, strategy: {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", **({"labels": labels} if labels else {})},
        "spec": {**({"replicas": replicas} if replicas is not None else {}),
                 **({"strategy": strategy} if strategy else {}),
                 "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": cs}}}},
    containers, st.one_of(st.none(), st.integers(0, 5)),
    st.dictionaries(st.sampled_from(["a", "b"]), st.sampled_from(["x", "y"]), max_size=2),
    st.sampled_from([None, {"type": "Recreate"},
                     {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}]))


@settings(max_examples=60, deadline=None)
@given(manifests, manifests)
def test_applying_the_same_manifest_twice_is_unchanged(first: dict[str, Any],
                                                       second: dict[str, Any]) -> None:
    live = create(first)
    once = apply(live, second)
    twice = apply(once.obj, second)
    assert twice.outcome == "unchanged", json.dumps(twice.patch)
    # what the file says is what the cluster has
    for wanted in second["spec"]["template"]["spec"]["containers"]:
        got = container(once.obj, wanted["name"])
        assert got["image"] == wanted["image"]
        if "env" in wanted:
            assert got["env"] == wanted["env"]
        if "args" in wanted:
            assert got["args"] == wanted["args"]
    first_names = {c["name"] for c in first["spec"]["template"]["spec"]["containers"]}
    second_names = {c["name"] for c in second["spec"]["template"]["spec"]["containers"]}
    assert first_names  # containers the old file had and the new one lacks are deleted
    assert {c["name"] for c in once.obj["spec"]["template"]["spec"]["containers"]} == \
        second_names
