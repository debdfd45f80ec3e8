"""Discovery and kubeconfig verbs: api-resources, api-versions, cluster-info, config."""

from __future__ import annotations

import yaml

from playground.engine.cluster import Cluster
from playground.kubectl.context import Result
from playground.kubectl.main import run


def kubectl(cluster: Cluster, line: str) -> Result:
    return run(cluster, line.split())


def test_api_resources_table(cluster: Cluster) -> None:
    lines = kubectl(cluster, "api-resources").stdout.splitlines()
    assert lines[0] == ("NAME                       SHORTNAMES   APIVERSION                     "
                        "NAMESPACED   KIND")
    assert lines[1] == ("bindings                                v1                             "
                        "true         Binding")
    assert ("deployments                deploy       apps/v1                        true         "
            "Deployment") in lines
    groups = [line.split()[-3] for line in lines[1:]]
    core = [g for g in groups if g == "v1"]
    assert groups[:len(core)] == core  # the core group first, then groups alphabetically
    names = [line.split()[0] for line in lines[1:len(core) + 1]]
    assert names == sorted(names)


def test_api_resources_filters_and_formats(cluster: Cluster) -> None:
    cluster_scoped = kubectl(cluster, "api-resources --namespaced=false -o name").stdout
    assert "nodes\n" in cluster_scoped and "storageclasses.storage.k8s.io\n" in cluster_scoped
    assert "pods\n" not in cluster_scoped
    wide = kubectl(cluster, "api-resources -o wide --api-group=apps").stdout.splitlines()
    assert wide[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND",
                               "VERBS", "CATEGORIES"]
    deploy = next(line for line in wide if line.startswith("deployments"))
    assert "[create delete deletecollection get list patch update watch]   all" in deploy
    assert len(wide) == 6 and all(" apps/v1 " in line for line in wide[1:])


def test_api_versions(cluster: Cluster) -> None:
    versions = kubectl(cluster, "api-versions").stdout.splitlines()
    assert versions == sorted(versions) and versions[-1] == "v1" and "apps/v1" in versions


def test_cluster_info(cluster: Cluster) -> None:
    result = kubectl(cluster, "cluster-info")
    assert result.stdout == (
        "Kubernetes control plane is running at https://127.0.0.1:6443\n"
        "CoreDNS is running at https://127.0.0.1:6443/api/v1/namespaces/kube-system/services/"
        "kube-dns:dns/proxy\n\n"
        "To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n")
    assert kubectl(cluster, "cluster-info dump").exit_code == 1


def test_config_contexts(cluster: Cluster) -> None:
    assert kubectl(cluster, "config current-context").stdout == "playground\n"
    assert kubectl(cluster, "config get-contexts").stdout == (
        "CURRENT   NAME         CLUSTER      AUTHINFO     NAMESPACE\n"
        "*         playground   playground   playground   \n")
    assert kubectl(cluster, "config get-contexts -o name").stdout == "playground\n"
    assert kubectl(cluster, "config use-context playground").stdout == \
        'Switched to context "playground".\n'
    missing = kubectl(cluster, "config use-context prod")
    assert (missing.exit_code, missing.stderr) == (
        1, 'error: no context exists with the name: "prod"\n')


def test_config_view_hides_credentials(cluster: Cluster) -> None:
    view = yaml.safe_load(kubectl(cluster, "config view").stdout)
    assert view["current-context"] == "playground"
    assert view["clusters"][0]["cluster"] == {"certificate-authority-data": "DATA+OMITTED",
                                              "server": "https://127.0.0.1:6443"}
    assert set(view["users"][0]["user"].values()) == {"DATA+OMITTED"}


def test_set_context_namespace_persists(cluster: Cluster) -> None:
    result = kubectl(cluster, "config set-context --current --namespace=dev")
    assert (result.exit_code, result.stdout) == (0, 'Context "playground" modified.\n')
    assert kubectl(cluster, "get pods").stderr == "No resources found in dev namespace.\n"
    assert kubectl(cluster, "get pods -n kube-public").stderr == \
        "No resources found in kube-public namespace.\n"
    assert "playground   dev\n" in kubectl(cluster, "config get-contexts").stdout
    view = yaml.safe_load(kubectl(cluster, "config view").stdout)
    assert view["contexts"][0]["context"]["namespace"] == "dev"
    assert run(cluster, ["get", "pods"], namespace="default").stderr == \
        "No resources found in default namespace.\n"
    kubectl(cluster, "config set-context --current --namespace=")
    assert kubectl(cluster, "get pods").stderr == "No resources found in default namespace.\n"


def test_set_context_refusals(cluster: Cluster) -> None:
    assert "non-empty context name or --current" in \
        kubectl(cluster, "config set-context --namespace=x").stderr
    other = kubectl(cluster, "config set-context prod --namespace=x")
    assert other.exit_code == 1 and "one context" in other.stderr
    assert kubectl(cluster, "config frobnicate").exit_code == 1
