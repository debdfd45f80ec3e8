"""Throughput, latency, memory and persistence costs of the engine core.

Not a test: run `python benchmarks/engine_core.py` (a few minutes) or `--quick` (every object
and change count divided by ten; seconds) and read the table. It drives the engine directly —
`Cluster.create(ClusterConfig(clock="manual"))`, `cluster.api`, `cluster.store`, `StateDB` — in
a temporary directory, timing with `time.perf_counter`. What it measures:

1. objects created per second through the API with validation (actor `USER`: strict decoding,
   defaulting, admission, validation, store) for ConfigMaps and Deployments, client-side apply
   (create, configure, unchanged), and the trusted controller path for pods;
2. list latency (median and p95) at 100,000 pods for label selectors, a namespace and the
   `spec.nodeName` field selector;
3. watch fan-out: 100 watchers on one kind receiving 10,000 changes;
4. state open time (`save_all`, then a fresh `StateDB(dir).load()`) at 10,000 and 100,000
   objects, and the save of one command-sized change on the 100,000-object state;
5. the process's RSS while holding the 100,000-object cluster, and the state's size on disk.

The big cluster is built first so the RSS figure is not inflated by earlier runs' garbage.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.selectors import parse_field_selector, parse_label_selector
from playground.engine.store import USER, Actor, Obj, WatchEvent, deep_copy
from playground.state.database import StateDB

REPLICASET_CONTROLLER = Actor("controller", "replicaset-controller")
NAMESPACES = 10
APPS = 100  # each app label value marks 1% of the pods
PODS_PER_NODE = 100  # under the kubelet's 110-pod limit, while the node count allows
MAX_NODES = 250  # node pod CIDRs are 10.244.<index>.0/24, so indices stop at 255
ENVS = ("a", "b", "c", "d")


@dataclass(frozen=True)
class Sizes:
    """How much work each benchmark does."""

    creates: int  # ConfigMaps, Deployments and trusted pods created, each
    applies: int  # manifests applied three times (created, configured, unchanged)
    big: int  # pods in the cluster for lists, RSS and the large state
    medium: int  # pods in the smaller state
    watchers: int
    changes: int  # writes the watchers receive

    @classmethod
    def full(cls) -> Sizes:
        """The sizes the brief asks for."""
        return cls(creates=10_000, applies=5_000, big=100_000, medium=10_000, watchers=100,
                   changes=10_000)

    @classmethod
    def quick(cls) -> Sizes:
        """Every object and change count divided by ten; the fan-out stays 100 watchers."""
        return cls(creates=1_000, applies=500, big=10_000, medium=1_000, watchers=100,
                   changes=1_000)


@dataclass(frozen=True)
class Result:
    """One row of the printed table."""

    section: str
    name: str
    size: str
    value: str


# -- measuring -----------------------------------------------------------------------------------

def timed(fn: Callable[[], Any]) -> float:
    """Wall seconds one call takes."""
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def sample(fn: Callable[[], Any], *, min_calls: int = 5, max_calls: int = 50,
           budget: float = 2.0) -> tuple[float, float, int]:
    """(median, p95, calls) in seconds over repeated calls, stopping after `max_calls` or
    once `budget` seconds are spent (but never before `min_calls`)."""
    times: list[float] = []
    spent = 0.0
    while len(times) < max_calls and (len(times) < min_calls or spent < budget):
        took = timed(fn)
        times.append(took)
        spent += took
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, len(times)


def rss() -> int:
    """Resident set size of this process, bytes."""
    return int(psutil.Process().memory_info().rss)


def per_second(count: int, seconds: float, unit: str) -> str:
    return f"{count / seconds:,.0f} {unit}/s ({seconds:.2f} s)"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.2f} ms"


def mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


def progress(text: str) -> None:
    print(f"  … {text}", file=sys.stderr, flush=True)


# -- objects -------------------------------------------------------------------------------------

def new_cluster(workers: int = 3) -> Cluster:
    """A settled cluster on a manual clock, with nodes big enough for 100 pods each."""
    return Cluster.create(ClusterConfig(clock="manual", workers=workers, node_cpu="16",
                                        node_memory="32Gi"))


def create_namespace(cluster: Cluster, name: str) -> None:
    cluster.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
                       USER)


def config_map(i: int) -> Obj:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"settings-{i}", "namespace": "bench",
                         "labels": {"app": f"app-{i % APPS}", "tier": "backend"}},
            "data": {"LOG_LEVEL": "info", "LISTEN_ADDR": ":8080",
                     "app.properties": f"name=app-{i}\nreplicas=3\ntimeout=30s\n"}}


def deployment(i: int, *, image: str = "nginx:1.25", replicas: int = 3) -> Obj:
    labels = {"app": f"web-{i}"}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": f"web-{i}", "namespace": "bench",
                         "labels": {"app": f"web-{i}", "team": f"team-{i % NAMESPACES}"}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                     "template": {"metadata": {"labels": dict(labels)}, "spec": {
                         "containers": [{
                             "name": "web", "image": image,
                             "ports": [{"containerPort": 80, "name": "http"}],
                             "env": [{"name": "MODE", "value": "production"}],
                             "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                                           "limits": {"memory": "256Mi"}},
                             "readinessProbe": {"httpGet": {"path": "/", "port": 80},
                                                "periodSeconds": 5}}]}}}}


def replica_set(app: int, namespace: str, replicas: int) -> Obj:
    labels = {"app": f"app-{app}", "pod-template-hash": "7c5ddbdf54"}
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": f"app-{app}-7c5ddbdf54", "namespace": namespace,
                         "labels": dict(labels)},
            "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                     "template": {"metadata": {"labels": dict(labels)},
                                  "spec": {"containers": [{"name": "app",
                                                           "image": "nginx:1.25"}]}}}}


def pod(i: int, owner: Obj, *, node: str | None = None, running: bool = False) -> Obj:
    """A pod as the ReplicaSet controller creates it; with `node` and `running`, as the
    scheduler and the kubelet leave it once it runs."""
    app = i % APPS
    meta = owner["metadata"]
    labels = {"app": f"app-{app}", "pod-template-hash": "7c5ddbdf54",
              "env": ENVS[(i // APPS) % len(ENVS)]}
    if i % 10 == 3:
        labels["legacy"] = "true"
    obj: Obj = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": f"{meta['name']}-{i:06x}", "namespace": meta["namespace"],
                     "generateName": f"{meta['name']}-", "labels": labels,
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                          "name": meta["name"], "uid": meta["uid"],
                                          "controller": True, "blockOwnerDeletion": True}]},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.25",
                                 "ports": [{"containerPort": 80, "protocol": "TCP"}],
                                 "resources": {"requests": {"cpu": "100m",
                                                            "memory": "128Mi"}}}]},
    }
    if node is not None:
        obj["spec"]["nodeName"] = node
    if running:
        stamp = "2026-01-01T00:00:05Z"
        ip = f"10.244.{i // 250 % 250}.{i % 250 + 2}"
        obj["status"] = {
            "phase": "Running", "qosClass": "Burstable", "hostIP": "172.18.0.3",
            "podIP": ip, "podIPs": [{"ip": ip}], "startTime": stamp,
            "conditions": [{"type": t, "status": "True", "lastProbeTime": None,
                            "lastTransitionTime": stamp}
                           for t in ("PodReadyToStartContainers", "Initialized", "Ready",
                                     "ContainersReady", "PodScheduled")],
            "containerStatuses": [{
                "name": "app", "image": "docker.io/library/nginx:1.25",
                "imageID": "docker.io/library/nginx@sha256:a484819eb60211f5299034ac80f6a681b"
                           "06f89e65866ce91f356ed7c72af059c",
                "containerID": f"containerd://{i:064x}", "ready": True, "started": True,
                "restartCount": 0, "state": {"running": {"startedAt": stamp}},
                "lastState": {}}]}
    return obj


def pod_cluster(pods: int) -> tuple[Cluster, float, float]:
    """A cluster at rest holding `pods` running pods of 100 ReplicaSets in ten namespaces,
    100 pods per worker (400 on the 250 workers of the full size), written through the trusted path (one write per pod, as if the
    scheduler and kubelet had already done their part). Returns the cluster, the seconds the
    pod writes took and the seconds the controllers then took to settle."""
    nodes = max(1, min(MAX_NODES, pods // PODS_PER_NODE))
    cluster = new_cluster(workers=nodes)
    for n in range(NAMESPACES):
        create_namespace(cluster, f"team-{n}")
    owners = [cluster.api.create(replica_set(a, f"team-{a % NAMESPACES}", pods // APPS),
                                 REPLICASET_CONTROLLER) for a in range(APPS)]
    manifests = [pod(i, owners[i % APPS], node=f"worker-{(i // APPS) % nodes + 1}",
                     running=True) for i in range(pods)]

    def write() -> None:
        for manifest in manifests:
            cluster.api.create(manifest, REPLICASET_CONTROLLER)

    writing = timed(write)
    settling = timed(cluster.settle)
    return cluster, writing, settling


# -- 1. creates ----------------------------------------------------------------------------------
# Only the API path is timed: the controllers' reactions (ReplicaSets for the Deployments,
# scheduling for the pods) are left queued and never settled.

def fresh_namespace() -> Cluster:
    cluster = new_cluster()
    create_namespace(cluster, "bench")
    cluster.settle()
    return cluster


def bench_creates(sizes: Sizes) -> list[Result]:
    results: list[Result] = []
    n = sizes.creates

    def run(name: str, manifests: list[Obj], actor: Actor, cluster: Cluster) -> None:
        progress(f"{name}: {len(manifests):,}")

        def go() -> None:
            for manifest in manifests:
                cluster.api.create(manifest, actor)

        took = timed(go)
        resource = cluster.api.resource_type(manifests[0]).key
        assert cluster.store.count(resource) >= len(manifests), resource
        results.append(Result("1 create", name, f"{len(manifests):,}",
                              per_second(len(manifests), took, "objects")))

    run("ConfigMap create (USER, validated)", [config_map(i) for i in range(n)], USER,
        fresh_namespace())
    run("Deployment create (USER, validated)", [deployment(i) for i in range(n)], USER,
        fresh_namespace())
    cluster = fresh_namespace()
    owner = cluster.api.create(replica_set(0, "bench", n), REPLICASET_CONTROLLER)
    run("Pod create (controller, trusted; pending, unbound)",
        [pod(i * APPS, owner) for i in range(n)], REPLICASET_CONTROLLER, cluster)

    a = sizes.applies
    cluster = fresh_namespace()
    progress(f"applies: {a:,} × 3")
    rounds = (("created", [deployment(i) for i in range(a)]),
              ("configured", [deployment(i, image="nginx:1.27", replicas=5) for i in range(a)]),
              ("unchanged", [deployment(i, image="nginx:1.27", replicas=5) for i in range(a)]))
    for outcome, manifests in rounds:
        def apply_all(manifests: list[Obj] = manifests, outcome: str = outcome) -> None:
            for manifest in manifests:
                result = cluster.api.apply(manifest, USER, namespace="bench")
                assert result.result == outcome, (result.result, outcome)

        took = timed(apply_all)
        results.append(Result("1 create", f"Deployment apply → {outcome} (USER)", f"{a:,}",
                              per_second(a, took, "applies")))
    return results


# -- 2. lists ------------------------------------------------------------------------------------

def bench_lists(cluster: Cluster, pods: int) -> list[Result]:
    results: list[Result] = []
    size = f"{pods:,} pods"
    cases: list[tuple[str, dict[str, Any]]] = [
        ("all pods, no selector", {}),
        ("-l app=app-42 (1%)", {"selector": parse_label_selector("app=app-42")}),
        ("-l 'env in (a,b)' (50%)", {"selector": parse_label_selector("env in (a,b)")}),
        ("-l '!legacy' (90%)", {"selector": parse_label_selector("!legacy")}),
        ("-l app=app-42,env=c", {"selector": parse_label_selector("app=app-42,env=c")}),
        ("-n team-3 (10%)", {"namespace": "team-3"}),
        ("-n team-2 -l app=app-42 (1%)", {"namespace": "team-2",
                                         "selector": parse_label_selector("app=app-42")}),
        ("--field-selector spec.nodeName=worker-42",
         {"fields": parse_field_selector("spec.nodeName=worker-42", "Pod")}),
    ]
    for name, kwargs in cases:
        progress(f"list {name}")
        hits = len(cluster.api.list("pods", **kwargs))
        median, p95, calls = sample(lambda kwargs=kwargs: cluster.api.list("pods", **kwargs))
        results.append(Result("2 list", name, size,
                              f"median {ms(median)} · p95 {ms(p95)} · {hits:,} hits "
                              f"({calls} calls)"))
    return results


# -- 3. watches ----------------------------------------------------------------------------------

class Bridge:
    """A watcher doing what a UI bridge does: coalesce changes by object until the next frame."""

    def __init__(self) -> None:
        self.pending: dict[tuple[str, str], str] = {}
        self.received = 0

    def __call__(self, event: WatchEvent) -> None:
        meta = event.obj["metadata"]
        self.pending[(meta.get("namespace", ""), meta["name"])] = event.type
        self.received += 1


def bench_watch(sizes: Sizes) -> list[Result]:
    """The same number of ConfigMap updates without and then with the extra watchers."""
    changes, watchers = sizes.changes, sizes.watchers
    cluster = fresh_namespace()
    for i in range(changes):
        cluster.api.create(config_map(i), REPLICASET_CONTROLLER)

    def round_of_updates(serial: int) -> float:
        updates = []
        for i in range(changes):
            current = cluster.store.get("configmaps", "bench", f"settings-{i}")
            assert current is not None
            updated = deep_copy(current)
            updated["data"]["LOG_LEVEL"] = f"debug-{serial}"
            updates.append(updated)

        def go() -> None:
            for obj in updates:
                cluster.api.update(obj, REPLICASET_CONTROLLER)

        return timed(go)

    progress(f"watch: {changes:,} updates, no extra watchers")
    base = round_of_updates(1)
    bridges = [Bridge() for _ in range(watchers)]
    for bridge in bridges:
        cluster.store.watch("configmaps", bridge)
    progress(f"watch: {changes:,} updates, {watchers} watchers")
    fanned = round_of_updates(2)
    assert all(b.received == changes for b in bridges)
    delivered = changes * watchers
    marginal = max(fanned - base, 0.0) / delivered
    return [
        Result("3 watch", "ConfigMap updates, no extra watchers", f"{changes:,} writes",
               per_second(changes, base, "writes")),
        Result("3 watch", f"ConfigMap updates, {watchers} coalescing watchers",
               f"{changes:,} writes", per_second(changes, fanned, "writes")),
        Result("3 watch", "events delivered", f"{delivered:,} events",
               f"{delivered / fanned:,.0f} events/s with the writes · "
               f"{marginal * 1e6:.2f} µs per delivery"),
    ]


# -- 4 and 5. state ------------------------------------------------------------------------------

def directory_size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.iterdir() if p.is_file())


def bench_state(cluster: Cluster, workdir: Path, label: str, *,
                incremental: bool) -> list[Result]:
    results: list[Result] = []
    objects = cluster.store.count()
    size = f"{objects:,} objects"
    directory = workdir / f"state-{label}"
    db = StateDB(directory)
    progress(f"save_all {size}")
    took = timed(lambda: db.save_all(cluster))
    db.close()
    results.append(Result("4 state", f"save_all ({label})", size, f"{took:.2f} s"))
    results.append(Result("5 memory", f"state on disk ({label})", size,
                          f"{mib(directory_size(directory))} "
                          f"({directory_size(directory) / objects:,.0f} B/object)"))
    progress(f"open {size}")
    fresh = StateDB(directory)
    loaded: list[Cluster] = []
    took = timed(lambda: loaded.append(fresh.load()))
    assert loaded[0].store.count() == objects, (loaded[0].store.count(), objects)
    results.append(Result("4 state", f"open: StateDB(dir).load() ({label})", size,
                          f"{took:.2f} s"))
    if incremental:
        reopened = loaded[0]
        took = timed(reopened.settle)
        results.append(Result("4 state", f"first settle after open ({label})", size,
                              f"{took:.2f} s"))
        create_namespace(reopened, "bench")
        reopened.settle()
        fresh.save(reopened)
        saves: list[float] = []
        for i in range(10):
            reopened.api.apply(deployment(i), USER, namespace="bench")
            reopened.api.patch("pods", "team-2", "app-42-7c5ddbdf54-00002a",
                               {"metadata": {"labels": {"release": f"r{i}"}}}, "strategic",
                               USER)
            reopened.settle()
            saves.append(timed(lambda: fresh.save(reopened)))
        results.append(Result("4 state", "save one command (apply 1 Deployment, label 1 pod)",
                              size, f"median {ms(statistics.median(saves))} · max "
                                    f"{ms(max(saves))} (10 commands)"))
    fresh.close()
    return results


# -- running -------------------------------------------------------------------------------------

def run_all(sizes: Sizes, workdir: Path) -> list[Result]:
    """Every benchmark, in an order that keeps the RSS figure honest; rows in section order."""
    results: list[Result] = []
    gc.collect()
    baseline = rss()
    progress(f"building a cluster of {sizes.big:,} pods")
    big, writing, settling = pod_cluster(sizes.big)
    gc.collect()
    held = rss()
    objects = big.store.count()
    results.append(Result("5 memory", "RSS holding the cluster", f"{objects:,} objects",
                          f"{mib(held)} ({mib(held - baseline)} over the empty process, "
                          f"{(held - baseline) / objects / 1024:,.1f} KiB/object)"))
    results.append(Result("1 create", "Pod create (trusted; bound, Running) up to the big "
                          "cluster", f"{sizes.big:,}", per_second(sizes.big, writing, "objects")))
    results.append(Result("1 create", "  then settle the controllers", f"{objects:,} objects",
                          f"{settling:.2f} s"))
    results += bench_lists(big, sizes.big)
    results += bench_state(big, workdir, "big", incremental=True)
    del big
    gc.collect()
    progress(f"building a cluster of {sizes.medium:,} pods")
    medium = pod_cluster(sizes.medium)[0]
    results += bench_state(medium, workdir, "medium", incremental=False)
    del medium
    gc.collect()
    results += bench_creates(sizes)
    results += bench_watch(sizes)
    return sorted(results, key=lambda r: r.section[0])


def render(results: list[Result]) -> str:
    """The results as an aligned text table."""
    header = Result("section", "benchmark", "size", "result")
    rows = [header, *results]
    widths = [max(len(getattr(r, f)) for r in rows) for f in ("section", "name", "size")]
    lines = []
    for i, r in enumerate(rows):
        lines.append(f"{r.section:<{widths[0]}}  {r.name:<{widths[1]}}  "
                     f"{r.size:>{widths[2]}}  {r.value}")
        if i == 0:
            lines.append("-" * (sum(widths) + 6 + max(len(x.value) for x in rows)))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[Result]:
    """Run the benchmarks and print the table; returns the rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="ten times smaller sizes (finishes in seconds)")
    args = parser.parse_args(argv)
    sizes = Sizes.quick() if args.quick else Sizes.full()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="playground-bench-") as tmp:
        results = run_all(sizes, Path(tmp))
    print(render(results))
    print(f"\n{'quick' if args.quick else 'full'} run, {time.perf_counter() - began:.0f} s "
          f"wall, Python {sys.version.split()[0]}, {psutil.cpu_count()} CPUs")
    return results


if __name__ == "__main__":
    main()
