"""kubectl cordon, uncordon, drain, taint, label and annotate: exact output and effects."""

from __future__ import annotations

from typing import Any

import pytest

from playground.engine.cluster import Cluster
from playground.engine.store import Obj
from playground.kubectl.context import Result
from playground.kubectl.main import run


def k(cluster: Cluster, *argv: str) -> Result:
    result = run(cluster, list(argv))
    cluster.settle()
    return result


def bare_pod(name: str, node: str, **spec: Any) -> Obj:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "labels": {"run": name}},
            "spec": {"nodeName": node, "containers": [{"name": name, "image": "nginx:1.27"}],
                     **spec}}


def replica_set(replicas: int = 1) -> Obj:
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"nodeSelector": {"kubernetes.io/hostname":
                                                            "worker-1"},
                                           "containers": [{"name": "nginx",
                                                           "image": "nginx:1.27"}]}}}}


def names_on(cluster: Cluster, node: str, namespace: str) -> list[str]:
    return sorted(p["metadata"]["name"] for p in cluster.store.pods_on_node(node)
                  if p["metadata"]["namespace"] == namespace)


@pytest.fixture
def busy(cluster: Cluster) -> Cluster:
    """worker-1 runs a bare pod, a ReplicaSet pod and a DaemonSet pod (the cluster's own
    kube-proxy, as on every node)."""
    cluster.api.create(bare_pod("nginx", "worker-1"))
    cluster.api.create(replica_set())
    cluster.advance(20)
    return cluster


# -- cordon -----------------------------------------------------------------------------------

def test_cordon_and_uncordon(cluster: Cluster) -> None:
    assert k(cluster, "cordon", "worker-1").stdout == "node/worker-1 cordoned\n"
    assert k(cluster, "cordon", "worker-1").stdout == "node/worker-1 already cordoned\n"
    assert "worker-1        Ready,SchedulingDisabled" in k(cluster, "get", "nodes").stdout
    assert k(cluster, "uncordon", "worker-1").stdout == "node/worker-1 uncordoned\n"
    assert k(cluster, "uncordon", "worker-1").stdout == "node/worker-1 already uncordoned\n"
    node = cluster.store.get("nodes", "", "worker-1")
    assert node is not None and "unschedulable" not in node["spec"]


def test_cordon_errors(cluster: Cluster) -> None:
    missing = k(cluster, "cordon", "nosuch")
    assert (missing.stderr, missing.exit_code) == (
        'Error from server (NotFound): nodes "nosuch" not found\n', 1)
    usage = k(cluster, "cordon")
    assert usage.exit_code == 1 and usage.stderr.startswith("error: USAGE: cordon NODE")


def test_a_cordoned_node_gets_no_new_pods(cluster: Cluster) -> None:
    k(cluster, "cordon", "worker-1")
    cluster.api.create(replica_set(2))
    cluster.advance(10)
    pod = cluster.store.list("pods", "default")[0]
    assert "nodeName" not in pod["spec"]
    k(cluster, "uncordon", "worker-1")
    cluster.advance(10)
    assert all(p["spec"].get("nodeName") == "worker-1"
               for p in cluster.store.list("pods", "default"))


# -- drain ------------------------------------------------------------------------------------

def test_drain_refuses_unmanaged_and_daemonset_pods(busy: Cluster) -> None:
    proxy = names_on(busy, "worker-1", "kube-system")[0]
    result = k(busy, "drain", "worker-1")
    assert result.exit_code == 1
    assert result.stdout == "node/worker-1 cordoned\n"
    assert result.stderr == (
        'error: unable to drain node "worker-1" due to error: [cannot delete Pods that declare '
        "no controller (use --force to override): default/nginx, cannot delete DaemonSet-managed"
        f" Pods (use --ignore-daemonsets to ignore): kube-system/{proxy}], continuing "
        "command...\n"
        "There are pending nodes to be drained:\n"
        " worker-1\n"
        "cannot delete Pods that declare no controller (use --force to override): "
        "default/nginx\n"
        "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): "
        f"kube-system/{proxy}\n")
    assert len(busy.store.pods_on_node("worker-1")) == 3
    assert all(not p["metadata"].get("deletionTimestamp")
               for p in busy.store.pods_on_node("worker-1"))


