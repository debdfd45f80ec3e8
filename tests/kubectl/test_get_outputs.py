"""`kubectl get` output formats beyond tables: jsonpath, custom columns, sorting, watching,
and the jsonpath/sorting/custom-columns modules on their own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from playground.engine.cluster import Cluster
from playground.kubectl.context import Result
from playground.kubectl.custom_columns import CustomColumnsError, parse_spec, render
from playground.kubectl.jsonpath import JSONPathError, compile_template, relaxed
from playground.kubectl.main import run
from playground.kubectl.sorting import SortError, natural_less, sort_objects

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
"""

DATA: dict[str, Any] = {
    "kind": "List",
    "items": [
        {"metadata": {"name": "a", "labels": {"app": "web"},
                      "annotations": {"kubectl.kubernetes.io/x": "y"}},
         "status": {"n": 2, "conditions": [{"type": "Ready", "status": "True"},
                                           {"type": "Other", "status": "False"}]}},
        {"metadata": {"name": "b"}, "status": {"n": 10}},
    ],
}


def kubectl(cluster: Cluster, *argv: str, stdin: str | None = None) -> Result:
    result = run(cluster, list(argv), stdin=stdin)
    cluster.settle()
    return result


@pytest.fixture
def web(cluster: Cluster) -> Cluster:
    assert kubectl(cluster, "apply", "-f", "-", stdin=WEB).exit_code == 0
    cluster.advance(30)
    return cluster


@pytest.mark.parametrize(("template", "expected"), [
    ("{.items[*].metadata.name}", "a b"),
    ('{range .items[*]}{.metadata.name}{"\\t"}{.status.n}{"\\n"}{end}', "a\t2\nb\t10\n"),
    ("{.items[0].metadata.annotations.kubectl\\.kubernetes\\.io/x}", "y"),
    ("{.items[0].metadata.annotations['kubectl.kubernetes.io/x']}", "y"),
    ('{.items[0].status.conditions[?(@.type=="Ready")].status}', "True"),
    ("{.items[?(@.status.n>5)].metadata.name}", "b"),
    ("{.items[?(@.metadata.labels)].metadata.name}", "a"),
    ("{.items[-1:].metadata.name}", "b"),
    ("{.items[-1].metadata.name}", "b"),
    ("{.items[0:2:2].metadata.name}", "a"),
    ("{.items[0].metadata.labels}", '{"app":"web"}'),
    ("kind is {.kind}", "kind is List"),
    ("{.items[*].missing}", ""),
    ("{.items[0].status.conditions[*].type}", "Ready Other"),
    ("{@.kind}{$.kind}", "ListList"),
    ("{..n}", "2 10"),
    ("{.items[0,1].metadata.name}", "a b"),
])
def test_jsonpath_templates(template: str, expected: str) -> None:
    assert compile_template(template).execute(DATA) == expected


@pytest.mark.parametrize(("template", "message"), [
    ("{.items[5]}", "array index out of bounds: index 5, length 2"),
    ("{.kind[0]}", "string is not array or slice"),
    ("{end}", "not in range, nothing to end"),
    ("{metadata}", "unrecognized identifier metadata"),
])
def test_jsonpath_execution_errors(template: str, message: str) -> None:
    with pytest.raises(JSONPathError, match=message):
        compile_template(template).execute(DATA)


@pytest.mark.parametrize("template", ["{.items[", "{.items[0]", "{.items[x]}"])
def test_jsonpath_parse_errors(template: str) -> None:
    with pytest.raises(JSONPathError):
        compile_template(template)


def test_jsonpath_strict_keys_and_json_output() -> None:
    with pytest.raises(JSONPathError, match="missing is not found"):
        compile_template("{.missing}").execute(DATA, allow_missing=False)
    assert compile_template("{.items[*].metadata.name}").execute(DATA, as_json=True) == \
        '[\n    "a",\n    "b"\n]\n'


@pytest.mark.parametrize(("spec", "expected"), [
    (".metadata.name", "{.metadata.name}"), ("metadata.name", "{.metadata.name}"),
    ("{.status.n}", "{.status.n}"), ("{status.n}", "{.status.n}"),
])
def test_relaxed_paths(spec: str, expected: str) -> None:
    assert relaxed(spec) == expected


def test_custom_columns_module() -> None:
    columns = parse_spec("NAME:.metadata.name,N:{.status.n},CONDS:.status.conditions[*].type")
    assert render(columns, DATA["items"]) == (
        "NAME   N     CONDS\n"
        "a      2     Ready,Other\n"
        "b      10    <none>\n")
    assert render(columns, [], no_headers=True) == ""
    with pytest.raises(CustomColumnsError, match="expected <header>:<json-path-expr>"):
        parse_spec("NAME")


def test_sorting_rules() -> None:
    objs: list[dict[str, Any]] = [{"n": "web-10", "q": "1Gi", "i": 3}, {"n": "web-2", "q": "500Mi", "i": 20},
            {"x": 1}]
    assert [o.get("n") for o in sort_objects(objs, ".n")] == [None, "web-2", "web-10"]
    assert [o.get("q") for o in sort_objects(objs, "{.q}")] == [None, "500Mi", "1Gi"]
    assert [o.get("i") for o in sort_objects(objs, "i")] == [None, 3, 20]
    assert natural_less("a2", "a10") and not natural_less("a10", "a2")
    with pytest.raises(SortError, match='couldn\'t find any field with path "{.nope}"'):
        sort_objects(objs, ".nope")


