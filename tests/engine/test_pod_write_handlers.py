"""The pod-write handlers of the EndpointSlice, Endpoints and scheduler controllers give exactly
the keys their former, scanning versions gave, on a busy random cluster.

The former handlers are kept here as the reference. Each watch event reaches the cluster's own
controller through a wrapper that also asks the reference, at the same moment (so both read
the same store), and records any difference. The scheduler's reference is a shadow
`SchedulerController` with the former `keys_for`/`_track`, its own node accounting, and the
real one's pending bookkeeping; their NodeInfos must also agree at the end.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.controllers.base import Controller
from playground.engine.controllers.podutil import is_ready
from playground.engine.controllers.scheduler import (
    _RETRY_ALL,
    SchedulerController,
    _counts,
    _pending,
    _same_scheduling_view,
)
from playground.engine.errors import APIError
from playground.engine.network.endpointslices import SERVICE_NAME_LABEL
from playground.engine.network.service_index import ServiceSelectorIndex
from playground.engine.store import DELETED, USER, Actor, Obj, Store, WatchEvent

KUBELET = Actor("kubelet", "worker-1")

# -- the former handlers (reference) -------------------------------------------------------


def ref_services_selecting(store: Store, namespace: str, labels: dict[str, str] | None
                           ) -> list[Obj]:
    found = []
    for svc in store.iter("services", namespace):
        selector = (svc.get("spec") or {}).get("selector")
        if selector and all((labels or {}).get(k) == v for k, v in selector.items()):
            found.append(svc)
    return found


def ref_endpoints_keys(store: Store, event: WatchEvent) -> Iterator[str]:
    meta = event.obj["metadata"]
    namespace = meta.get("namespace", "")
    if event.resource == "services":
        yield f"{namespace}/{meta['name']}"
        return
    names = {s["metadata"]["name"] for s in
             ref_services_selecting(store, namespace, meta.get("labels"))}
    if event.old is not None:
        names.update(s["metadata"]["name"] for s in ref_services_selecting(
            store, namespace, event.old["metadata"].get("labels")))
    for name in sorted(names):
        yield f"{namespace}/{name}"


def ref_endpoint_view(pod: Obj) -> tuple[Any, ...]:
    meta = pod["metadata"]
    status = pod.get("status") or {}
    spec = pod.get("spec") or {}
    return (meta.get("labels"), meta.get("deletionTimestamp"), status.get("podIP"),
            status.get("phase"), is_ready(pod), spec.get("nodeName"), spec.get("hostname"),
            spec.get("subdomain"))


def ref_endpointslice_keys(store: Store, name: str, event: WatchEvent) -> Iterator[str]:
    meta = event.obj["metadata"]
    namespace = meta.get("namespace", "")
    if event.resource == "services":
        yield f"{namespace}/{meta['name']}"
    elif event.resource == "pods":
        if event.old is not None and ref_endpoint_view(event.old) == \
                ref_endpoint_view(event.obj) and event.type != DELETED:
            return
        labels = dict(meta.get("labels") or {})
        for svc in ref_services_selecting(store, namespace, labels):
            yield f"{namespace}/{svc['metadata']['name']}"
        old_labels = (event.old or {}).get("metadata", {}).get("labels") or {}
        if event.old is not None and old_labels != labels:
            for svc in ref_services_selecting(store, namespace, old_labels):
                yield f"{namespace}/{svc['metadata']['name']}"
    else:
        service = (meta.get("labels") or {}).get(SERVICE_NAME_LABEL)
        if service and event.actor.name != name:
            yield f"{namespace}/{service}"


class ReferenceScheduler(SchedulerController):
    """The scheduler's former watch handling, on its own node accounting."""

    name = "reference-scheduler"

    def _track(self, event: WatchEvent) -> None:
        if self._nodes is None:
            return
        obj = event.obj
        if event.resource == "nodes":
            name = obj["metadata"]["name"]
            if event.type == DELETED:
                if self._nodes.pop(name, None) is not None:
                    self._order = sorted(self._nodes)
            elif name in self._nodes:
                self._nodes[name].set_node(obj)
            else:
                from playground.engine.scheduler import NodeInfo
                pods = [p for p in self.store.pods_on_node(name) if _counts(p)]
                self._nodes[name] = NodeInfo(obj, pods)
                self._order = sorted(self._nodes)
            return
        old_node = ((event.old or {}).get("spec") or {}).get("nodeName")
        new_node = (obj.get("spec") or {}).get("nodeName")
        if old_node and old_node != new_node and old_node in self._nodes:
            self._nodes[old_node].remove_pod(event.old or obj)
        if not new_node or new_node not in self._nodes:
            return
        info = self._nodes[new_node]
        if event.type == DELETED or not _counts(obj):
            info.remove_pod(obj)
        elif event.old is None or not _same_scheduling_view(event.old, obj) or \
                old_node != new_node:
            info.add_pod(obj)

    def keys_for(self, event: WatchEvent) -> Iterator[str]:
        self._track(event)
        obj = event.obj
        meta = obj["metadata"]
        if event.resource == "persistentvolumeclaims":
            if self.unschedulable:
                yield _RETRY_ALL
            return
        if event.resource == "nodes":
            if event.type != DELETED and self.unschedulable:
                yield _RETRY_ALL
            return
        key = f"{meta.get('namespace', '')}/{meta['name']}"
        if event.type == DELETED:
            self.unschedulable.pop(key, None)
            self.explanations.pop(meta.get("uid", ""), None)
            if (obj.get("spec") or {}).get("nodeName") and self.unschedulable:
                yield _RETRY_ALL
            return
        if _pending(obj):
            yield key
        elif event.old is not None and _counts(event.old) and not _counts(obj) and \
                self.unschedulable:
            yield _RETRY_ALL


