"""The kubelet's per-pod and per-node indices stay equal to what a scan would find.

Deleting or finishing a pod finds that pod's running instances through `WorkloadTable`'s
per-pod index instead of scanning every instance in the cluster; a sandbox finds a free IP
through the per-node IP index. These tests hold the indices against a full scan while pods
start, finish, are scaled away and deleted, while nodes fail, come back and are removed, and
across a restore from persisted state. A parked nginx or httpd drops its program table too;
a session with that table dropped matches one that keeps it.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.images import programs as programs_module
from playground.engine.images.programs import ParkedPrograms
from playground.engine.kubelet.instances import WorkloadTable
from playground.engine.kubelet.kubelet import Kubelet
from playground.engine.store import USER, Obj
from playground.kubectl.main import run


def check_indices(kubelet: Kubelet) -> None:
    """Every index equals the scan it replaces; nothing is kept for pods that are gone."""
    table = kubelet.workloads
    for pod_key in {key[0] for key in table}:
        assert table.of_pod(pod_key) == [key for key in table if key[0] == pod_key]
    assert set(table.pods()) == {key[0] for key in table}
    store = kubelet.store
    for pod_key in table.pods():
        namespace, _, name = pod_key.partition("/")
        assert store.get("pods", namespace, name) is not None, f"{pod_key} is gone"
        assert pod_key in kubelet.runtimes
    for pod_key, ports in kubelet.listeners.items():
        assert not ports or pod_key in set(table.pods()), f"{pod_key} holds ports"
    taken: dict[tuple[str, str], str] = {}
    for pod_key, rt in kubelet.runtimes.items():
        namespace, _, name = pod_key.partition("/")
        pod = store.get("pods", namespace, name)
        if not rt.pod_ip or pod is None or pod["spec"].get("hostNetwork"):
            continue
        assert kubelet._ips_on_node[rt.node][rt.pod_ip] == pod_key
        assert (rt.node, rt.pod_ip) not in taken, f"{pod_key} and {taken[rt.node, rt.pod_ip]}"
        taken[rt.node, rt.pod_ip] = pod_key


def two_container_deployment(name: str, replicas: int) -> Obj:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [
                                      {"name": "nginx", "image": "nginx:1.27"},
                                      {"name": "side", "image": "busybox",
                                       "command": ["sleep", "3600000"]}]}}}}


def job(name: str, completions: int) -> Obj:
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"completions": completions, "parallelism": completions,
                     "template": {"spec": {"restartPolicy": "Never", "containers": [
                         {"name": "work", "image": "busybox", "command": ["sleep", "5"]},
                         {"name": "helper", "image": "busybox",
                          "command": ["sh", "-c", "sleep 3; exit 1"]}]}}}}


def pod_names(cluster: Cluster, prefix: str) -> list[str]:
    return sorted(p["metadata"]["name"] for p in cluster.store.iter("pods", "default")
                  if p["metadata"]["name"].startswith(prefix))


def instances(cluster: Cluster, prefix: str) -> list[tuple[str, str]]:
    return [key for key in cluster.kubelet.workloads if key[0].startswith(f"default/{prefix}")]


def restored(cluster: Cluster) -> Cluster:
    cluster.store.drain_journal()
    again = Cluster.restore(cluster.export_meta(), list(cluster.store.all_objects()))
    again.settle()
    return again


def test_indices_follow_scale_down_finishing_pods_and_deletion() -> None:
    cluster = Cluster.create(ClusterConfig(clock="manual"))
    cluster.api.apply(two_container_deployment("web", 9), USER)
    cluster.api.apply(job("batch", 4), USER)
    cluster.advance(30)
    check_indices(cluster.kubelet)
    assert len(instances(cluster, "web-")) == 18
    assert instances(cluster, "batch-") == []  # the Job's pods have finished
    finished = [p for p in cluster.store.iter("pods", "default")
                if p["metadata"]["name"].startswith("batch-")]
    assert finished and all(p["status"]["phase"] == "Failed" for p in finished)
    cluster.api.apply(two_container_deployment("web", 2), USER)
    cluster.settle()
    check_indices(cluster.kubelet)
    cluster.advance(40)
    check_indices(cluster.kubelet)
    assert len(pod_names(cluster, "web-")) == 2
    assert len(instances(cluster, "web-")) == 4
    cluster.api.delete("deployments.apps", "default", "web", USER)
    cluster.api.delete("jobs.batch", "default", "batch", USER, propagation="Background")
    cluster.advance(40)
    check_indices(cluster.kubelet)
    assert pod_names(cluster, "web-") == []
    assert instances(cluster, "") == []


def test_indices_survive_a_restore_and_the_restored_cluster_scales_down_alike() -> None:
    cluster = Cluster.create(ClusterConfig(clock="manual"))
    cluster.api.apply(two_container_deployment("web", 8), USER)
    cluster.advance(30)
    again = restored(cluster)
    check_indices(again.kubelet)
    assert sorted(again.kubelet.workloads) == sorted(cluster.kubelet.workloads)
    for each in (cluster, again):
        each.api.apply(two_container_deployment("web", 3), USER)
        each.advance(40)
        check_indices(each.kubelet)
    assert pod_names(again, "web-") == pod_names(cluster, "web-")
    assert sorted(again.kubelet.workloads) == sorted(cluster.kubelet.workloads)
    assert {k: rt.pod_ip for k, rt in again.kubelet.runtimes.items()} == \
        {k: rt.pod_ip for k, rt in cluster.kubelet.runtimes.items()}


def test_indices_follow_node_failure_recovery_and_removal() -> None:
    cluster = Cluster.create(ClusterConfig(clock="manual"))
    cluster.api.apply(two_container_deployment("web", 9), USER)
    cluster.advance(30)
    lifecycle = cluster.node_lifecycle
    on_node = {n: [p["metadata"]["name"] for p in cluster.store.pods_on_node(n)]
               for n in ("worker-1", "worker-2")}
    assert on_node["worker-1"] and on_node["worker-2"]
    lifecycle.fail_node("worker-1")
    lifecycle.fail_node("worker-2")
    cluster.advance(400)  # NotReady, then evicted: replacements run elsewhere
    check_indices(cluster.kubelet)
    again = restored(cluster)
    check_indices(again.kubelet)
    for each in (cluster, again):
        each.node_lifecycle.recover_node("worker-1")  # its kubelet finishes the evicted pods
        each.node_lifecycle.remove_node("worker-2", USER)  # the pod GC deletes them
        each.advance(120)
        check_indices(each.kubelet)
        names = set(pod_names(each, "web-"))
        assert not names & set(on_node["worker-1"] + on_node["worker-2"])
        assert len(names) == 9
        assert all(p["spec"]["nodeName"] != "worker-2" for p in each.store.iter("pods"))
        assert all(key[0].split("/")[1] in names or not key[0].startswith("default/web-")
                   for key in each.kubelet.workloads)
        assert not any(rt.node == "worker-2" for rt in each.kubelet.runtimes.values())
    assert sorted(again.kubelet.workloads) == sorted(cluster.kubelet.workloads)


_KEYS = st.tuples(st.sampled_from(["a/p", "a/q", "b/p"]), st.sampled_from(["c1", "c2", "c3"]))
_OPS = st.lists(st.tuples(st.sampled_from(["set", "pop", "del", "popdefault", "setdefault",
                                           "popitem", "update", "clear"]), _KEYS,
                          st.integers(0, 9)), max_size=60)


@given(_OPS)
def test_table_equals_a_flat_dict_scanned(ops: list[tuple[str, tuple[str, str], int]]) -> None:
    table: Any = WorkloadTable()
    plain: dict[tuple[str, str], int] = {}
    for op, key, value in ops:
        if op == "set":
            table[key] = value
            plain[key] = value
        elif op == "pop" and key in plain:
            assert table.pop(key) == plain.pop(key)
        elif op == "del" and key in plain:
            del table[key]
            del plain[key]
        elif op == "popdefault":
            assert table.pop(key, None) == plain.pop(key, None)
        elif op == "setdefault":
            assert table.setdefault(key, value) == plain.setdefault(key, value)
        elif op == "popitem" and plain:
            assert table.popitem() == plain.popitem()
        elif op == "update":
            table.update({key: value})
            plain.update({key: value})
        elif op == "clear" and value == 0:
            table.clear()
            plain.clear()
        assert list(table.items()) == list(plain.items())
        for pod_key in ("a/p", "a/q", "b/p"):
            assert table.of_pod(pod_key) == [k for k in plain if k[0] == pod_key]
        assert sorted(table.pods()) == sorted({k[0] for k in plain})


def _nginx_session(cluster: Cluster) -> list[str]:
    out: list[str] = []

    def k(line: str) -> None:
        result = run(cluster, shlex.split(line))
        cluster.settle()
        out.append(f"$ {line}\n{result.stdout}{result.stderr}[{result.exit_code}]")

    k("create deployment web --image=nginx:1.27 --replicas=2")
    k("create deployment apache --image=httpd:2.4 --replicas=1")
    cluster.advance(30)
    web = pod_names(cluster, "web-")
    apache = pod_names(cluster, "apache-")
    k(f"exec {web[0]} -- nginx -v")
    k(f"exec {web[0]} -- nginx -t")
    k(f"exec {apache[0]} -- httpd -v")
    cluster.advance(3600)
    k(f"delete pod {web[0]} {web[1]} {apache[0]} --wait=false")
    cluster.advance(30)
    for name in web + apache:
        k(f"logs {name} --timestamps")
    k("get pods")
    out.extend(json.dumps(p, sort_keys=True) for p in cluster.store.list("pods", "default"))
    return out


def test_a_parked_servers_dropped_program_table_behaves_like_the_live_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    cluster = Cluster.create(ClusterConfig(clock="manual", seed=3))
    run(cluster, shlex.split("create deployment web --image=nginx:1.27 --replicas=1"))
    cluster.advance(30)
    (work,) = [w for key, w in cluster.kubelet.workloads.items()
               if key[0].startswith("default/web-")]
    assert work.parked
    assert isinstance(work.programs, ParkedPrograms) and not work.programs.built
    assert work.shell_ctx is not None and work.shell_ctx.programs is work.programs
    assert dict.__len__(work.programs) == 0
    assert work.terminate("SIGTERM", cluster.now)
    assert not isinstance(work.programs, ParkedPrograms) and len(work.programs) >= 2
    assert work.shell_ctx.programs is work.programs

    dropped = _nginx_session(Cluster.create(ClusterConfig(clock="manual", seed=5)))
    with monkeypatch.context() as patch:
        patch.setattr(programs_module, "rebuildable", lambda image: False)
        kept = _nginx_session(Cluster.create(ClusterConfig(clock="manual", seed=5)))
    assert any("nginx version: nginx/1.27" in line for line in dropped)
    assert any("Server version: Apache/2.4" in line for line in dropped)
    assert dropped == kept
