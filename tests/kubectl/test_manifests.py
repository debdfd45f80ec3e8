"""Manifest loading: what kubectl makes of YAML, KYAML and JSON, and its errors, with positions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.kubectl.manifests import (
    Manifest,
    ManifestError,
    load_manifests,
    read_sources,
    resolve_plain_scalar,
)

CONFORMANCE = (Path(__file__).resolve().parents[2].parent / "shared/conformance")
ALL_FILES = sorted(CONFORMANCE.glob("k8s-examples*/**/*.yaml"))


def _kinds_and_names(manifests: list[Manifest]) -> list[tuple[str, str]]:
    return [(m.object["kind"], m.object["metadata"]["name"]) for m in manifests]


@pytest.mark.parametrize("path", ALL_FILES, ids=[str(p.relative_to(CONFORMANCE)) for p in ALL_FILES])
def test_conformance_files_load(path: Path) -> None:
    manifests = load_manifests(path.read_text(), path.name)
    reference = [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
    assert _kinds_and_names(manifests) == [(d["kind"], d["metadata"]["name"]) for d in reference]
    assert [m.index for m in manifests] == list(range(len(manifests)))
    assert all(m.source == path.name for m in manifests)


@pytest.mark.parametrize(("relative", "expected"), [
    ("k8s-examples/application/web/web.yaml", [("Service", "nginx"), ("StatefulSet", "web")]),
    ("k8s-examples/application/nginx-app.yaml",
     [("Service", "my-nginx-svc"), ("Deployment", "my-nginx")]),
    ("k8s-examples/configmap/configmaps.yaml",
     [("ConfigMap", "special-config"), ("ConfigMap", "env-config")]),
    ("k8s-examples/controllers/job.yaml", [("Job", "pi")]),
    ("k8s-examples/service/networking/minimal-ingress.yaml", [("Ingress", "minimal-ingress")]),
])
def test_known_files(relative: str, expected: list[tuple[str, str]]) -> None:
    path = CONFORMANCE / relative
    assert _kinds_and_names(load_manifests(path.read_text(), relative)) == expected


def test_document_lines() -> None:
    text = (CONFORMANCE / "k8s-examples/application/web/web.yaml").read_text()
    manifests = load_manifests(text, "web.yaml")
    lines = text.splitlines()
    assert manifests[0].line == 2
    assert lines[manifests[1].line - 2] == "---"


@pytest.mark.parametrize("relative", [
    "application/deployment.yaml", "service/load-balancer-example.yaml",
    "service/networking/minimal-ingress.yaml",
])
def test_kyaml_and_block_twins_are_equal(relative: str) -> None:
    block = CONFORMANCE / "k8s-examples" / relative
    kyaml = CONFORMANCE / "k8s-examples-variants/kyaml" / relative
    assert kyaml.read_text().lstrip().startswith(("---", "{"))
    assert [m.object for m in load_manifests(block.read_text(), "a")] == \
        [m.object for m in load_manifests(kyaml.read_text(), "b")]


def test_empty_documents_are_skipped() -> None:
    text = "---\n---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
    manifests = load_manifests(text, "x.yaml")
    assert _kinds_and_names(manifests) == [("ConfigMap", "a")]
    assert manifests[0].line == 5
    assert load_manifests("", "x.yaml") == []


def test_json_list_is_expanded() -> None:
    text = ('{"apiVersion": "v1", "kind": "List", "items": ['
            '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}},'
            '{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "b"}}]}\n'
            '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "c"}}')
    manifests = load_manifests(text, "x.json")
    assert _kinds_and_names(manifests) == [("ConfigMap", "a"), ("Secret", "b"), ("Namespace", "c")]
    assert [m.line for m in manifests] == [1, 1, 2]


def test_kyaml_without_separator_falls_back_from_json() -> None:
    text = '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "a", }, }  # trailing\n'
    assert _kinds_and_names(load_manifests(text, "x.yaml")) == [("ConfigMap", "a")]


@pytest.mark.parametrize(("text", "value"), [
    ("yes", True), ("on", True), ("Off", False), ("y", True), ("true", True), ("~", None),
    ("null", None), ("0644", 420), ("0x1F", 31), ("0b101", 5), ("1_000", 1000), ("1e3", 1000),
    ("1.10", 1.1), ("1.0", 1), ("08", 8), ("-5", -5), ("2024-01-01", "2024-01-01"),
    ("1:20", "1:20"), ("12:30:00", "12:30:00"), ("nginx:1.25", "nginx:1.25"), ("-", "-"),
    ("0.5Gi", "0.5Gi"), ("500m", "500m"), (".5", 0.5),
])
def test_go_yaml_scalars(text: str, value: object) -> None:
    resolved = resolve_plain_scalar(text)
    assert resolved == value and type(resolved) is type(value)


def test_scalars_in_a_document() -> None:
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels:\n    enabled: yes\n"
            "data:\n  when: 2024-01-01\n  quoted: '0644'\n  mode: 0644\n  yes: 1\n")
    obj = load_manifests(text, "x.yaml")[0].object
    assert obj["metadata"]["labels"] == {"enabled": True}
    assert obj["data"] == {"when": "2024-01-01", "quoted": "0644", "mode": 420, "true": 1}


def test_anchors_give_independent_copies() -> None:
    text = "apiVersion: v1\nkind: A\np: &l {a: 1}\nq: *l\nr: {<<: *l, b: 2}\n"
    obj = load_manifests(text, "x.yaml")[0].object
    assert obj["q"] == {"a": 1} and obj["r"] == {"a": 1, "b": 2}
    obj["q"]["a"] = 2
    assert obj["p"] == {"a": 1}


PARSE = "error: error parsing web.yaml: error converting YAML to JSON: yaml: "
HINT = "; if you choose to ignore these errors, turn validation off with --validate=false"


@pytest.mark.parametrize(("text", "message", "line", "column"), [
    ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: app: web\n",
     PARSE + "line 5, column 14: mapping values are not allowed in this context", 5, 14),
    ("apiVersion: v1\nkind: Pod\nmetadata:\n\tname: a\n",
     PARSE + "line 4, column 1: found character that cannot start any token", 4, 1),
    ("apiVersion: v1\nkind: Pod\nmetadata:\n    name: a\n  labels: {}\n",
     PARSE + "line 5, column 3: did not find expected key", 5, 3),
    ("---\n{\n  apiVersion: \"v1\",\n  kind: \"Pod\",\n  spec: {containers: [\n",
     PARSE + "line 6, column 1: did not find expected node content (the flow sequence '[' "
     "opened on line 5, column 22 is never closed)", 6, 1),
    ("---\n{\n  apiVersion: \"v1\", # {\n  kind: \"Pod\",\n",
     PARSE + "line 5, column 1: did not find expected node content (the flow mapping '{' "
     "opened on line 2, column 1 is never closed)", 5, 1),
    ("---\n{\n  apiVersion: \"v1\",\n  kind: \"Pod\"\n  metadata: {name: a}\n}\n",
     PARSE + "line 5, column 3: did not find expected ',' or '}'", 5, 3),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: 1\n  y: 2\n  x: 3\n",
     ("error: error parsing web.yaml: error converting YAML to JSON: yaml: unmarshal errors:\n"
      '  line 8: key "x" already set in map'), 8, 3),
    ("apiVersion: v1\nkind: Pod\nspec: *missing\n",
     PARSE + "line 3, column 7: unknown anchor 'missing' referenced", 3, 7),
    ("- apiVersion: v1\n  kind: Pod\n",
     'error: error validating "web.yaml": error validating data: invalid object to validate'
     + HINT, 1, None),
    ("just text\n",
     'error: error validating "web.yaml": error validating data: invalid object to validate'
     + HINT, 1, None),
    ("metadata:\n  name: a\n",
     'error: error validating "web.yaml": error validating data: [apiVersion not set, '
     "kind not set]" + HINT, 1, None),
    ("apiVersion: v1\nkind: Pod\n---\n\nkind: Pod\n",
     'error: error validating "web.yaml": error validating data: apiVersion not set' + HINT,
     5, None),
])
def test_errors(text: str, message: str, line: int, column: int | None) -> None:
    with pytest.raises(ManifestError) as caught:
        load_manifests(text, "web.yaml")
    error = caught.value
    assert str(error) == message
    assert error.message == message.removeprefix("error: ")
    assert (error.source, error.line, error.column) == ("web.yaml", line, column)


def test_read_sources_files_dirs_and_stdin(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")
    (tmp_path / "a.json").write_text('{"apiVersion": "v1", "kind": "ConfigMap", '
                                     '"metadata": {"name": "a"}}')
    (tmp_path / "notes.txt").write_text("not a manifest: [")
    nested = tmp_path / "nested"
    nested.mkdir()
    (nested / "c.yml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    flat = read_sources([str(tmp_path)], False, None)
    assert [m.object["metadata"]["name"] for m in flat] == ["a", "b"]
    assert flat[0].source == str(tmp_path / "a.json")
    deep = read_sources([str(tmp_path)], True, None)
    assert [m.object["metadata"]["name"] for m in deep] == ["a", "b", "c"]
    stdin = read_sources(["-"], False, "apiVersion: v1\nkind: Namespace\nmetadata: {name: d}\n")
    assert stdin[0].source == "STDIN"
    assert len(read_sources([str(CONFORMANCE / "k8s-examples")], True, None)) == 50


def test_read_sources_errors(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as missing:
        read_sources(["nosuch.yaml"], False, None)
    assert str(missing.value) == 'error: the path "nosuch.yaml" does not exist'
    (tmp_path / "readme.md").write_text("# nothing here")
    with pytest.raises(ManifestError) as empty:
        read_sources([str(tmp_path)], False, None)
    assert str(empty.value) == "error: no objects passed to apply"
    with pytest.raises(ManifestError) as empty_create:
        read_sources([str(tmp_path)], False, None, verb="create")
    assert str(empty_create.value) == "error: no objects passed to create"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:- \t\n{}[],#&*!|>'\"%@`?0123456789.~\\")),
               max_size=80))
def test_arbitrary_text_only_raises_manifest_error(text: str) -> None:
    try:
        manifests = load_manifests(text, "fuzz.yaml")
    except ManifestError as error:
        assert str(error).startswith("error: ")
    else:
        assert all(isinstance(m.object, dict) for m in manifests)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_unicode_only_raises_manifest_error(text: str) -> None:
    try:
        load_manifests(text, "fuzz.yaml")
    except ManifestError:
        pass
