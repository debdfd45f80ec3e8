"""kubectl create <generator>: objects, success lines, dry-run YAML and wrapped errors."""

from __future__ import annotations

import shlex
from pathlib import Path

from playground.engine.cluster import Cluster
from playground.kubectl.context import Result
from playground.kubectl.main import run


def k(cluster: Cluster, line: str, stdin: str | None = None) -> Result:
    result = run(cluster, shlex.split(line), stdin=stdin)
    cluster.settle()
    return result


def test_create_deployment(cluster: Cluster) -> None:
    assert k(cluster, "create deployment web --image=nginx:1.27 --replicas=2").stdout == \
        "deployment.apps/web created\n"
    cluster.advance(30)
    assert len(cluster.api.list("pods", "default")) == 2
    again = k(cluster, "create deployment web --image=nginx")
    assert again.stderr == ('error: failed to create deployment: deployments.apps "web" already '
                            "exists\n")
    assert again.exit_code == 1


def test_create_deployment_dry_run_yaml(cluster: Cluster) -> None:
    result = k(cluster, "create deployment web --image=registry.k8s.io/nginx:1.27 "
                        "--dry-run=client -o yaml")
    assert result.stdout == """\
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app: web
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  strategy: {}
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - image: registry.k8s.io/nginx:1.27
        name: nginx
        resources: {}
status: {}
"""
    assert cluster.store.get("deployments.apps", "default", "web") is None


def test_namespace_configmap_secret(cluster: Cluster, tmp_path: Path) -> None:
    assert k(cluster, "create namespace dev").stdout == "namespace/dev created\n"
    assert k(cluster, "create ns dev").stderr == \
        'Error from server (AlreadyExists): namespaces "dev" already exists\n'
    (tmp_path / "app.conf").write_text("level=debug\n")
    made = k(cluster, f"create configmap app-cfg --from-literal=mode=fast "
                      f"--from-file={tmp_path / 'app.conf'}")
    assert made.stdout == "configmap/app-cfg created\n"
    assert cluster.api.get("configmaps", "default", "app-cfg")["data"] == \
        {"app.conf": "level=debug\n", "mode": "fast"}
    assert k(cluster, "create cm app-cfg --from-literal=a=b").stderr == \
        'error: failed to create configmap: configmaps "app-cfg" already exists\n'
    assert k(cluster, "create secret generic db-creds --from-literal=user=admin").stdout == \
        "secret/db-creds created\n"
    secret = cluster.api.get("secrets", "default", "db-creds")
    assert (secret["type"], secret["data"]) == ("Opaque", {"user": "YWRtaW4="})
    assert k(cluster, "create secret generic db-creds --from-literal=a=b").stderr == \
        'error: failed to create secret secrets "db-creds" already exists\n'


def test_services(cluster: Cluster) -> None:
    assert k(cluster, "create service clusterip web --tcp=80:8080").stdout == \
        "service/web created\n"
    service = cluster.api.get("services", "default", "web")
    assert service["spec"]["ports"][0] == {"name": "80-8080", "port": 80, "protocol": "TCP",
                                           "targetPort": 8080}
    assert service["spec"]["selector"] == {"app": "web"}
    assert k(cluster, "create service nodeport np --tcp=80").stdout == "service/np created\n"
    assert cluster.api.get("services", "default", "np")["spec"]["type"] == "NodePort"
    assert k(cluster, "create service clusterip web --tcp=80").stderr == \
        'error: failed to create ClusterIP service: services "web" already exists\n'
    assert k(cluster, "create service clusterip x").stderr == \
        "error: at least one tcp port specifier must be provided\n"


def test_create_from_file_still_works(cluster: Cluster) -> None:
    result = k(cluster, "create -f -", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    assert result.stdout == "configmap/x created\n"