def test_drain_one_refusal_prints_a_single_error(busy: Cluster) -> None:
    result = k(busy, "drain", "worker-1", "--ignore-daemonsets")
    assert result.stderr.endswith(
        "There are pending nodes to be drained:\n worker-1\n"
        "error: cannot delete Pods that declare no controller (use --force to override): "
        "default/nginx\n")


def test_drain_with_flags(busy: Cluster) -> None:
    proxy = names_on(busy, "worker-1", "kube-system")[0]
    web = next(n for n in names_on(busy, "worker-1", "default") if n.startswith("web-"))
    result = k(busy, "drain", "worker-1", "--ignore-daemonsets", "--force")
    assert result.exit_code == 0
    assert result.stdout == (
        "node/worker-1 cordoned\n"
        "evicting pod default/nginx\n"
        f"evicting pod default/{web}\n"
        "pod/nginx evicted\n"
        f"pod/{web} evicted\n"
        "node/worker-1 drained\n")
    assert result.stderr == ("Warning: deleting Pods that declare no controller: default/nginx;"
                             f" ignoring DaemonSet-managed Pods: kube-system/{proxy}\n")
    busy.advance(60)
    assert names_on(busy, "worker-1", "default") == []
    assert names_on(busy, "worker-1", "kube-system") == [proxy]


def test_drain_empty_dir_needs_the_flag(cluster: Cluster) -> None:
    rs = replica_set()
    rs["spec"]["template"]["spec"]["volumes"] = [{"name": "scratch", "emptyDir": {}}]
    cluster.api.create(rs)
    cluster.advance(20)
    pod = names_on(cluster, "worker-1", "default")[0]
    proxy = names_on(cluster, "worker-1", "kube-system")[0]
    refused = k(cluster, "drain", "worker-1", "--ignore-daemonsets")
    assert refused.stderr.endswith(
        "error: cannot delete Pods with local storage (use --delete-emptydir-data to override):"
        f" default/{pod}\n")
    done = k(cluster, "drain", "worker-1", "--ignore-daemonsets", "--delete-emptydir-data")
    assert done.stdout == (f"node/worker-1 already cordoned\nevicting pod default/{pod}\n"
                           f"pod/{pod} evicted\nnode/worker-1 drained\n")
    assert done.stderr == (f"Warning: ignoring DaemonSet-managed Pods: kube-system/{proxy}; "
                           f"deleting Pods with local storage: default/{pod}\n")


def test_drain_a_node_that_runs_only_daemonset_pods(cluster: Cluster) -> None:
    # the worker where the scheduler put no CoreDNS replica runs nothing but kube-proxy
    node = next(n for n in ("worker-1", "worker-2", "worker-3")
                if len(names_on(cluster, n, "kube-system")) == 1)
    proxy = names_on(cluster, node, "kube-system")
    assert proxy[0].startswith("kube-proxy-")
    result = k(cluster, "drain", node, "--ignore-daemonsets")
    assert result.stdout == f"node/{node} cordoned\nnode/{node} drained\n"
    assert result.stderr == f"Warning: ignoring DaemonSet-managed Pods: kube-system/{proxy[0]}\n"
    assert names_on(cluster, node, "kube-system") == proxy


