"""Garbage collection through ownerReferences with each propagation policy."""

from __future__ import annotations

from typing import Any

import pytest

from playground.engine.cluster import Cluster
from playground.engine.store import USER, WatchEvent


def owner(cluster: Cluster, name: str) -> dict[str, Any]:
    return cluster.api.create({"apiVersion": "v1", "kind": "ConfigMap",
                               "metadata": {"name": name}})


def dependent(cluster: Cluster, name: str, *owners: dict[str, Any],
              finalizers: list[str] | None = None) -> dict[str, Any]:
    refs = [{"apiVersion": o["apiVersion"], "kind": o["kind"], "name": o["metadata"]["name"],
             "uid": o["metadata"]["uid"], "controller": i == 0, "blockOwnerDeletion": True}
            for i, o in enumerate(owners)]
    meta: dict[str, Any] = {"name": name, "ownerReferences": refs}
    if finalizers:
        meta["finalizers"] = finalizers
    return cluster.api.create({"apiVersion": "v1", "kind": "Secret", "metadata": meta})


def secret(cluster: Cluster, name: str) -> dict[str, Any] | None:
    return cluster.store.get("secrets", "default", name)


def test_background_deletes_dependents_after_the_owner(cluster: Cluster) -> None:
    boss = owner(cluster, "boss")
    for i in range(3):
        dependent(cluster, f"dep-{i}", boss)
    order: list[tuple[str, str, str]] = []
    cluster.store.watch(None, lambda e: order.append((e.type, e.obj["metadata"]["name"],
                                                      str(e.actor)))
                        if e.type == "DELETED" else None)
    outcome = cluster.api.delete("configmaps", "default", "boss", propagation="Background")
    assert outcome.finished and cluster.store.get("configmaps", "default", "boss") is None
    assert secret(cluster, "dep-0") is not None  # the collector has not run yet
    cluster.settle()
    assert [secret(cluster, f"dep-{i}") for i in range(3)] == [None, None, None]
    assert order[0] == ("DELETED", "boss", "kubectl")
    assert sorted(order[1:]) == [("DELETED", f"dep-{i}", "garbage-collector") for i in range(3)]


def test_background_is_the_default_and_follows_chains(cluster: Cluster) -> None:
    top = owner(cluster, "top")
    middle = dependent(cluster, "middle", top)
    dependent(cluster, "leaf", middle)
    cluster.api.delete("configmaps", "default", "top")
    cluster.settle()
    assert secret(cluster, "middle") is None and secret(cluster, "leaf") is None


def test_a_dependent_with_another_live_owner_survives(cluster: Cluster) -> None:
    first, second = owner(cluster, "first"), owner(cluster, "second")
    dependent(cluster, "shared", first, second)
    cluster.api.delete("configmaps", "default", "first")
    cluster.settle()
    survivor = secret(cluster, "shared")
    assert survivor is not None
    assert [r["name"] for r in survivor["metadata"]["ownerReferences"]] == ["second"]


def test_foreground_keeps_the_owner_until_dependents_are_gone(cluster: Cluster) -> None:
    boss = owner(cluster, "boss")
    dependent(cluster, "plain", boss)
    dependent(cluster, "held", boss, finalizers=["example.com/hold"])
    outcome = cluster.api.delete("configmaps", "default", "boss", propagation="Foreground")
    assert not outcome.finished
    cluster.settle()
    live = cluster.store.get("configmaps", "default", "boss")
    assert live is not None
    assert live["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert live["metadata"]["deletionTimestamp"]
    assert secret(cluster, "plain") is None
    held = secret(cluster, "held")
    assert held is not None and held["metadata"]["deletionTimestamp"]
    cluster.api.remove_finalizer("secrets", "default", "held", "example.com/hold", USER)
    cluster.settle()
    assert secret(cluster, "held") is None
    assert cluster.store.get("configmaps", "default", "boss") is None


def test_foreground_without_dependents_finishes_at_once(cluster: Cluster) -> None:
    owner(cluster, "lonely")
    cluster.api.delete("configmaps", "default", "lonely", propagation="Foreground")
    cluster.settle()
    assert cluster.store.get("configmaps", "default", "lonely") is None


def test_orphan_leaves_dependents_without_the_owner_reference(cluster: Cluster) -> None:
    boss, other = owner(cluster, "boss"), owner(cluster, "other")
    dependent(cluster, "only", boss)
    dependent(cluster, "both", boss, other)
    changes: list[WatchEvent] = []
    cluster.store.watch("secrets", changes.append)
    outcome = cluster.api.delete("configmaps", "default", "boss", propagation="Orphan")
    assert not outcome.finished
    assert outcome.obj["metadata"]["finalizers"] == ["orphan"]
    cluster.settle()
    assert cluster.store.get("configmaps", "default", "boss") is None
    only, both = secret(cluster, "only"), secret(cluster, "both")
    assert only is not None and "ownerReferences" not in only["metadata"]
    assert both is not None and [r["name"] for r in both["metadata"]["ownerReferences"]] == [
        "other"]
    assert {(c.reason, str(c.actor)) for c in changes} == {("orphaned", "garbage-collector")}
    cluster.advance(3600)
    assert secret(cluster, "only") is not None


@pytest.mark.parametrize("policy", ["Background", "Foreground", "Orphan"])
def test_collector_leaves_unrelated_objects_alone(cluster: Cluster, policy: str) -> None:
    boss, bystander = owner(cluster, "boss"), owner(cluster, "bystander")
    dependent(cluster, "dep", boss)
    dependent(cluster, "unrelated", bystander)
    cluster.api.delete("configmaps", "default", "boss", propagation=policy)
    cluster.settle()
    assert secret(cluster, "unrelated") is not None
    assert cluster.store.get("configmaps", "default", "bystander") is not None
    assert (secret(cluster, "dep") is None) == (policy != "Orphan")


def test_dangling_owner_reference_at_restart_is_collected(cluster: Cluster) -> None:
    boss = owner(cluster, "boss")
    dependent(cluster, "dep", boss)
    # the owner vanishes without the collector hearing of it (as across a crash)
    cluster.store.remove("configmaps", "default", "boss", USER)
    cluster.controllers._queues["garbage-collector"].clear()
    cluster.settle()
    assert secret(cluster, "dep") is not None
    again = Cluster.restore(cluster.export_meta(), list(cluster.store.all_objects()))
    again.settle()
    assert again.store.get("secrets", "default", "dep") is None
