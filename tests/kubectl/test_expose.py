"""kubectl expose: Services built from a workload's selector and ports."""

from __future__ import annotations

import shlex

import pytest

from playground.engine.cluster import Cluster
from playground.kubectl.context import Result
from playground.kubectl.main import run


def k(cluster: Cluster, line: str) -> Result:
    result = run(cluster, shlex.split(line))
    cluster.settle()
    return result


@pytest.fixture
def web(cluster: Cluster) -> Cluster:
    k(cluster, "create deployment web --image=nginx --port=80")
    cluster.advance(30)
    return cluster


def test_expose_deployment_by_introspection(web: Cluster) -> None:
    assert k(web, "expose deploy/web").stdout == "service/web exposed\n"
    service = web.api.get("services", "default", "web")
    assert service["spec"]["selector"] == {"app": "web"}
    assert service["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert service["metadata"]["labels"] == {"app": "web"}
    assert k(web, "expose deploy/web").stderr == \
        'Error from server (AlreadyExists): services "web" already exists\n'


def test_expose_flags_and_dry_run(web: Cluster) -> None:
    result = k(web, "expose deployment web --name=web-np --port=8080 --target-port=80 "
                    "--type=NodePort --dry-run=client -o yaml")
    assert result.stdout == """\
apiVersion: v1
kind: Service
metadata:
  labels:
    app: web
  name: web-np
spec:
  ports:
  - port: 8080
    protocol: TCP
    targetPort: 80
  selector:
    app: web
  type: NodePort
status:
  loadBalancer: {}
"""


def test_expose_refusals(web: Cluster) -> None:
    k(web, "run bare --image=busybox -- sleep 3600")
    assert k(web, "expose pod/bare").stderr == \
        "error: couldn't find port via --port flag or introspection\n"
    assert k(web, "expose pod/bare --port=80").stdout == "service/bare exposed\n"
    assert k(web, "expose configmap/kube-root-ca.crt").stderr == \
        "error: cannot expose a ConfigMap\n"