def test_get_jsonpath_on_a_live_cluster(web: Cluster) -> None:
    result = kubectl(web, "get", "deploy", "-o", "jsonpath={.items[*].metadata.name}")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "web", "")
    single = kubectl(web, "get", "deploy", "web", "-o=jsonpath='{.spec.replicas}'")
    assert single.stdout == "2"
    as_json = kubectl(web, "get", "deploy", "web", "-o", "jsonpath-as-json={.metadata.name}")
    assert json.loads(as_json.stdout) == ["web"]
    pods = kubectl(web, "get", "pods", "-o",
                   'jsonpath={range .items[*]}{.status.phase}{"\\n"}{end}')
    assert pods.stdout == "Running\nRunning\n"


def test_get_jsonpath_errors(web: Cluster) -> None:
    out_of_range = kubectl(web, "get", "pods", "-o", "jsonpath={.items[7]}")
    assert out_of_range.exit_code == 1
    assert out_of_range.stderr.startswith(
        'error: error executing jsonpath "{.items[7]}": Error executing template: array index '
        "out of bounds: index 7, length 2.")
    empty = kubectl(web, "get", "pods", "-o", "jsonpath")
    assert empty.stderr == "error: template format specified but no template given\n"
    bad = kubectl(web, "get", "pods", "-o", "jsonpath={.items[")
    assert bad.exit_code == 1 and bad.stderr.startswith("error: error parsing jsonpath {.items[")


def test_get_custom_columns_and_sort(web: Cluster) -> None:
    result = kubectl(web, "get", "pods", "-o",
                     "custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image",
                     "--sort-by=.metadata.name")
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "IMAGE"]
    names = [line.split()[0] for line in lines[1:]]
    assert names == sorted(names) and len(names) == 2
    assert all(line.split()[1] == "nginx:1.27" for line in lines[1:])
    no_headers = kubectl(web, "get", "deploy", "-o", "custom-columns=N:.metadata.name",
                         "--no-headers")
    assert no_headers.stdout == "web\n"
    nothing = kubectl(web, "get", "svc", "-l", "app=none", "-o", "custom-columns=N:metadata.name")
    assert (nothing.stdout, nothing.stderr) == ("N\n", "")


def test_custom_columns_file(web: Cluster, tmp_path: Path) -> None:
    spec = tmp_path / "cols.txt"
    spec.write_text("NAME          REPLICAS\n.metadata.name   .spec.replicas\n")
    result = kubectl(web, "get", "deploy", f"-o=custom-columns-file={spec}")
    assert result.stdout == "NAME   REPLICAS\nweb    2\n"


def test_sort_by_creation_timestamp_and_missing_field(web: Cluster) -> None:
    kubectl(web, "create", "-f", "-",
            stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: zz}\n")
    web.advance(5)
    kubectl(web, "create", "-f", "-",
            stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aa}\n")
    by_time = kubectl(web, "get", "cm", "zz", "aa", "--sort-by=.metadata.creationTimestamp",
                      "-o", "name")
    assert by_time.stdout == "configmap/zz\nconfigmap/aa\n"
    missing = kubectl(web, "get", "cm", "--sort-by={.status.nothing}")
    assert missing.exit_code == 1
    assert "couldn't find any field with path \"{.status.nothing}\"" in missing.stderr


def test_go_template_is_refused_plainly(web: Cluster) -> None:
    result = kubectl(web, "get", "pods", "-o", "go-template={{.kind}}")
    assert result.exit_code == 1
    assert "not supported in the playground" in result.stderr


def test_unknown_output_format(web: Cluster) -> None:
    result = kubectl(web, "get", "pods", "-o", "xml")
    assert result.stderr.startswith('error: unable to match a printer suitable for the output '
                                     'format "xml", allowed formats are: custom-columns,')


def test_several_names_some_missing(web: Cluster) -> None:
    result = kubectl(web, "get", "deploy", "web", "nosuch", "-o", "name")
    assert (result.exit_code, result.stdout) == (1, "deployment.apps/web\n")
    assert result.stderr == 'Error from server (NotFound): deployments.apps "nosuch" not found\n'


def test_labels_columns_and_wide(web: Cluster) -> None:
    shown = kubectl(web, "get", "deploy", "--show-labels").stdout.splitlines()
    assert shown[0].split()[-1] == "LABELS" and shown[1].split()[-1] == "app=web"
    columns = kubectl(web, "get", "deploy", "-L", "app,tier").stdout.splitlines()
    assert columns[0].split()[-2:] == ["APP", "TIER"]
    wide = kubectl(web, "get", "deploy", "-o", "wide").stdout.splitlines()
    assert wide[0].split()[-3:] == ["CONTAINERS", "IMAGES", "SELECTOR"]


def test_watch_prints_the_table_then_changed_rows(cluster: Cluster) -> None:
    assert kubectl(cluster, "apply", "-f", "-", stdin=WEB).exit_code == 0
    before = cluster.now
    result = kubectl(cluster, "get", "pods", "-w")
    assert cluster.now == before + 60
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert sum(1 for line in lines if line.startswith("NAME")) == 1
    assert any("Running" in line for line in lines[3:])
    header_status = lines[0].index("STATUS")
    assert all(line[header_status - 1] == " " for line in lines[1:])
    assert result.exit_code == 0


def test_watch_only_with_a_timeout(cluster: Cluster) -> None:
    before = cluster.now
    kubectl(cluster, "apply", "-f", "-", stdin=WEB)
    result = kubectl(cluster, "get", "deploy", "--watch-only", "--request-timeout=10s")
    assert cluster.now == before + 10
    lines = result.stdout.splitlines()
    assert lines[0].startswith("NAME") and all(line.startswith("web") for line in lines[1:])
    several = kubectl(cluster, "get", "deploy,svc", "-w")
    assert several.exit_code == 1 and "more than 1 resource was found" in several.stderr
