"""How fast a Deployment's pods all reach Running, at KWOK-like scale, and what idle costs.

Not a test: run `python benchmarks/workloads.py` (a few minutes on 2 cores) or `--quick`
(1,000 pods on 10 nodes; seconds) and read the table. Each case builds a manual-clock cluster
with `nodes` workers (10 nodes per 1,000 pods, 100 pods a node under the kubelet's 110-pod
limit), then times, on the wall clock, one `kubectl apply` of an nginx Deployment with
`replicas` pods up to the instant every pod is Running and Ready (the Deployment's
`availableReplicas`), advancing virtual time one second at a time. What it reports:

1. wall time from the apply to all-Running for 10,000 pods on 100 nodes and 100,000 pods on
   1,000 nodes (KWOK's advertised ceiling), the virtual time that took, and their ratio (linear
   growth keeps it near 10). Both are timed the same way, with nothing attached, each run in a
   fresh interpreter (a heap left over from an earlier case slows the next one), alternating
   small and large `--repeat` times (default 3); the ratio is given for each pair and for the
   best run of each case (the machine is shared, so a run can only be slowed by noise);
2. where the first case's time went, from a second run of it with a timer around each
   controller's reconcile (which costs ~10 %): wall time inside each controller's reconciles (a
   reconcile includes the watch fan-out and events of its writes) and in the cyclic garbage
   collector (`--top N` adds a cProfile run of the first case and its N hottest functions);
3. the process's RSS (psutil) while holding the largest cluster;
4. the wall time of advancing an idle cluster with 1,000 running pods by 24 hours of virtual
   time, after the start-up events' one-hour TTLs, and how many timers fired meanwhile (nginx
   pods set none; the system add-ons' probes do).
5. with `--scale-down`, on the first case's cluster once every pod is Running: the wall time
   from scaling the Deployment to 0 replicas to the instant its last pod is gone from the
   store, and (after scaling it back up, untimed) from deleting the Deployment (background
   propagation, as `kubectl delete` does) to its last pod gone, each with the controllers'
   share of it.

The store's journal is not drained (no state directory), as when nothing is saved.

Nodes are registered the way `Cluster.add_node` does, except that their pod CIDRs are carved
from 10.244.0.0/14 (1,024 /24 blocks) so that 1,000 nodes fit; below 256 nodes the CIDRs are
the ones `add_node` gives.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import ipaddress
import json
import pstats
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from playground.engine.cluster import NODE_NETWORK, Cluster, ClusterConfig
from playground.engine.nodes import node_object
from playground.engine.store import USER, Actor

KUBEADM = Actor("system", "kubeadm")
CLUSTER_CIDR = ipaddress.ip_network("10.244.0.0/14")
PODS_PER_NODE = 100
IDLE_SECONDS = 24 * 3600.0
MAX_VIRTUAL_SECONDS = 600.0


@dataclass(frozen=True)
class CaseResult:
    """One timed apply-to-Running run."""

    pods: int
    nodes: int
    build_seconds: float
    wall_seconds: float
    virtual_seconds: float
    rss_bytes: int


def build_cluster(nodes: int) -> Cluster:
    """A manual-clock cluster with a control plane and `nodes` Ready workers."""
    cluster = Cluster.create(ClusterConfig(clock="manual", workers=0))
    zones = cluster.config.zones
    for _ in range(nodes):
        index = cluster.node_counter
        cluster.node_counter += 1
        name = f"worker-{index}"
        cidr = list(CLUSTER_CIDR.subnets(new_prefix=24))[index] if index >= 256 else \
            ipaddress.ip_network(f"10.244.{index}.0/24")
        node = node_object(
            name, index=index, cpu=cluster.config.node_cpu, memory=cluster.config.node_memory,
            zone=zones[(index - 1) % len(zones)], region=cluster.config.region,
            control_plane=False, internal_ip=str(NODE_NETWORK.network_address + 2 + index),
            pod_cidr=str(cidr), timestamp=cluster.clock.timestamp(),
            uid_hint=cluster.seeds.uid())
        cluster.api.create(node, KUBEADM)
    cluster.settle()
    return cluster


def deployment(replicas: int, name: str = "web") -> dict[str, Any]:
    """An nginx Deployment as a person would apply it."""
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "nginx",
                                                       "image": "nginx:1.27",
                                                       "ports": [{"containerPort": 80}]}]}}},
    }


def all_available(cluster: Cluster, name: str, replicas: int) -> bool:
    """Whether the Deployment reports every replica available (Running and Ready)."""
    obj = cluster.store.get("deployments.apps", "default", name)
    status = (obj or {}).get("status") or {}
    return int(status.get("availableReplicas") or 0) >= replicas and \
        int(status.get("updatedReplicas") or 0) >= replicas


def apply_until_running(cluster: Cluster, replicas: int, name: str = "web") -> tuple[float, float]:
    """(wall seconds, virtual seconds) from one apply to every pod Running and Ready."""
    start_virtual = cluster.now
    began = time.perf_counter()
    cluster.api.apply(deployment(replicas, name), USER)
    cluster.settle()
    while not all_available(cluster, name, replicas):
        if cluster.now - start_virtual > MAX_VIRTUAL_SECONDS:
            raise RuntimeError(f"{replicas} pods were not all Running after "
                               f"{MAX_VIRTUAL_SECONDS:.0f} virtual seconds")
        cluster.advance(1.0)
    return time.perf_counter() - began, cluster.now - start_virtual


def run_case(pods: int, profile: cProfile.Profile | None = None,
             breakdown: Breakdown | None = None) -> tuple[CaseResult, Cluster]:
    """Build a cluster sized for `pods` and time the apply."""
    nodes = max(1, pods // PODS_PER_NODE)
    gc.collect()
    began = time.perf_counter()
    cluster = build_cluster(nodes)
    build = time.perf_counter() - began
    if breakdown is not None:
        breakdown.attach(cluster)
    if profile is not None:
        profile.enable()
    wall, virtual = apply_until_running(cluster, pods)
    if profile is not None:
        profile.disable()
    if breakdown is not None:
        breakdown.detach()
    rss = psutil.Process().memory_info().rss
    return CaseResult(pods, nodes, build, wall, virtual, rss), cluster


def pods_gone_after(cluster: Cluster, change: Callable[[], Any], remaining: int
                    ) -> tuple[float, float]:
    """(wall seconds, virtual seconds) from `change()` until the store holds only `remaining`
    pods, advancing virtual time one second at a time."""
    start_virtual = cluster.now
    began = time.perf_counter()
    change()
    cluster.settle()
    while cluster.store.count("pods") > remaining:
        if cluster.now - start_virtual > MAX_VIRTUAL_SECONDS:
            raise RuntimeError(f"pods were still there after {MAX_VIRTUAL_SECONDS:.0f} "
                               "virtual seconds")
        cluster.advance(1.0)
    return time.perf_counter() - began, cluster.now - start_virtual


def scale_down(cluster: Cluster, replicas: int, name: str = "web",
               breakdown: Breakdown | None = None) -> tuple[float, float]:
    """(wall, virtual) seconds from scaling the Running Deployment `name` to 0 until every
    one of its `replicas` pods is gone."""
    remaining = cluster.store.count("pods") - replicas
    if breakdown is not None:
        breakdown.attach(cluster)
    try:
        return pods_gone_after(
            cluster, lambda: cluster.api.apply(deployment(0, name), USER), remaining)
    finally:
        if breakdown is not None:
            breakdown.detach()


def delete_deployment(cluster: Cluster, replicas: int, name: str = "web",
                      breakdown: Breakdown | None = None) -> tuple[float, float]:
    """(wall, virtual) seconds from deleting the Running Deployment `name` until every one of
    its `replicas` pods is gone."""
    remaining = cluster.store.count("pods") - replicas
    if breakdown is not None:
        breakdown.attach(cluster)
    try:
        return pods_gone_after(
            cluster, lambda: cluster.api.delete("deployments.apps", "default", name, USER),
            remaining)
    finally:
        if breakdown is not None:
            breakdown.detach()


def idle_advance(pods: int) -> tuple[float, int]:
    """(wall seconds, timers fired) advancing a cluster with `pods` running pods by 24 virtual
    hours, after the start-up events' one-hour TTLs have passed."""
    cluster = build_cluster(max(1, pods // PODS_PER_NODE))
    apply_until_running(cluster, pods)
    cluster.advance(3600.0)
    fired = 0
    step = cluster.clock.step

    def counting_step() -> Any:
        nonlocal fired
        fired += 1
        return step()

    cluster.clock.step = counting_step  # type: ignore[method-assign]
    began = time.perf_counter()
    cluster.advance(IDLE_SECONDS)
    return time.perf_counter() - began, fired


class Breakdown:
    """Wall time spent in each controller's reconciles and in the cyclic garbage collector."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.gc_seconds = 0.0
        self.gc_runs = 0
        self._gc_began = 0.0
        self._restore: list[tuple[Any, Any]] = []

    def attach(self, cluster: Cluster) -> None:
        """Time every controller of `cluster` from now on (until `detach`)."""
        self._restore = []
        for controller in cluster.controllers.controllers:
            original = controller.reconcile
            self._restore.append((controller, original))

            def timed(key: str, _name: str = controller.name,
                      _original: Any = original) -> None:
                began = time.perf_counter()
                try:
                    _original(key)
                finally:
                    self.seconds[_name] = self.seconds.get(_name, 0.0) + \
                        time.perf_counter() - began
                    self.calls[_name] = self.calls.get(_name, 0) + 1

            controller.reconcile = timed  # type: ignore[method-assign]
        gc.callbacks.append(self._on_gc)

    def detach(self) -> None:
        """Stop timing the controllers and the garbage collector."""
        for controller, original in self._restore:
            controller.reconcile = original  # type: ignore[method-assign]
        self._restore = []
        gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_began = time.perf_counter()
        else:
            self.gc_seconds += time.perf_counter() - self._gc_began
            self.gc_runs += 1


def _timing(result: CaseResult) -> str:
    return (f"{result.wall_seconds:.2f} s wall ({result.virtual_seconds:.0f} s virtual; "
            f"cluster build {result.build_seconds:.2f} s)")


def _where_it_went(rows: _Table, split: Breakdown) -> None:
    rows.append(("  where it went (a reconcile includes its writes' fan-out)", ""))
    for name, seconds in sorted(split.seconds.items(), key=lambda item: -item[1]):
        rows.append((f"    {name}", f"{seconds:.2f} s in {split.calls[name]:,} reconciles"))
    rows.append(("    cyclic garbage collector (inside the above)",
                 f"{split.gc_seconds:.2f} s in {split.gc_runs:,} runs"))


class _Table:
    """Rows printed as soon as they are measured (the full run takes minutes)."""

    WIDTH = 74

    def append(self, row: tuple[str, str]) -> None:
        """Print one row: label, then value."""
        print(f"{row[0]:<{self.WIDTH}}  {row[1]}", flush=True)


def fresh_case(pods: int) -> CaseResult:
    """`run_case(pods)` in a new interpreter, so no earlier case's heap is around."""
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--case", str(pods)],
                          capture_output=True, text=True, check=True)
    return CaseResult(**json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    """Run the cases and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 pods on 10 nodes only")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed runs of each case, alternating small and large (default 3)")
    parser.add_argument("--top", type=int, default=0,
                        help="also profile the first case (cProfile) and print the N functions "
                             "with the most time of their own")
    parser.add_argument("--scale-down", action="store_true",
                        help="also time scaling the first case's Deployment to 0 and deleting "
                             "it, until every pod is gone")
    parser.add_argument("--case", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        result, _ = run_case(args.case)
        print(json.dumps(asdict(result)))
        return 0
    small, large, idle_pods = (1_000, 10_000, 1_000) if args.quick else \
        (10_000, 100_000, 1_000)
    rows = _Table()

    smalls: list[CaseResult] = []
    larges: list[CaseResult] = []
    for run in range(1, max(1, args.repeat) + 1):
        first = fresh_case(small)
        smalls.append(first)
        rows.append(((f"apply → all Running: {first.pods:,} pods / {first.nodes} nodes "
                     f"(run {run})"), _timing(first)))
        if args.quick:
            continue
        biggest = fresh_case(large)
        larges.append(biggest)
        rows.append(((f"apply → all Running: {biggest.pods:,} pods / {biggest.nodes} nodes "
                     f"(run {run})"), _timing(biggest)))
        rows.append((f"  ratio {large // 1000}k / {small // 1000}k, run {run}",
                     f"{biggest.wall_seconds / first.wall_seconds:.2f}"))
    first = min(smalls, key=lambda r: r.wall_seconds)
    biggest = min(larges, key=lambda r: r.wall_seconds) if larges else first
    if larges:
        rows.append((f"ratio {large // 1000}k / {small // 1000}k, best run of each",
                     (f"{biggest.wall_seconds:.2f} / {first.wall_seconds:.2f} = "
                     f"{biggest.wall_seconds / first.wall_seconds:.2f}")))
    rows.append((f"RSS holding {biggest.pods:,} pods",
                 f"{max(r.rss_bytes for r in larges or smalls) / 2**20:,.0f} MiB"))

    split = Breakdown()
    timed, cluster = run_case(small, breakdown=split)
    rows.append((f"{small:,} pods again, with the breakdown attached", _timing(timed)))
    _where_it_went(rows, split)
    if args.scale_down:
        down = Breakdown()
        wall, virtual = scale_down(cluster, small, breakdown=down)
        rows.append((f"scale to 0 → all pods gone: {small:,} pods / {first.nodes} nodes",
                     f"{wall:.2f} s wall ({virtual:.0f} s virtual)"))
        _where_it_went(rows, down)
        apply_until_running(cluster, small)
        gone = Breakdown()
        wall, virtual = delete_deployment(cluster, small, breakdown=gone)
        rows.append((f"delete Deployment → all pods gone: {small:,} pods / {first.nodes} nodes",
                     f"{wall:.2f} s wall ({virtual:.0f} s virtual)"))
        _where_it_went(rows, gone)
    del cluster
    gc.collect()
    idle, fired = idle_advance(idle_pods)
    rows.append((f"idle advance 24 h, {idle_pods:,} running pods",
                 f"{idle:.3f} s wall ({fired:,} timers fired)"))
    if args.top:
        profile = cProfile.Profile()
        run_case(small, profile)
        print()
        pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
