"""Networking benchmark: requests routed per second, and endpoint upkeep during a big rollout.

    python benchmarks/network.py [--requests N] [--replicas N]

1. requests: `N` GETs of `http://web/hostname` from a busybox pod through the whole path —
   DNS with the pod's search path → ClusterIP → kube-proxy endpoint choice → pod IP →
   agnhost's handler (which logs each request) — in iptables and IPVS mode, and through the
   container's `Network` (`PodNetwork`, which also transcribes answers).
2. rollout: a `--replicas`-pod Deployment behind a Service rolls to a new image; wall time
   of the whole rollout, and the part spent in the EndpointSlice and Endpoints controllers'
   reconciles (how long keeping endpoints current costs), with the number of slice writes.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from playground.engine.cluster import Cluster, ClusterConfig

AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.53"


def deploy(cluster: Cluster, replicas: int) -> None:
    cluster.api.create({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{
                                  "name": "agnhost", "image": AGNHOST,
                                  "args": ["netexec", "--http-port=8080"],
                                  "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
                                  "ports": [{"name": "http", "containerPort": 8080}]}]}}}})
    cluster.api.create({"apiVersion": "v1", "kind": "Service",
                        "metadata": {"name": "web", "namespace": "default"},
                        "spec": {"selector": {"app": "web"},
                                 "ports": [{"port": 80, "targetPort": "http"}]}})


def bench_requests(mode: str, count: int, through_pod_network: bool) -> float:
    cluster = Cluster.create(ClusterConfig(clock="manual", proxy_mode=mode))
    deploy(cluster, 3)
    cluster.api.create({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"name": "client", "namespace": "default"},
                        "spec": {"containers": [{"name": "c", "image": "busybox:1.36",
                                                 "command": ["sleep", "infinity"]}]}})
    cluster.advance(30)
    network = cluster.network
    client = network.client_for_pod("default/client")
    call: Callable[[], Any]
    if through_pod_network:
        pod_network = network.for_pod("default/client")
        call = lambda: pod_network.http_get("http://web/hostname")
    else:
        call = lambda: network.http_get(client, "http://web/hostname", cluster.now)
    assert call().status == 200
    start = time.perf_counter()
    for _ in range(count):
        call()
    return count / (time.perf_counter() - start)


def bench_rollout(replicas: int) -> dict[str, float]:
    nodes = max(3, -(-replicas // 100))
    cluster = Cluster.create(ClusterConfig(clock="manual", workers=nodes, node_cpu="16",
                                           node_memory="64Gi"))
    spent: dict[str, float] = {"endpointslice-controller": 0.0, "endpoint-controller": 0.0}
    calls: dict[str, int] = {name: 0 for name in spent}
    for controller in cluster.controllers.controllers:
        if controller.name in spent:
            original = controller.reconcile

            def timed(key: str, original: Callable[[str], None] = original,
                      name: str = controller.name) -> None:
                begin = time.perf_counter()
                original(key)
                spent[name] += time.perf_counter() - begin
                calls[name] += 1

            controller.reconcile = timed  # type: ignore[method-assign]
    writes = [0]
    cluster.store.watch("endpointslices.discovery.k8s.io",
                        lambda event: writes.__setitem__(0, writes[0] + 1))
    start = time.perf_counter()
    deploy(cluster, replicas)
    cluster.advance(120)
    created = time.perf_counter() - start
    writes_before = writes[0]
    for name in spent:
        spent[name] = 0.0
        calls[name] = 0
    start = time.perf_counter()
    cluster.api.patch("deployments.apps", "default", "web",
                      {"spec": {"template": {"spec": {"containers": [
                          {"name": "agnhost", "image": AGNHOST.replace("2.53", "2.52")}]}}}},
                      "strategic")
    cluster.advance(600)
    rolled = time.perf_counter() - start
    ready = sum(1 for s in cluster.store.iter("endpointslices.discovery.k8s.io", "default")
                if s["metadata"]["labels"].get("kubernetes.io/service-name") == "web"
                for e in s.get("endpoints") or () if e["conditions"].get("ready"))
    return {"create+ready s": created, "rollout s": rolled,
            "endpointslice s": spent["endpointslice-controller"],
            "endpointslice reconciles": calls["endpointslice-controller"],
            "endpoints s": spent["endpoint-controller"],
            "endpoints reconciles": calls["endpoint-controller"],
            "slice writes": writes[0] - writes_before, "ready endpoints": ready}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--replicas", type=int, default=1_000)
    args = parser.parse_args()
    print(f"{'benchmark':<58} result")
    print("-" * 80)
    for mode in ("iptables", "ipvs"):
        rate = bench_requests(mode, args.requests, through_pod_network=False)
        print(f"{'requests, ' + mode + ' (ClusterNetwork.http_get)':<58} {rate:,.0f} req/s")
    rate = bench_requests("iptables", args.requests, through_pod_network=True)
    print(f"{'requests, iptables (PodNetwork.http_get)':<58} {rate:,.0f} req/s")
    figures = bench_rollout(args.replicas)
    for name, value in figures.items():
        label = f"rollout of {args.replicas:,} pods: {name}"
        text = f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
        print(f"{label:<58} {text}")


if __name__ == "__main__":
    main()
