"""kubectl run: the generated Pod, its dry-run YAML, and attached runs."""

from __future__ import annotations

import shlex

from playground.engine.cluster import Cluster
from playground.kubectl.context import Result
from playground.kubectl.main import run


def k(cluster: Cluster, line: str) -> Result:
    result = run(cluster, shlex.split(line))
    cluster.settle()
    return result


def test_run_creates_a_labelled_pod(cluster: Cluster) -> None:
    assert k(cluster, "run nginx --image=nginx").stdout == "pod/nginx created\n"
    pod = cluster.api.get("pods", "default", "nginx")
    assert pod["metadata"]["labels"] == {"run": "nginx"}
    assert pod["spec"]["containers"][0]["name"] == "nginx"
    assert k(cluster, "run nginx --image=nginx").stderr == \
        'Error from server (AlreadyExists): pods "nginx" already exists\n'


def test_dry_run_yaml(cluster: Cluster) -> None:
    assert k(cluster, "run nginx --image=nginx --dry-run=client -o yaml").stdout == """\
apiVersion: v1
kind: Pod
metadata:
  labels:
    run: nginx
  name: nginx
spec:
  containers:
  - image: nginx
    name: nginx
    resources: {}
  dnsPolicy: ClusterFirst
  restartPolicy: Always
status: {}
"""
    full = k(cluster, "run app --image=busybox --port=80 --env=A=1 --labels=tier=web "
                      "--restart=Never --dry-run=client -o yaml --command -- sleep 10").stdout
    assert "  - command:\n    - sleep\n    - \"10\"\n" in full
    assert "    env:\n    - name: A\n      value: \"1\"\n" in full
    assert "    ports:\n    - containerPort: 80\n" in full
    assert "    tier: web\n" in full and "restartPolicy: Never" in full


def test_usage_errors(cluster: Cluster) -> None:
    assert k(cluster, "run nginx").stderr == 'error: required flag(s) "image" not set\n'
    assert k(cluster, "run --image=nginx").exit_code == 1
    assert k(cluster, "run x --image=nginx --restart=Sometimes").stderr == \
        "error: invalid restart policy: Sometimes\n"


def test_attached_run_with_rm(cluster: Cluster) -> None:
    result = k(cluster, "run tmp --rm -i --image=busybox --restart=Never -- echo hello")
    assert result.stdout == 'hello\npod "tmp" deleted from default namespace\n'