def test_drain_respects_a_disruption_budget(cluster: Cluster) -> None:
    cluster.api.create(replica_set(2))
    cluster.api.create({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                        "metadata": {"name": "web", "namespace": "default"},
                        "spec": {"minAvailable": 2,
                                 "selector": {"matchLabels": {"app": "web"}}}})
    cluster.advance(20)
    first, second = names_on(cluster, "worker-1", "default")
    result = k(cluster, "drain", "worker-1", "--ignore-daemonsets", "--timeout=30s")
    assert result.exit_code == 1
    assert (f'error when evicting pods/"{first}" -n "default" (will retry after 5s): Cannot '
            "evict pod as it would violate the pod's disruption budget.\n") in result.stderr
    assert result.stderr.endswith(
        "There are pending nodes to be drained:\n worker-1\n"
        f'error when evicting pods/"{first}" -n "default": global timeout reached: 30s\n'
        f'error when evicting pods/"{second}" -n "default": global timeout reached: 30s\n')
    assert all(not p["metadata"].get("deletionTimestamp")
               for p in cluster.store.pods_on_node("worker-1"))


def test_drain_evicts_what_the_budget_allows(cluster: Cluster) -> None:
    cluster.api.create(replica_set(2))
    cluster.api.create({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                        "metadata": {"name": "web", "namespace": "default"},
                        "spec": {"maxUnavailable": 1,
                                 "selector": {"matchLabels": {"app": "web"}}}})
    cluster.advance(20)
    first, second = names_on(cluster, "worker-1", "default")
    result = k(cluster, "drain", "worker-1", "--ignore-daemonsets")
    assert f"pod/{first} evicted\n" in result.stdout
    assert result.stderr.endswith(
        f'error: error when evicting pods/"{second}" -n "default": the playground does not '
        "wait for a disruption budget; run drain again once it allows\n")


def test_drain_grace_period(busy: Cluster) -> None:
    k(busy, "drain", "worker-1", "--ignore-daemonsets", "--force", "--grace-period=5")
    pod = busy.store.get("pods", "default", "nginx")
    assert pod is None or pod["metadata"]["deletionGracePeriodSeconds"] == 5


# -- taint ------------------------------------------------------------------------------------

def test_taint_add_overwrite_remove(cluster: Cluster) -> None:
    assert k(cluster, "taint", "nodes", "worker-1", "dedicated=gpu:NoSchedule").stdout == \
        "node/worker-1 tainted\n"
    clash = k(cluster, "taint", "nodes", "worker-1", "dedicated=cpu:NoSchedule")
    assert clash.stderr == ("error: node worker-1 already has dedicated taint(s) with same "
                            "effect(s) and --overwrite is false\n")
    assert k(cluster, "taint", "node/worker-1", "dedicated=cpu:NoSchedule",
             "--overwrite").stdout == "node/worker-1 modified\n"
    node = cluster.store.get("nodes", "", "worker-1")
    assert node is not None and node["spec"]["taints"] == [
        {"key": "dedicated", "value": "cpu", "effect": "NoSchedule"}]
    assert k(cluster, "taint", "nodes", "worker-1", "dedicated:NoSchedule-").stdout == \
        "node/worker-1 untainted\n"
    missing = k(cluster, "taint", "nodes", "worker-1", "dedicated:NoSchedule-")
    assert (missing.stderr, missing.exit_code) == (
        'error: taint "dedicated:NoSchedule" not found\n', 1)


def test_taint_remove_by_key_takes_every_effect(cluster: Cluster) -> None:
    k(cluster, "taint", "nodes", "worker-1", "a=1:NoSchedule", "a=1:PreferNoSchedule")
    assert k(cluster, "taint", "nodes", "worker-1", "a-").stdout == "node/worker-1 untainted\n"
    node = cluster.store.get("nodes", "", "worker-1")
    assert node is not None and "taints" not in node["spec"]


@pytest.mark.parametrize(("spec", "message"), [
    ("a=b:Sometimes", "error: invalid taint effect: Sometimes, unsupported taint effect"),
    ("a=b", "error: invalid taint spec: a=b"),
])
def test_taint_spec_errors(cluster: Cluster, spec: str, message: str) -> None:
    result = k(cluster, "taint", "nodes", "worker-1", spec)
    assert (result.stderr.rstrip("\n"), result.exit_code) == (message, 1)


