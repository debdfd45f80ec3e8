"""Strict decoding: unknown fields and Go type errors, worded as the API server words them."""

from __future__ import annotations

import copy
import glob
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.engine.api.strict import decode_errors, quantity_error, strict_decoding_message

CONFORMANCE = str(Path(__file__).resolve().parents[2].parent / "shared/conformance")


def deployment(**spec_extra: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25",
                                         "ports": [{"containerPort": 80}]}]},
            },
        },
    }
    obj["spec"].update(spec_extra)
    return obj


def container(obj: dict[str, Any]) -> dict[str, Any]:
    return obj["spec"]["template"]["spec"]["containers"][0]


def test_clean_deployment_has_no_errors() -> None:
    assert decode_errors(deployment()) == []


def test_unknown_fields_use_full_paths_with_indices() -> None:
    obj = deployment(replica=3)
    container(obj)["imagePullPolcy"] = "Always"
    assert decode_errors(obj) == [
        'unknown field "spec.replica"',
        'unknown field "spec.template.spec.containers[0].imagePullPolcy"',
    ]


def test_unknown_fields_come_in_sorted_key_order() -> None:
    obj = deployment(zzz=1)
    obj["metadata"]["lables"] = {"a": "b"}
    assert decode_errors(obj) == ['unknown field "metadata.lables"', 'unknown field "spec.zzz"']


def test_field_names_are_case_sensitive() -> None:
    assert decode_errors(deployment(Replicas=3)) == ['unknown field "spec.Replicas"']


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda o: o["spec"].update(replicas="3"),
     "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"),
    (lambda o: o["spec"].update(replicas=1.5),
     ("json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type "
     "int32")),
    (lambda o: o["spec"].update(replicas=3_000_000_000),
     ("json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas "
     "of type int32")),
    (lambda o: o["metadata"]["labels"].update(tier=1),
     "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"),
    (lambda o: container(o)["ports"][0].update(containerPort="80"),
     ("json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec."
     "containers.ports.containerPort of type int32")),
    (lambda o: container(o).update(command="sleep 10"),
     ("json: cannot unmarshal string into Go struct field Container.spec.template.spec.containers."
     "command of type []string")),
    (lambda o: o["spec"]["template"]["spec"].update(containers=["nginx"]),
     ("json: cannot unmarshal string into Go struct field PodSpec.spec.template.spec.containers of "
     "type v1.Container")),
    (lambda o: o["spec"]["template"]["spec"].update(restartPolicy=1),
     ("json: cannot unmarshal number into Go struct field PodSpec.spec.template.spec.restartPolicy "
     "of type v1.RestartPolicy")),
    (lambda o: o.update(spec="web"),
     "json: cannot unmarshal string into Go struct field Deployment.spec of type v1.DeploymentSpec"),
    (lambda o: o["spec"].update(paused="yes"),
     "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool"),
    (lambda o: o["spec"]["selector"].update(matchLabels=["app"]),
     ("json: cannot unmarshal array into Go struct field LabelSelector.spec.selector.matchLabels of "
     "type map[string]string")),
])
def test_type_errors(mutate: Any, message: str) -> None:
    obj = deployment()
    mutate(obj)
    assert decode_errors(obj) == [message]


def test_type_error_hides_unknown_fields() -> None:
    obj = deployment(replica=3, replicas="3")
    assert decode_errors(obj) == [
        ("json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type "
        "int32")]


def test_int_or_string_accepts_both() -> None:
    obj = deployment(strategy={"rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}})
    assert decode_errors(obj) == []


def test_int_or_string_rejects_bool_without_context() -> None:
    obj = deployment(strategy={"rollingUpdate": {"maxSurge": True}})
    assert decode_errors(obj) == ["json: cannot unmarshal bool into Go value of type int32"]


@pytest.mark.parametrize("amount", ["500m", "1", 1, 0.5, "1Gi", "128Mi", "1e3"])
def test_quantities_accept_strings_and_numbers(amount: object) -> None:
    obj = deployment()
    container(obj)["resources"] = {"limits": {"cpu": amount}}
    assert decode_errors(obj) == []


def test_bad_quantity_stops_decoding_with_the_parser_message() -> None:
    obj = deployment(replica=3)
    container(obj)["resources"] = {"requests": {"memory": "1GB"}}
    assert decode_errors(obj) == [
        ("quantities must match the regular expression "
        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]


@pytest.mark.parametrize(("text", "message"), [
    ("1K", "unable to parse quantity's suffix"),
    ("abc", ("quantities must match the regular expression "
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")),
    ("", ("quantities must match the regular expression "
         "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")),
    ("250m", None),
    ("2Gi", None),
])
def test_quantity_error(text: str, message: str | None) -> None:
    assert quantity_error(text) == message


def test_secret_data_must_be_base64() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
              "data": {"password": "not base64!"}}
    assert decode_errors(secret) == ["illegal base64 data at input byte 3"]


def test_free_form_and_status_fields_are_known() -> None:
    obj = deployment()
    obj["status"] = {"replicas": 2}
    obj["metadata"]["annotations"] = {"a": "b"}
    assert decode_errors(obj) == []


def test_unknown_kind_or_version_is_not_this_modules_business() -> None:
    assert decode_errors({"apiVersion": "batch/v1beta1", "kind": "CronJob", "x": 1}) == []


def test_strict_message_joins_unknown_fields() -> None:
    errors = ['unknown field "spec.replica"', 'unknown field "spec.foo"']
    assert strict_decoding_message("Deployment", errors, "apps/v1") == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "spec.replica", unknown field "spec.foo"')


def test_type_errors_carry_no_strict_prefix() -> None:
    message = strict_decoding_message(
        "Pod", [("json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of "
                "type string")])
    assert message == ('Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal '
                       "number into Go struct field ObjectMeta.metadata.labels of type string")


def _documents() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(glob.glob(f"{CONFORMANCE}/k8s-examples*/**/*.yaml", recursive=True)):
        with open(path, encoding="utf-8") as handle:
            found += [(path, doc) for doc in yaml.safe_load_all(handle) if doc]
    return found


@pytest.mark.parametrize(("path", "doc"), _documents(),
                         ids=lambda value: value if isinstance(value, str) else "")
def test_conformance_manifests_decode_cleanly(path: str, doc: dict[str, Any]) -> None:
    assert decode_errors(doc) == []


def test_decoding_does_not_change_the_object() -> None:
    obj = deployment(replica=1)
    before = copy.deepcopy(obj)
    decode_errors(obj)
    assert obj == before


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["spec", "metadata", "template", "containers", "name", "replicas",
                         "labels", "ports", "resources", "limits", "cpu", "x"]) | st.text(max_size=5),
        inner, max_size=4),
    max_leaves=25)


@settings(max_examples=200, deadline=None)
@given(body=st.dictionaries(st.sampled_from(["spec", "metadata", "status", "foo"]), _json,
                            max_size=4),
       target=st.sampled_from([("apps/v1", "Deployment"), ("v1", "Pod"), ("v1", "Service"),
                               ("batch/v1", "CronJob"), ("v1", "Secret"), ("v1", "ConfigMap")]))
def test_decode_errors_never_raises(body: dict[str, Any], target: tuple[str, str]) -> None:
    obj = {"apiVersion": target[0], "kind": target[1], **body}
    result = decode_errors(obj)
    assert isinstance(result, list)
    assert all(isinstance(message, str) and message for message in result)