# -- recording -----------------------------------------------------------------------------


class Recorder:
    """Wraps a controller's `keys_for` to compare it with a reference, event by event."""

    def __init__(self) -> None:
        self.differences: list[tuple[str, str, str, str, list[str], list[str]]] = []
        self.seen: dict[str, int] = {}
        self.keyed: dict[str, int] = {}
        self.pod_keyed: dict[str, int] = {}
        self.relabelled_selected = 0
        """Pod writes that changed labels and concerned some Service."""
        self.retries = 0

    def wrap(self, controller: Controller,
             reference: Callable[[WatchEvent], Iterable[str]]) -> None:
        handler = controller.keys_for
        name = controller.name

        def checked(event: WatchEvent) -> list[str]:
            want = list(reference(event))
            got = list(handler(event))
            self.seen[name] = self.seen.get(name, 0) + 1
            if got:
                self.keyed[name] = self.keyed.get(name, 0) + 1
                if event.resource == "pods":
                    self.pod_keyed[name] = self.pod_keyed.get(name, 0) + 1
            if got and event.resource == "pods" and event.old is not None and \
                    event.old["metadata"].get("labels") != event.obj["metadata"].get("labels"):
                self.relabelled_selected += 1
            self.retries += _RETRY_ALL in got
            if got != want:
                self.differences.append((name, event.resource, event.type,
                                         event.obj["metadata"]["name"], got, want))
            return got

        controller.keys_for = checked  # type: ignore[method-assign]


def controller(cluster: Cluster, name: str) -> Controller:
    return next(c for c in cluster.controllers.controllers if c.name == name)


def accounting(scheduler: SchedulerController) -> dict[str, tuple[Any, ...]]:
    return {name: (info.generation, dict(info.requested), info.requested_cpu,
                   info.requested_memory, info.non_zero_cpu, info.non_zero_memory,
                   sorted(info.pods), dict(info.used_ports))
            for name, info in scheduler.node_infos().items()}


# -- the busy cluster ----------------------------------------------------------------------

LABELS = {"app": ("web", "api"), "tier": ("front", "back"), "track": ("stable", "canary")}


def deployment(name: str, namespace: str, labels: dict[str, str], replicas: int,
               cpu: str = "50m") -> Obj:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"deploy": name}},
                     "template": {"metadata": {"labels": {"deploy": name, **labels}},
                                  "spec": {"containers": [{
                                      "name": "c", "image": "nginx:1.27",
                                      "ports": [{"name": "http", "containerPort": 80}],
                                      "resources": {"requests": {"cpu": cpu}}}]}}}}


def random_selector(rng: random.Random) -> dict[str, str]:
    keys = rng.sample(sorted(LABELS), rng.randint(1, 2))
    return {k: rng.choice(LABELS[k]) for k in keys}