def test_a_pending_pod_schedules_after_untaint(cluster: Cluster) -> None:
    for node in ("worker-1", "worker-2", "worker-3"):
        k(cluster, "taint", "nodes", node, "dedicated=gpu:NoSchedule")
    cluster.api.create({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"name": "app", "namespace": "default"},
                        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}})
    cluster.advance(5)
    pod = cluster.store.get("pods", "default", "app")
    assert pod is not None and "nodeName" not in pod["spec"]
    k(cluster, "taint", "nodes", "worker-2", "dedicated:NoSchedule-")
    cluster.advance(5)
    pod = cluster.store.get("pods", "default", "app")
    assert pod is not None and pod["spec"]["nodeName"] == "worker-2"


def test_no_execute_taint_evicts_running_pods(busy: Cluster) -> None:
    k(busy, "taint", "nodes", "worker-1", "maintenance=now:NoExecute")
    pod = busy.store.get("pods", "default", "nginx")
    assert pod is None or pod["metadata"].get("deletionTimestamp")


# -- label and annotate -----------------------------------------------------------------------

def test_label_messages(busy: Cluster) -> None:
    assert k(busy, "label", "pods", "nginx", "tier=frontend").stdout == "pod/nginx labeled\n"
    clash = k(busy, "label", "pods", "nginx", "tier=backend")
    assert (clash.stderr, clash.exit_code) == (
        "error: 'tier' already has a value (frontend), and --overwrite is false\n", 1)
    assert k(busy, "label", "pod/nginx", "tier=frontend").stdout == "pod/nginx not labeled\n"
    assert k(busy, "label", "pods", "nginx", "tier=backend", "--overwrite").stdout == \
        "pod/nginx labeled\n"
    pod = busy.store.get("pods", "default", "nginx")
    assert pod is not None and pod["metadata"]["labels"]["tier"] == "backend"
    assert k(busy, "label", "pods", "nginx", "tier-").stdout == "pod/nginx unlabeled\n"
    pod = busy.store.get("pods", "default", "nginx")
    assert pod is not None and "tier" not in pod["metadata"]["labels"]


def test_label_all_and_selector(busy: Cluster) -> None:
    assert k(busy, "label", "nodes", "--all", "disk=ssd").stdout == "".join(
        f"node/{n} labeled\n" for n in ("control-plane", "worker-1", "worker-2", "worker-3"))
    out = k(busy, "label", "pods", "-l", "app=web", "tier=web").stdout
    assert out.count("labeled") == 1 and out.startswith("pod/web-")
    assert k(busy, "label", "rs", "web", "x=y").stdout == "replicaset.apps/web labeled\n"


def test_label_errors(busy: Cluster) -> None:
    assert k(busy, "label", "pods", "nginx").stderr == \
        "error: at least one label update is required\n"
    assert k(busy, "label", "pods", "nosuch", "a=b").stderr == \
        'Error from server (NotFound): pods "nosuch" not found\n'
    assert k(busy, "label", "pods", "nginx", "a=b", "a-").stderr == \
        "error: can not both modify and remove a label in the same command\n"
    assert k(busy, "label", "pods", "a=b").stderr == \
        "error: resource(s) were provided, but no name was specified\n"
    assert k(busy, "label", "a=b").stderr == (
        "error: one or more resources must be specified as <resource> <name> or "
        "<resource>/<name>\n")


def test_annotate(busy: Cluster) -> None:
    assert k(busy, "annotate", "pods", "nginx", "owner=team-a").stdout == \
        "pod/nginx annotated\n"
    clash = k(busy, "annotate", "pods", "nginx", "owner=team-b")
    assert clash.stderr == ("error: --overwrite is false but found the following declared "
                            "annotation(s): 'owner' already has a value (team-a)\n")
    assert k(busy, "annotate", "pods", "nginx", "owner=team-b", "--overwrite").stdout == \
        "pod/nginx annotated\n"
    assert k(busy, "annotate", "pods", "nginx", "owner-").stdout == "pod/nginx annotated\n"
    pod = busy.store.get("pods", "default", "nginx")
    assert pod is not None and "owner" not in (pod["metadata"].get("annotations") or {})
