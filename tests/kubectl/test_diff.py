"""kubectl diff -f: unified diff of live state against a dry-run apply."""

from __future__ import annotations

import shlex

import pytest

from playground.engine.cluster import Cluster
from playground.kubectl.context import Result
from playground.kubectl.main import run

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
"""


def k(cluster: Cluster, line: str, stdin: str | None = None) -> Result:
    result = run(cluster, shlex.split(line), stdin=stdin)
    cluster.settle()
    return result


@pytest.fixture
def web(cluster: Cluster) -> Cluster:
    k(cluster, "apply -f -", WEB)
    cluster.advance(30)
    return cluster


def test_no_difference_exits_0(web: Cluster) -> None:
    assert (k(web, "diff -f -", WEB).stdout, k(web, "diff -f -", WEB).exit_code) == ("", 0)


def test_changes_are_a_unified_diff_and_exit_1(web: Cluster) -> None:
    result = k(web, "diff -f -", WEB.replace("replicas: 2", "replicas: 3"))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    name = "apps.v1.Deployment.default.web"
    assert lines[0] == f"diff -u -N /tmp/LIVE/{name} /tmp/MERGED/{name}"
    assert lines[1] == f"--- /tmp/LIVE/{name}\t2026-01-01 00:00:30.000000000 +0000"
    assert lines[2] == f"+++ /tmp/MERGED/{name}\t2026-01-01 00:00:30.000000000 +0000"
    assert lines[3].startswith("@@ -")
    assert "-  replicas: 2" in lines and "+  replicas: 3" in lines
    assert "-  generation: 1" in lines and "+  generation: 2" in lines
    assert web.api.get("deployments.apps", "default", "web")["spec"]["replicas"] == 2


def test_new_object_diffs_against_an_empty_file(web: Cluster) -> None:
    result = k(web, "diff -f -", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    lines = result.stdout.splitlines()
    assert lines[0] == "diff -u -N /tmp/LIVE/v1.ConfigMap.default.x /tmp/MERGED/v1.ConfigMap.default.x"
    assert lines[3].startswith("@@ -0,0 +1,")
    assert all(line.startswith("+") for line in lines[4:])
    assert web.store.get("configmaps", "default", "x") is None
