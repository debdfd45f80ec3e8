"""kubectl verbs through `playground.kubectl.main.run`: flag spellings, targets, output
formats, selectors and exit codes."""

from __future__ import annotations

import json

import pytest
import yaml

from playground.engine.cluster import Cluster
from playground.kubectl.context import Result
from playground.kubectl.main import run

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
---
apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web}
spec:
  selector: {app: web}
  ports:
  - port: 80
"""


def kubectl(cluster: Cluster, line: str, stdin: str | None = None) -> Result:
    result = run(cluster, line.split(), stdin=stdin)
    cluster.settle()
    return result


@pytest.fixture
def web(cluster: Cluster) -> Cluster:
    result = kubectl(cluster, "kubectl apply -f -", stdin=WEB)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "deployment.apps/web created\nservice/web created\n"
    namespace = kubectl(cluster, "create -f -",
                        stdin="apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n")
    assert namespace.stdout == "namespace/team created\n"
    made = kubectl(cluster, "apply -n team -f -", stdin=WEB.split("---")[0])
    assert made.stdout == "deployment.apps/web created\n"
    return cluster


@pytest.mark.parametrize("line", [
    "get deploy -n=team -o name", "get deploy --namespace team -o name",
    "get deploy --namespace=team -oname", "-n team get deploy -o=name",
    "--namespace=team get -o name deploy", "get -nteam deployments.apps -o name",
    "k get deployment.v1.apps -n team -o name",
])
def test_namespace_and_output_flag_spellings(web: Cluster, line: str) -> None:
    result = kubectl(web, line)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "deployment.apps/web\n", "")


@pytest.mark.parametrize("flag", ["-oyaml", "-o=yaml", "--output=yaml", "-o yaml"])
def test_yaml_output_spellings(web: Cluster, flag: str) -> None:
    result = kubectl(web, f"get deploy web {flag}")
    assert result.exit_code == 0
    assert yaml.safe_load(result.stdout)["metadata"]["namespace"] == "default"


@pytest.mark.parametrize("flag", ["-ojson", "-o=json", "--output json"])
def test_json_output_spellings(web: Cluster, flag: str) -> None:
    result = kubectl(web, f"get svc web {flag}")
    assert result.stdout.startswith("{\n    \"apiVersion\": \"v1\",")
    assert json.loads(result.stdout)["spec"]["type"] == "ClusterIP"


def test_several_objects_come_as_a_list(web: Cluster) -> None:
    listing = yaml.safe_load(kubectl(web, "get deploy,svc -o yaml").stdout)
    assert listing["kind"] == "List"
    assert [(o["kind"], o["metadata"]["name"]) for o in listing["items"]] == [
        ("Deployment", "web"), ("Service", "kubernetes"), ("Service", "web")]


def test_get_several_types_prints_kind_prefixes(web: Cluster) -> None:
    out = kubectl(web, "get deploy,svc").stdout
    blocks = out.split("\n\n")
    assert len(blocks) == 2
    assert blocks[0].splitlines()[0].split()[0] == "NAME"
    assert blocks[0].splitlines()[1].startswith("deployment.apps/web ")
    assert [line.split()[0] for line in blocks[1].splitlines()[1:]] == [
        "service/kubernetes", "service/web"]


def test_get_all(web: Cluster) -> None:
    result = kubectl(web, "get all")
    assert result.exit_code == 0
    assert "service/kubernetes" in result.stdout
    assert "deployment.apps/web" in result.stdout
    assert "configmap" not in result.stdout  # not part of `all`


def test_output_name(web: Cluster) -> None:
    assert kubectl(web, "get svc -o name").stdout == "service/kubernetes\nservice/web\n"
    assert kubectl(web, "get nodes -o name").stdout.splitlines()[0] == "node/control-plane"


def test_label_selector(web: Cluster) -> None:
    assert kubectl(web, "get svc -l app=web -o name").stdout == "service/web\n"
    assert kubectl(web, "get svc -l app!=web -o name").stdout == "service/kubernetes\n"
    assert kubectl(web, "get svc --selector=app=web,tier=db -o name").stderr == \
        "No resources found in default namespace.\n"
    assert kubectl(web, "get deploy -A -l app=web -o name").stdout == \
        "deployment.apps/web\ndeployment.apps/web\n"
    bad = kubectl(web, "get svc -l app=(")
    assert bad.exit_code == 1 and "unable to parse requirement" in bad.stderr


def test_field_selector(web: Cluster) -> None:
    assert kubectl(web, "get svc --field-selector metadata.name=web -o name").stdout == \
        "service/web\n"
    assert kubectl(web, "get svc --field-selector=metadata.name!=web -o name").stdout == \
        "service/kubernetes\n"
    assert kubectl(web, "get deploy -A --field-selector metadata.namespace=team -o name"
                   ).stdout == "deployment.apps/web\n"
    bad = kubectl(web, "get svc --field-selector spec.type=ClusterIP")
    assert bad.exit_code == 1
    assert bad.stderr.startswith("Error from server (BadRequest): ")
    assert "field label not supported: spec.type" in bad.stderr


def test_resource_slash_name_and_missing_names(web: Cluster) -> None:
    result = kubectl(web, "get deploy/web svc/web svc/nope -o name")
    assert result.stdout == "deployment.apps/web\nservice/web\n"
    assert result.stderr == 'Error from server (NotFound): services "nope" not found\n'
    assert result.exit_code == 1
    assert kubectl(web, "get svc nope --ignore-not-found").exit_code == 0


def test_all_namespaces_table_has_a_namespace_column(web: Cluster) -> None:
    lines = kubectl(web, "get deploy -A").stdout.splitlines()
    assert lines[0].split()[:2] == ["NAMESPACE", "NAME"]
    assert [line.split()[:2] for line in lines[1:]] == [
        ["default", "web"], ["kube-system", "coredns"], ["team", "web"]]


def test_empty_results(cluster: Cluster) -> None:
    result = kubectl(cluster, "get pods")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "", "No resources found in default namespace.\n")
    assert kubectl(cluster, "get pods -n kube-public").stderr == \
        "No resources found in kube-public namespace.\n"
    # kube-system runs pods (CoreDNS, kube-proxy) but no Jobs
    assert kubectl(cluster, "get jobs -A").stderr == "No resources found\n"
    assert yaml.safe_load(kubectl(cluster, "get pods -o yaml").stdout)["items"] == []


@pytest.mark.parametrize(("line", "message"), [
    ("get", "error: Required resource not specified."),
    ("get pdos", 'error: the server doesn\'t have a resource type "pdos"'),
    ("get pods -o xml", 'unable to match a printer suitable for the output format "xml"'),
    ("get pods --bogus", "error: unknown flag: --bogus"),
    ("get pods -z", "error: unknown shorthand flag: 'z' in -z"),
    ("get pods -n", "error: flag needs an argument: 'n' in -n"),
    ("frobnicate", 'error: unknown command "frobnicate" for "kubectl"'),
    ("delete deploy", "error: resource(s) were provided, but no name was specified"),
    ("apply", "error: must specify one of -f and -k"),
])
def test_usage_errors_exit_1(cluster: Cluster, line: str, message: str) -> None:
    result = kubectl(cluster, line)
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stdout == ""


def test_version_and_help_exit_0(cluster: Cluster) -> None:
    assert kubectl(cluster, "version").stdout.startswith("Client Version: v1.37.0")
    assert kubectl(cluster, "--help").exit_code == 0
    assert kubectl(cluster, "get --help").exit_code == 0


def test_apply_outcomes_and_exit_codes(web: Cluster) -> None:
    again = kubectl(web, "apply -f -", stdin=WEB)
    assert again.stdout == "deployment.apps/web unchanged\nservice/web unchanged\n"
    changed = kubectl(web, "apply -f -", stdin=WEB.replace("replicas: 2", "replicas: 3"))
    assert changed.stdout == "deployment.apps/web configured\nservice/web unchanged\n"
    dry = kubectl(web, "apply --dry-run=client -f -", stdin=WEB.replace("replicas: 2",
                                                                         "replicas: 9"))
    assert dry.stdout.startswith("deployment.apps/web configured (dry run)")
    assert web.api.get("deployments.apps", "default", "web")["spec"]["replicas"] == 3
    mixed = kubectl(web, "apply -f -", stdin=WEB.replace("replicas: 2", "replica: 2"))
    assert mixed.exit_code == 1
    assert mixed.stdout == "service/web unchanged\n"
    assert 'error when patching "STDIN"' in mixed.stderr
    assert 'unknown field "spec.replica"' in mixed.stderr


def test_create_refuses_an_existing_object(web: Cluster) -> None:
    result = kubectl(web, "create -f -", stdin=WEB)
    assert result.exit_code == 1
    assert 'Error from server (AlreadyExists): error when creating "STDIN": ' \
           'deployments.apps "web" already exists' in result.stderr


def test_apply_of_an_unknown_kind(cluster: Cluster) -> None:
    result = kubectl(cluster, "apply -f -", stdin="apiVersion: example.com/v1\nkind: Widget\n"
                                                 "metadata:\n  name: w\n")
    assert result.exit_code == 1
    assert 'no matches for kind "Widget" in version "example.com/v1"' in result.stderr
    assert "ensure CRDs are installed first" in result.stderr


def test_apply_namespace_mismatch_is_refused(cluster: Cluster) -> None:
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: kube-system\n"
    result = kubectl(cluster, "apply -n default -f -", stdin=manifest)
    assert result.exit_code == 1
    assert 'the namespace from the provided object "kube-system" does not match the ' \
           'namespace "default"' in result.stderr


def test_delete_variants(web: Cluster) -> None:
    result = kubectl(web, "delete svc web")
    assert (result.exit_code, result.stdout) == (
        0, 'service "web" deleted from default namespace\n')
    result = kubectl(web, "delete -n team deployment/web")
    assert result.stdout == 'deployment.apps "web" deleted from team namespace\n'
    missing = kubectl(web, "delete svc web")
    assert missing.exit_code == 1
    assert missing.stderr == 'Error from server (NotFound): services "web" not found\n'
    assert kubectl(web, "delete svc web --ignore-not-found").exit_code == 0
    by_label = kubectl(web, "delete deploy -l app=web")
    assert by_label.stdout == 'deployment.apps "web" deleted from default namespace\n'
    nothing = kubectl(web, "delete deploy -l app=web")
    assert (nothing.exit_code, nothing.stderr) == (
        0, "No resources found in default namespace\n")
    node = kubectl(web, "delete node worker-2")
    assert node.stdout == 'node "worker-2" deleted\n'


def test_delete_from_a_file_and_dry_run(web: Cluster) -> None:
    dry = kubectl(web, "delete --dry-run=client -f -", stdin=WEB)
    assert dry.stdout.endswith(' deleted from default namespace (dry run)\n')
    assert web.store.get("services", "default", "web") is not None
    real = kubectl(web, "delete -f -", stdin=WEB)
    assert real.stdout == ('deployment.apps "web" deleted from default namespace\n'
                           'service "web" deleted from default namespace\n')
    assert web.store.get("services", "default", "web") is None


def test_delete_cascade_orphan_keeps_dependents(cluster: Cluster) -> None:
    owner = cluster.api.create({"apiVersion": "v1", "kind": "ConfigMap",
                                "metadata": {"name": "owner"}})
    cluster.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
        "name": "child", "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap",
                                              "name": "owner",
                                              "uid": owner["metadata"]["uid"]}]}})
    bad = kubectl(cluster, "delete cm owner --cascade=sideways")
    assert bad.exit_code == 1 and "invalid cascade value (sideways)" in bad.stderr
    assert kubectl(cluster, "delete cm owner --cascade=orphan").exit_code == 0
    child = cluster.store.get("configmaps", "default", "child")
    assert child is not None and "ownerReferences" not in child["metadata"]
