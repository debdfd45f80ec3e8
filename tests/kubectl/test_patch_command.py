"""kubectl patch: the three patch types, no-op patches, dry runs, subresources and refusals."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from playground.engine.cluster import Cluster
from playground.kubectl.commands import patch as patch_command
from playground.kubectl.context import Result
from playground.kubectl.main import run


def k(cluster: Cluster, line: str) -> Result:
    result = run(cluster, shlex.split(line))
    cluster.settle()
    return result


@pytest.fixture
def web(cluster: Cluster) -> Cluster:
    k(cluster, "create deployment web --image=nginx:1.27 --replicas=2")
    cluster.advance(30)
    return cluster


def replicas(cluster: Cluster) -> int:
    return int(cluster.api.get("deployments.apps", "default", "web")["spec"]["replicas"])


@pytest.mark.parametrize("line", [
    """patch deployment web -p '{"spec":{"replicas":3}}'""",
    """patch deploy/web -p 'spec: {replicas: 3}'""",
    """patch deployment web --type merge -p '{"spec":{"replicas":3}}'""",
    """patch deployment web --type=json -p '[{"op":"replace","path":"/spec/replicas","value":3}]'""",
])
def test_each_patch_type_changes_the_object(web: Cluster, line: str) -> None:
    result = k(web, line)
    assert (result.stdout, result.stderr, result.exit_code) == \
        ("deployment.apps/web patched\n", "", 0)
    assert replicas(web) == 3
    web.advance(30)
    assert len(web.api.list("pods", "default")) == 3


def test_a_patch_that_changes_nothing_says_so(web: Cluster) -> None:
    rv = web.api.get("deployments.apps", "default", "web")["metadata"]["resourceVersion"]
    result = k(web, """patch deployment web -p '{"spec":{"replicas":2}}'""")
    assert result.stdout == "deployment.apps/web patched (no change)\n"
    assert web.api.get("deployments.apps", "default", "web")["metadata"]["resourceVersion"] == rv


def test_strategic_merge_adds_to_named_lists(web: Cluster) -> None:
    patch = {"spec": {"template": {"spec": {"tolerations": [
        {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]}}}}
    assert k(web, f"patch deployment web -p '{json.dumps(patch)}'").exit_code == 0
    containers = {"spec": {"template": {"spec": {"containers": [
        {"name": "nginx", "image": "nginx:1.28"}]}}}}
    assert k(web, f"patch deployment web -p '{json.dumps(containers)}'").exit_code == 0
    spec = web.api.get("deployments.apps", "default", "web")["spec"]["template"]["spec"]
    assert spec["tolerations"][0]["value"] == "gpu"
    assert [(c["name"], c["image"]) for c in spec["containers"]] == [("nginx", "nginx:1.28")]


def test_dry_runs_change_nothing(web: Cluster) -> None:
    server = k(web, """patch deployment web -p '{"spec":{"replicas":5}}' --dry-run=server""")
    client = k(web, """patch deployment web -p '{"spec":{"replicas":5}}' --dry-run=client -o yaml""")
    assert server.stdout == "deployment.apps/web patched\n"
    assert "replicas: 5" in client.stdout
    assert replicas(web) == 2


def test_output_name_and_json(web: Cluster) -> None:
    assert k(web, """patch deployment web -p '{"spec":{"replicas":3}}' -o name""").stdout == \
        "deployment.apps/web\n"
    out = k(web, """patch deployment web -p '{"spec":{"replicas":4}}' -o json""").stdout
    assert json.loads(out)["spec"]["replicas"] == 4


def test_scale_subresource(web: Cluster) -> None:
    result = k(web, """patch deployment web --subresource=scale --type merge """
                    """-p '{"spec":{"replicas":4}}'""")
    assert result.stdout == "scale.autoscaling/web patched\n"
    assert replicas(web) == 4
    refused = k(web, """patch configmap kube-root-ca.crt --subresource scale -p '{}'""")
    assert refused.stderr == ("Error from server (NotFound): the server could not find the "
                              "requested resource\n")


def test_status_subresource_writes_only_status(web: Cluster) -> None:
    result = k(web, """patch deployment web --subresource status --type merge """
                    """-p '{"status":{"observedGeneration":42},"spec":{"replicas":9}}'""")
    assert result.stdout == "deployment.apps/web patched\n"
    live = web.api.get("deployments.apps", "default", "web")
    assert live["spec"]["replicas"] == 2


def test_patch_file_and_filename(web: Cluster, tmp_path: Path) -> None:
    patch_file = tmp_path / "patch.yaml"
    patch_file.write_text("spec:\n  replicas: 3\n")
    assert k(web, f"patch deployment web --patch-file {patch_file}").stdout == \
        "deployment.apps/web patched\n"
    manifest = tmp_path / "web.yaml"
    manifest.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n")
    assert k(web, f"""patch -f {manifest} -p '{{"spec":{{"replicas":1}}}}'""").stdout == \
        "deployment.apps/web patched\n"
    assert replicas(web) == 1
    missing = k(web, f"patch deployment web --patch-file {tmp_path / 'nope.yaml'}")
    assert missing.stderr == (f"error: unable to read patch file: open {tmp_path / 'nope.yaml'}"
                              ": no such file or directory\n")


@pytest.mark.parametrize(("line", "stderr"), [
    ("""patch deployment nope -p '{"spec":{}}'""",
     'Error from server (NotFound): deployments.apps "nope" not found'),
    ("patch deployment web",
     "error: must specify --patch or --patch-file containing the contents of the patch"),
    ("""patch deployment web -p '{}' --patch-file x.yaml""",
     "error: cannot specify --patch and --patch-file together"),
    ("""patch deployment web --type apply -p '{}'""",
     'error: --type must be one of [json merge strategic], not "apply"'),
    ("""patch deployment web -p 'spec: ['""",
     'error: unable to parse "spec: [": yaml: line 2, column 1: did not find expected node '
     "content (the flow sequence '[' opened on line 1, column 7 is never closed)"),
    ("""patch deployment web -p '{"spec":'""",
     "Error from server (BadRequest): unexpected end of JSON input"),
    ("""patch deployment web -p '{"spec" 3}'""",
     "Error from server (BadRequest): invalid character '3' after object key"),
    ("""patch deployment web --type merge -p '[1]'""",
     "Error from server (BadRequest): json: cannot unmarshal array into Go value of type "
     "map[string]interface {}"),
    ("""patch deployment web --type json -p '{"op":"add"}'""",
     "Error from server (BadRequest): json: cannot unmarshal object into Go value of type "
     "jsonpatch.Patch"),
    ("""patch deployment web --type json -p '[{"op":"test","path":"/spec/replicas","value":5}]'""",
     "The request is invalid: the server rejected our request due to an error in our request"),
    ("""patch deployment web --type json -p '[{"op":"remove","path":"/spec/nope"}]'""",
     "The request is invalid: the server rejected our request due to an error in our request"),
    ("""patch deployment web --type json -p '[{"op":"frobnicate","path":"/spec"}]'""",
     "The request is invalid: the server rejected our request due to an error in our request"),
    (("""patch deployment web --subresource scale --type json """
      """-p '[{"op":"test","path":"/spec/replicas","value":5}]'"""),
     "The request is invalid: the server rejected our request due to an error in our request"),
    (("""patch deployment web --type json --dry-run=client """
      """-p '[{"op":"test","path":"/spec/replicas","value":5}]'"""),
     "error: testing value /spec/replicas failed: test failed"),
    ("""patch deployment web -p '{"spec":{"replicas":-1}}'""",
     'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than '
     "or equal to 0"),
    ("""patch deployment web --local -p '{}'""",
     "error: cannot specify --local and server resources"),
])
def test_refusals_change_nothing(web: Cluster, line: str, stderr: str) -> None:
    before = web.store.resource_version
    result = k(web, line)
    assert (result.stdout, result.stderr, result.exit_code) == ("", stderr + "\n", 1)
    assert replicas(web) == 2
    assert web.store.resource_version == before


def test_strategic_patch_needs_a_schema(web: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(patch_command.patching, "has_strategic_schema", lambda *_: False)
    server = k(web, """patch deployment web -p '{"spec":{"replicas":3}}'""")
    assert server.stderr.startswith("Error from server (UnsupportedMediaType): the body of the "
                                    "request was in an unknown format")
    client = k(web, """patch deployment web -p '{"spec":{"replicas":3}}' --dry-run=client""")
    assert client.stderr == ("error: strategic merge patch is not supported for apps/v1, "
                             "Kind=Deployment locally, try --type merge\n")
    merge = k(web, """patch deployment web --type merge -p '{"spec":{"replicas":3}}'""")
    assert merge.stdout == "deployment.apps/web patched\n"


def test_local_patches_the_file(cluster: Cluster, tmp_path: Path) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flags}\n"
                        "data: {checkout: 'off'}\n")
    result = k(cluster, f"""patch -f {manifest} --local -p '{{"data":{{"checkout":"on"}}}}' """
                        "-o yaml")
    assert "checkout: \"on\"" in result.stdout or "checkout: 'on'" in result.stdout
    assert cluster.store.get("configmaps", "default", "flags") is None


@pytest.mark.parametrize(("text", "quoted"), [
    ("plain", '"plain"'), ('say "hi"', r'"say \"hi\""'), ("a\nb\tc", r'"a\nb\tc"'),
    ("\x01", r'"\x01"'), ("café", '"café"')])
def test_go_quote(text: str, quoted: str) -> None:
    assert patch_command.go_quote(text) == quoted