def service(name: str, namespace: str, selector: dict[str, str] | None,
            kind: str = "ClusterIP") -> Obj:
    spec: dict[str, Any] = {"type": kind}
    if kind == "ExternalName":
        spec["externalName"] = "example.com"
    else:
        spec["ports"] = [{"name": "http", "port": 80, "targetPort": "http"}]
    if selector is not None:
        spec["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def attempt(action: Callable[..., Any], *args: Any) -> None:
    try:
        action(*args)
    except APIError:
        pass


def busy_random_cluster(seed: int) -> tuple[Cluster, Recorder, ReferenceScheduler]:
    rng = random.Random(seed)
    cluster = Cluster.create(ClusterConfig(clock="manual", workers=3, seed=seed))
    recorder = Recorder()
    store = cluster.store
    slices = controller(cluster, "endpointslice-controller")
    recorder.wrap(slices, lambda e: ref_endpointslice_keys(store, slices.name, e))
    recorder.wrap(controller(cluster, "endpoint-controller"),
                  lambda e: ref_endpoints_keys(store, e))
    scheduler = cluster.scheduler
    shadow = ReferenceScheduler(cluster)
    shadow.unschedulable = scheduler.unschedulable
    shadow.explanations = scheduler.explanations
    scheduler.node_infos()
    shadow.node_infos()
    recorder.wrap(scheduler, shadow.keys_for)

    api = cluster.api
    api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    namespaces = ("default", "shop")
    for index in range(4):
        labels = {k: rng.choice(v) for k, v in LABELS.items()}
        api.create(deployment(f"d{index}", rng.choice(namespaces), labels, rng.randint(2, 5)))
    api.create(deployment("huge", "default", {"app": "web"}, 1, cpu="64"))
    api.create({"apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"name": "once", "namespace": "shop",
                             "labels": {"app": "api"}},
                "spec": {"template": {"metadata": {"labels": {"app": "api"}},
                                      "spec": {"restartPolicy": "Never", "containers": [
                                          {"name": "c", "image": "busybox",
                                           "command": ["true"]}]}}}})
    cluster.settle()
    stopped: list[str] = []
    services = 0

    def pods(namespace: str | None = None) -> list[Obj]:
        return [p for p in store.list("pods", namespace)
                if p["metadata"].get("namespace") in namespaces]

    for _ in range(300):
        op = rng.choice(("service", "service", "reselect", "unselect", "delete-service",
                         "label", "label", "ready", "ready", "scale", "scale", "delete-pod",
                         "bare-pod", "node", "advance"))
        namespace = rng.choice(namespaces)
        existing = store.list("services", namespace)
        if op == "service" or (op in ("reselect", "unselect", "delete-service")
                               and len(existing) < 2):
            services += 1
            kind = rng.choice(("ClusterIP", "ClusterIP", "ClusterIP", "ExternalName"))
            selector = random_selector(rng) if rng.random() < 0.9 else None
            attempt(api.create, service(f"s{services}", namespace, selector, kind))
        elif op in ("reselect", "unselect", "delete-service"):
            target = rng.choice([s for s in existing if s["metadata"]["name"] != "kubernetes"])
            name = target["metadata"]["name"]
            if op == "delete-service":
                attempt(api.delete, "services", namespace, name)
            else:
                selector = random_selector(rng) if op == "reselect" else None
                attempt(api.patch, "services", namespace, name, {"spec": {"selector": selector}},
                        "merge")
        elif op == "label" and pods():
            pod = rng.choice(pods())
            key = rng.choice(sorted(LABELS))
            value = rng.choice((*LABELS[key], None))
            meta = pod["metadata"]
            attempt(api.patch, "pods", meta["namespace"], meta["name"],
                    {"metadata": {"labels": {key: value}}}, "merge")
        elif op == "ready" and pods():
            pod = rng.choice(pods())
            status = dict(pod.get("status") or {}, conditions=[
                {"type": "Ready", "status": rng.choice(("True", "False")),
                 "lastTransitionTime": cluster.clock.timestamp()}])
            attempt(api.update_status, dict(pod, status=status), KUBELET)
        elif op == "scale":
            found = store.list("deployments.apps", namespace)
            if found:
                meta = rng.choice(found)["metadata"]
                attempt(api.patch, "deployments.apps", namespace, meta["name"],
                        {"spec": {"replicas": rng.randint(0, 8)}}, "merge")
        elif op == "delete-pod" and pods():
            meta = rng.choice(pods())["metadata"]
            attempt(api.delete, "pods", meta["namespace"], meta["name"])
        elif op == "bare-pod":
            services += 1
            spec: dict[str, Any] = {"containers": [{"name": "c", "image": "nginx:1.27",
                                                    "ports": [{"name": "http",
                                                               "containerPort": 80}]}]}
            placement = rng.choice(("scheduler", "worker-2", "other-scheduler"))
            if placement == "other-scheduler":
                spec["schedulerName"] = placement
            elif placement != "scheduler":
                spec["nodeName"] = placement
            attempt(api.create, {"apiVersion": "v1", "kind": "Pod",
                                 "metadata": {"name": f"bare{services}", "namespace": namespace,
                                              "labels": random_selector(rng)},
                                 "spec": spec})
        elif op == "node":
            if stopped and rng.random() < 0.5:
                cluster.node_lifecycle.recover_node(stopped.pop())
            else:
                worker = rng.choice([f"worker-{i}" for i in (1, 2, 3)
                                     if f"worker-{i}" not in stopped] or ["worker-1"])
                if worker not in stopped:
                    cluster.node_lifecycle.fail_node(worker)
                    stopped.append(worker)
                    cluster.advance(rng.choice((30, 360)))  # NotReady, then evictions
        cluster.settle()
        cluster.advance(rng.choice((1, 5, 20, 60, 200, 400)) if op == "advance" else
                        rng.choice((0.5, 2, 10)))
    for worker in stopped:
        cluster.node_lifecycle.recover_node(worker)
    cluster.advance(400)
    api.delete("namespaces", "", "shop")
    cluster.advance(120)
    return cluster, recorder, shadow


