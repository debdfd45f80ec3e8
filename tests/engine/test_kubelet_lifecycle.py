"""Kubelet lifecycle details: init containers in order, preStop hooks, volumes gating start."""

from __future__ import annotations

from typing import Any

from playground.engine.cluster import Cluster, ClusterConfig


def _cluster() -> Cluster:
    return Cluster.create(ClusterConfig(clock="manual", seed=7))


def _pod(name: str, containers: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": containers, **spec}}


def _status(cluster: Cluster, name: str) -> dict[str, Any]:
    pod = cluster.store.get("pods", "default", name)
    assert pod is not None
    return pod["status"]


def test_init_containers_run_in_order_then_the_app_starts() -> None:
    cluster = _cluster()
    cluster.api.create(_pod("app", [{"name": "main", "image": "busybox",
                                     "command": ["sh", "-c", "cat /work/order; sleep 3600"],
                                     "volumeMounts": [{"name": "w", "mountPath": "/work"}]}],
                            initContainers=[
                                {"name": "first", "image": "busybox",
                                 "command": ["sh", "-c", "echo one >> /work/order"],
                                 "volumeMounts": [{"name": "w", "mountPath": "/work"}]},
                                {"name": "second", "image": "busybox",
                                 "command": ["sh", "-c", "sleep 5; echo two >> /work/order"],
                                 "volumeMounts": [{"name": "w", "mountPath": "/work"}]}],
                            volumes=[{"name": "w", "emptyDir": {}}]))
    cluster.advance(3)
    status = _status(cluster, "app")
    assert status["phase"] == "Pending"
    assert [s["state"].keys() for s in status["initContainerStatuses"]] == [
        {"terminated"}, {"running"}]
    cluster.advance(10)
    status = _status(cluster, "app")
    assert status["phase"] == "Running"
    logs = cluster.kubelet.logs("default", "app", "main")
    assert logs is not None and [line for _, _, line in logs] == ["one", "two"]


def test_pre_stop_sleep_delays_sigterm_and_busybox_waits_for_the_grace_period() -> None:
    cluster = _cluster()
    cluster.api.create(_pod("web", [{"name": "nginx", "image": "nginx:1.27.3",
                                     "lifecycle": {"preStop": {"sleep": {"seconds": 5}}}}]))
    cluster.api.create(_pod("sleeper", [{"name": "bb", "image": "busybox",
                                         "command": ["sh", "-c", "sleep 3600"]}]))
    cluster.advance(20)
    cluster.api.delete("pods", "default", "web")
    cluster.api.delete("pods", "default", "sleeper")
    cluster.advance(4.5)
    assert cluster.store.get("pods", "default", "web") is not None
    cluster.advance(1)
    assert cluster.store.get("pods", "default", "web") is None  # nginx quits on SIGQUIT
    cluster.advance(23)
    assert cluster.store.get("pods", "default", "sleeper") is not None
    cluster.advance(2)
    assert cluster.store.get("pods", "default", "sleeper") is None  # killed after 30 s


def test_missing_secret_volume_holds_the_pod_in_container_creating() -> None:
    cluster = _cluster()
    cluster.api.create(_pod("web", [{"name": "nginx", "image": "nginx:1.27.3",
                                     "volumeMounts": [{"name": "tls", "mountPath": "/tls"}]}],
                            volumes=[{"name": "tls", "secret": {"secretName": "certs"}}]))
    cluster.advance(30)
    status = _status(cluster, "web")
    assert status["containerStatuses"][0]["state"] == {"waiting": {
        "reason": "ContainerCreating"}}
    mounts = [e for e in cluster.store.list("events", "default")
              if e["reason"] == "FailedMount"]
    assert mounts and mounts[0]["message"] == (
        'MountVolume.SetUp failed for volume "tls" : secret "certs" not found')
    assert mounts[0]["count"] > 1  # retried with back-off
    cluster.api.create({"apiVersion": "v1", "kind": "Secret",
                        "metadata": {"name": "certs"}, "data": {}})
    cluster.advance(130)  # the back-off is at most 2m2s
    assert _status(cluster, "web")["phase"] == "Running"


def test_passing_static_probes_cost_nothing_while_idle_and_rearm_when_ports_change() -> None:
    cluster = _cluster()
    cluster.advance(4000)  # past one-off timers (progress deadlines, event expiry)
    # CoreDNS's /health and /ready answer 200 whatever happens: no probe timer stays armed
    assert cluster.clock.peek() is None or cluster.clock.peek() > cluster.now + 30 * 86400
    coredns = sorted(p["metadata"]["name"] for p in cluster.store.list("pods", "kube-system")
                     if p["metadata"]["name"].startswith("coredns-"))
    key = f"kube-system/{coredns[0]}"
    runtime = cluster.kubelet.runtimes[key]
    assert all(s.elided for s in runtime.containers["coredns"].probes.values())
    work = cluster.kubelet.workload("kube-system", coredns[0], "coredns")
    assert work is not None
    work.unlisten(8181, "TCP")  # the readiness port goes away: probes must run again
    cluster.advance(40)
    pod = cluster.store.get("pods", "kube-system", coredns[0])
    assert pod is not None and pod["status"]["containerStatuses"][0]["ready"] is False
    assert any(e["reason"] == "Unhealthy" and "Readiness probe failed" in e["message"]
               for e in cluster.store.list("events", "kube-system"))
