"""Watch routing: the store delivers a change only to the watchers that asked for its type, and
what controllers leave out (`watch_types`, `pods_by_owner_kind`) is exactly what their
`keys_for` would have ignored."""

from __future__ import annotations

from typing import Any

import pytest

from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.controllers import podutil
from playground.engine.store import ADDED, DELETED, MODIFIED, USER, Store, WatchEvent


def obj(name: str, namespace: str = "default") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": namespace}}


def test_a_watch_gets_only_the_change_types_it_names() -> None:
    store = Store()
    seen: dict[str, list[tuple[str, str]]] = {"deletions": [], "some": [], "all": []}
    store.watch("pods", lambda e: seen["deletions"].append((e.type, e.resource)),
                types={"pods": (DELETED,)})
    stop = store.watch(None, lambda e: seen["some"].append((e.type, e.resource)),
                       types={None: (DELETED,), "configmaps": (ADDED, MODIFIED)})
    store.watch(None, lambda e: seen["all"].append((e.type, e.resource)))
    for resource in ("pods", "configmaps"):
        store.put(resource, obj("a"), USER)
        store.put(resource, obj("a"), USER)
        store.remove(resource, "default", "a", USER)
    assert seen["deletions"] == [(DELETED, "pods")]
    assert seen["some"] == [(DELETED, "pods"), (ADDED, "configmaps"), (MODIFIED, "configmaps")]
    assert len(seen["all"]) == 6
    stop()
    store.put("configmaps", obj("b"), USER)
    assert len(seen["some"]) == 3 and len(seen["all"]) == 7


def test_watchers_are_called_in_the_order_they_started_resource_ones_first() -> None:
    store = Store()
    order: list[str] = []
    store.watch(None, lambda e: order.append("any"))
    store.watch("pods", lambda e: order.append("pods-1"))
    store.watch("pods", lambda e: order.append("pods-2"))
    store.put("pods", obj("a"), USER)
    assert order == ["pods-1", "pods-2", "any"]


def busy_cluster() -> tuple[Cluster, list[WatchEvent]]:
    cluster = Cluster.create(ClusterConfig(clock="manual", workers=2))
    changes: list[WatchEvent] = []
    cluster.store.watch(None, changes.append)
    api = cluster.api
    api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    template = {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}
    selector = {"matchLabels": {"app": "web"}}
    api.create({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "team"},
                "spec": {"replicas": 2, "selector": selector, "template": template,
                         "strategy": {"type": "Recreate"}}})
    api.create({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
                "spec": {"selector": selector, "template": template}})
    api.create({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
                "spec": {"replicas": 1, "serviceName": "db", "selector": selector,
                         "template": template}})
    api.create({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "once"},
                "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
                    {"name": "c", "image": "busybox", "command": ["true"]}]}}}})
    api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "lone"},
                "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}})
    cluster.settle()
    cluster.advance(30)
    api.patch("deployments.apps", "team", "web",
              {"spec": {"template": {"spec": {"containers": [
                  {"name": "c", "image": "nginx:1.28"}]}}}}, "strategic")
    cluster.advance(60)
    api.delete("pods", "default", "lone")
    api.delete("namespaces", "", "team")
    cluster.advance(120)
    return cluster, changes


@pytest.fixture(scope="module")
def busy() -> tuple[Cluster, list[WatchEvent]]:
    return busy_cluster()


def test_changes_a_controller_does_not_watch_would_have_given_no_keys(
        busy: tuple[Cluster, list[WatchEvent]]) -> None:
    cluster, changes = busy
    filtered = [c for c in cluster.controllers.controllers if c.watch_types is not None]
    assert {c.name for c in filtered} >= {"namespace-controller", "deployment-controller"}
    left_out = 0
    for controller in filtered:
        types = controller.watch_types
        assert types is not None
        for change in changes:
            if change.resource not in controller.watches and None not in controller.watches:
                continue
            wanted = types.get(change.resource, types.get(None))
            if wanted is None or change.type in wanted:
                continue
            left_out += 1
            assert list(controller.keys_for(change)) == [], (controller.name, change.type,
                                                               change.resource)
    assert left_out > 100


def test_pods_routed_by_owner_kind_get_the_keys_their_controller_would_give(
        busy: tuple[Cluster, list[WatchEvent]]) -> None:
    cluster, changes = busy
    routed = [c for c in cluster.controllers.controllers if c.pods_by_owner_kind]
    assert {c.pods_by_owner_kind for c in routed} == {"DaemonSet", "StatefulSet", "Job"}
    pods = [c for c in changes if c.resource == "pods"]
    for controller in routed:
        owned = 0
        for change in pods:
            expected = podutil.owner_key(change.obj, controller.pods_by_owner_kind or "")
            assert list(controller.keys_for(change)) == ([expected] if expected else [])
            owned += expected is not None
        assert owned > 0, controller.name