@pytest.fixture(scope="module", params=[1, 2, 3])
def busy(request: pytest.FixtureRequest) -> tuple[Cluster, Recorder, ReferenceScheduler]:
    return busy_random_cluster(request.param)


def test_every_handler_gave_the_keys_of_its_former_version(
        busy: tuple[Cluster, Recorder, ReferenceScheduler]) -> None:
    _, recorder, _ = busy
    assert recorder.differences == []
    for name in ("endpointslice-controller", "endpoint-controller", "default-scheduler"):
        assert recorder.seen[name] > 300, name
        assert recorder.pod_keyed.get(name, 0) > 5, name


def test_the_scheduler_accounts_for_nodes_as_its_former_version(
        busy: tuple[Cluster, Recorder, ReferenceScheduler]) -> None:
    cluster, _, shadow = busy
    assert accounting(cluster.scheduler) == accounting(shadow)
    assert any(info.pods for info in cluster.scheduler.node_infos().values())


def test_the_busy_cluster_went_through_what_the_handlers_must_tell_apart(
        busy: tuple[Cluster, Recorder, ReferenceScheduler]) -> None:
    cluster, recorder, _ = busy
    assert recorder.relabelled_selected > 0
    assert recorder.retries > 0
    # Services were left behind in default; those of the deleted namespace went with it
    assert cluster.scheduler.unschedulable or recorder.retries
    assert ServiceSelectorIndex(cluster.store).any_in("default")
    assert not ServiceSelectorIndex(cluster.store).any_in("shop")


def test_index_answers_in_store_order_as_services_are_written() -> None:
    cluster = Cluster.create(ClusterConfig(clock="manual", workers=1))
    index = ServiceSelectorIndex(cluster.store)
    api = cluster.api
    api.create(service("a", "default", {"app": "web"}))
    api.create(service("b", "default", {"tier": "front", "app": "web"}))
    api.create(service("c", "default", {"app": "api"}))
    labels = {"app": "web", "tier": "front"}
    assert index.selecting("default", labels) == ["a", "b"]
    api.patch("services", "default", "a", {"metadata": {"labels": {"x": "y"}}}, "merge")
    assert index.selecting("default", labels) == ["b", "a"]
    assert [s["metadata"]["name"] for s in
            ref_services_selecting(cluster.store, "default", labels)] == ["b", "a"]
    api.patch("services", "default", "b", {"spec": {"selector": {"app": "api", "tier": None}}},
              "merge")
    assert index.selecting("default", labels) == ["a"]
    assert index.selecting("default", {"app": "api"}) == ["c", "b"]
    api.delete("services", "default", "c")
    assert index.selecting("default", {"app": "api"}) == ["b"]
    assert index.selecting("default", None) == []
    assert index.selecting("elsewhere", labels) == []


def test_index_built_after_a_restore_sees_the_loaded_services() -> None:
    cluster = Cluster.create(ClusterConfig(clock="manual", workers=1))
    cluster.api.create(service("a", "default", {"app": "web"}))
    cluster.api.create(service("b", "default", {"app": "web"}))
    cluster.api.patch("services", "default", "a", {"metadata": {"labels": {"x": "y"}}},
                      "merge", USER)
    restored = Cluster.restore(cluster.export_meta(), list(cluster.store.all_objects()))
    index = ServiceSelectorIndex(restored.store)
    assert index.selecting("default", {"app": "web"}) == [
        s["metadata"]["name"] for s in
        ref_services_selecting(restored.store, "default", {"app": "web"})]
