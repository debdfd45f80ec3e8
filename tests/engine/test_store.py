"""The object store: resourceVersions, watches with attribution, selectors and indices."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.engine.selectors import (
    FieldRequirement,
    Selector,
    fields_match,
    parse_field_selector,
    parse_label_selector,
)
from playground.engine.store import (
    ADDED,
    DELETED,
    MODIFIED,
    SYSTEM,
    USER,
    Actor,
    Store,
    WatchEvent,
)

KUBELET = Actor("kubelet", "worker-1")


def obj(kind: str, name: str, namespace: str = "default", labels: dict[str, str] | None = None,
        node: str = "", phase: str = "", owner: str = "") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "uid": f"uid-{kind}-{namespace}-{name}"}
    if namespace:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = dict(labels)
    if owner:
        meta["ownerReferences"] = [{"uid": owner, "name": "o", "kind": "X", "apiVersion": "v1"}]
    body: dict[str, Any] = {"apiVersion": "v1", "kind": kind, "metadata": meta}
    if node:
        body["spec"] = {"nodeName": node}
    if phase:
        body["status"] = {"phase": phase}
    return body


def test_resource_version_is_global_and_strictly_increasing() -> None:
    store = Store()
    seen = [int(store.put("configmaps", obj("ConfigMap", "a"), USER)["metadata"]
                ["resourceVersion"])]
    seen.append(int(store.put("secrets", obj("Secret", "a"), USER)["metadata"]["resourceVersion"]))
    seen.append(int(store.put("configmaps", obj("ConfigMap", "a"), USER)["metadata"]
                    ["resourceVersion"]))
    removed = store.remove("secrets", "default", "a", USER)
    assert removed is not None
    seen.append(int(removed["metadata"]["resourceVersion"]))
    seen.append(int(store.put("namespaces", obj("Namespace", "x", ""), SYSTEM)["metadata"]
                    ["resourceVersion"]))
    assert seen == [1, 2, 3, 4, 5]
    assert store.resource_version == 5
    assert store.remove("secrets", "default", "a", USER) is None
    assert store.resource_version == 5


def test_watch_delivers_every_change_in_order_with_actor_and_reason() -> None:
    store = Store()
    store.time = lambda: 42.0
    pods: list[WatchEvent] = []
    everything: list[WatchEvent] = []
    stop = store.watch("pods", pods.append)
    store.watch(None, everything.append)
    store.put("pods", obj("Pod", "p"), USER, "created")
    store.put("configmaps", obj("ConfigMap", "c"), USER, "created")
    store.put("pods", obj("Pod", "p", node="worker-1"), Actor("scheduler", "default-scheduler"),
              "bound")
    store.remove("pods", "default", "p", KUBELET, "terminated")
    assert [(e.type, e.obj["metadata"]["name"], str(e.actor), e.reason) for e in pods] == [
        (ADDED, "p", "kubectl", "created"),
        (MODIFIED, "p", "default-scheduler", "bound"),
        (DELETED, "p", "kubelet on worker-1", "terminated"),
    ]
    assert [e.resource_version for e in pods] == [1, 3, 4]
    assert pods[1].old is not None and "spec" not in pods[1].old
    assert pods[2].obj["metadata"]["resourceVersion"] == "4"
    assert all(e.time == 42.0 for e in pods)
    assert [e.resource for e in everything] == ["pods", "configmaps", "pods", "pods"]
    stop()
    store.put("pods", obj("Pod", "q"), USER)
    assert len(pods) == 3 and len(everything) == 5
    assert [(c.type, c.name, c.reason) for c in store.history][-2:] == [
        (DELETED, "p", "terminated"), (ADDED, "q", "")]


def test_journal_collects_last_state_per_object_and_empties() -> None:
    store = Store()
    store.put("configmaps", obj("ConfigMap", "a"), USER)
    store.put("configmaps", obj("ConfigMap", "a", labels={"v": "2"}), USER)
    store.put("configmaps", obj("ConfigMap", "b"), USER)
    store.remove("configmaps", "default", "b", USER)
    journal, changes = store.drain_journal()
    latest = journal[("configmaps", "default", "a")]
    assert latest is not None and latest["metadata"]["labels"] == {"v": "2"}
    assert journal[("configmaps", "default", "b")] is None
    assert [c.resource_version for c in changes] == [1, 2, 3, 4]
    assert store.drain_journal() == ({}, [])


def test_requeued_journal_is_written_next_time_and_newer_entries_win() -> None:
    store = Store()
    store.put("configmaps", obj("ConfigMap", "a"), USER)
    store.put("configmaps", obj("ConfigMap", "b"), USER)
    journal, changes = store.drain_journal()
    store.remove("configmaps", "default", "b", USER)
    store.requeue_journal(journal, changes)
    again, again_changes = store.drain_journal()
    assert set(again) == {("configmaps", "default", "a"), ("configmaps", "default", "b")}
    assert again[("configmaps", "default", "b")] is None
    assert [c.resource_version for c in again_changes] == [1, 2, 3]


def test_the_journal_keeps_every_object_but_only_the_latest_change_records() -> None:
    """A saved state keeps the latest CHANGES_JOURNALLED change records; a burst of writes
    between two saves journals no more than that, and a requeue keeps to the same bound."""
    store = Store(journal_limit=3)
    for name in "abcde":
        store.put("configmaps", obj("ConfigMap", name), USER)
    journal, changes = store.drain_journal()
    assert len(journal) == 5
    assert [c.resource_version for c in changes] == [3, 4, 5]
    store.put("configmaps", obj("ConfigMap", "f"), USER)
    store.put("configmaps", obj("ConfigMap", "g"), USER)
    store.requeue_journal(journal, changes)
    again, again_changes = store.drain_journal()
    assert len(again) == 7
    assert [c.resource_version for c in again_changes] == [5, 6, 7]


def test_load_restores_silently_and_keeps_resource_version() -> None:
    store = Store()
    events: list[WatchEvent] = []
    store.watch(None, events.append)
    loaded = obj("ConfigMap", "a", labels={"app": "web"})
    loaded["metadata"]["resourceVersion"] = "77"
    store.load("configmaps", loaded)
    assert events == [] and store.drain_journal() == ({}, [])
    assert store.resource_version == 77
    assert store.list("configmaps", selector=parse_label_selector("app=web")) == [loaded]
    assert store.put("configmaps", obj("ConfigMap", "b"), USER)["metadata"][
        "resourceVersion"] == "78"


def populated() -> Store:
    store = Store()
    specs = [
        ("web-1", "default", {"app": "web", "tier": "front"}, "worker-1", "Running"),
        ("web-2", "default", {"app": "web", "tier": "front"}, "worker-2", "Pending"),
        ("db-1", "default", {"app": "db", "tier": "back"}, "worker-1", "Running"),
        ("cache", "default", {"app": "cache"}, "", "Pending"),
        ("web-1", "staging", {"app": "web", "env": "staging"}, "worker-2", "Succeeded"),
        ("bare", "staging", {}, "worker-3", "Failed"),
    ]
    for name, ns, labels, node, phase in specs:
        store.put("pods", obj("Pod", name, ns, labels, node, phase), USER)
    return store


def names(objs: list[dict[str, Any]]) -> list[str]:
    return [f"{o['metadata'].get('namespace', '')}/{o['metadata']['name']}" for o in objs]


def test_list_is_sorted_by_namespace_then_name() -> None:
    store = populated()
    assert names(store.list("pods")) == ["default/cache", "default/db-1", "default/web-1",
                                          "default/web-2", "staging/bare", "staging/web-1"]
    assert names(store.list("pods", "staging")) == ["staging/bare", "staging/web-1"]
    assert store.list("services") == [] and store.count("pods") == 6 and store.count() == 6


def test_list_with_equality_and_set_based_label_selectors() -> None:
    store = populated()

    def select(text: str, namespace: str | None = None) -> list[str]:
        return names(store.list("pods", namespace, parse_label_selector(text)))

    assert select("app=web") == ["default/web-1", "default/web-2", "staging/web-1"]
    assert select("app==web,tier=front") == ["default/web-1", "default/web-2"]
    assert select("app=web", "staging") == ["staging/web-1"]
    assert select("app!=web") == ["default/cache", "default/db-1", "staging/bare"]
    assert select("app in (db,cache)") == ["default/cache", "default/db-1"]
    assert select("app notin (web),tier") == ["default/db-1"]
    assert select("!tier") == ["default/cache", "staging/bare", "staging/web-1"]
    assert select("env") == ["staging/web-1"]
    assert select("app=nothing") == []


def test_list_with_field_selectors() -> None:
    store = populated()

    def select(text: str, namespace: str | None = None) -> list[str]:
        return names(store.list("pods", namespace, fields=parse_field_selector(text, "Pod")))

    assert select("metadata.name=web-1") == ["default/web-1", "staging/web-1"]
    assert select("metadata.namespace=staging") == ["staging/bare", "staging/web-1"]
    assert select("spec.nodeName=worker-1") == ["default/db-1", "default/web-1"]
    assert select("spec.nodeName=worker-1", "staging") == []
    assert select("spec.nodeName=") == ["default/cache"]
    assert select("status.phase=Running") == ["default/db-1", "default/web-1"]
    assert select("status.phase!=Running,status.phase!=Pending") == ["staging/bare",
                                                                      "staging/web-1"]
    both = store.list("pods", None, parse_label_selector("app=web"),
                      parse_field_selector("spec.nodeName=worker-2", "Pod"))
    assert names(both) == ["default/web-2", "staging/web-1"]


def test_indices_follow_relabels_rebinds_and_deletes() -> None:
    store = populated()
    store.put("pods", obj("Pod", "web-1", "default", {"app": "api"}, "worker-3", "Running"), USER)
    store.remove("pods", "default", "web-2", USER)
    assert names(store.list("pods", selector=parse_label_selector("app=web"))) == [
        "staging/web-1"]
    assert names(store.list("pods", selector=parse_label_selector("app=api"))) == [
        "default/web-1"]
    assert names(store.pods_on_node("worker-3")) == ["default/web-1", "staging/bare"]
    assert names(store.pods_on_node("worker-2")) == ["staging/web-1"]
    assert store.by_uid("uid-Pod-default-web-2") is None
    assert store.by_uid("uid-Pod-default-web-1") is not None


def test_dependents_by_owner_uid() -> None:
    store = Store()
    store.put("replicasets", obj("ReplicaSet", "rs", owner="dep-uid"), USER)
    store.put("pods", obj("Pod", "p1", owner="rs-uid"), USER)
    store.put("pods", obj("Pod", "p2", owner="rs-uid"), USER)
    assert [o["metadata"]["name"] for _, o in store.dependents("rs-uid")] == ["p1", "p2"]
    store.put("pods", obj("Pod", "p1"), USER)  # owner reference dropped
    store.remove("pods", "default", "p2", USER)
    assert store.dependents("rs-uid") == []
    assert [r for r, _ in store.dependents("dep-uid")] == ["replicasets"]


# -- indexed results equal a brute-force filter, whatever the history --------------------------

LABEL_KEYS = ("app", "tier")
LABEL_VALUES = ("a", "b")
label_sets = st.dictionaries(st.sampled_from(LABEL_KEYS), st.sampled_from(LABEL_VALUES),
                             max_size=2)
operations = st.lists(st.tuples(
    st.sampled_from(("put", "put", "remove")),
    st.sampled_from(("p0", "p1", "p2", "p3")),
    st.sampled_from(("default", "other")),
    label_sets,
    st.sampled_from(("", "n1", "n2")),
    st.sampled_from(("Running", "Pending")),
), max_size=25)
selectors = st.sampled_from(("", "app=a", "app=a,tier=b", "tier=b", "app!=a", "app in (a,b)",
                             "!tier", "app,tier=a"))
field_texts = st.sampled_from(("", "spec.nodeName=n1", "spec.nodeName=", "spec.nodeName=n2", "status.phase=Running",
                               "spec.nodeName!=n1", "metadata.name=p1",
                               "metadata.namespace=other"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations, selectors, field_texts, st.sampled_from((None, "default", "other")))
def test_indexed_list_equals_brute_force(ops: list[tuple[str, str, str, dict[str, str], str, str]],
                                         selector_text: str, field_text: str,
                                         namespace: str | None) -> None:
    store = Store()
    shadow: dict[tuple[str, str], dict[str, Any]] = {}
    for op, name, ns, labels, node, phase in ops:
        if op == "put":
            body = obj("Pod", name, ns, labels, node, phase)
            store.put("pods", body, USER)
            shadow[(ns, name)] = body
        else:
            store.remove("pods", ns, name, USER)
            shadow.pop((ns, name), None)
    selector = parse_label_selector(selector_text) if selector_text else None
    fields: tuple[FieldRequirement, ...] = parse_field_selector(field_text, "Pod")
    expected = sorted(
        (o for (ns, _), o in shadow.items()
         if (namespace is None or ns == namespace)
         and (selector is None or selector.matches(o["metadata"].get("labels")))
         and fields_match(o, fields)),
        key=lambda o: (o["metadata"]["namespace"], o["metadata"]["name"]))
    assert store.list("pods", namespace, selector, fields) == expected
    for node in ("n1", "n2"):
        assert store.pods_on_node(node) == [o for o in sorted(
            shadow.values(), key=lambda o: (o["metadata"]["namespace"], o["metadata"]["name"]))
            if (o.get("spec") or {}).get("nodeName") == node]
    assert store.count("pods") == len(shadow)


def test_empty_selector_matches_everything_and_nothing_selector_nothing() -> None:
    store = populated()
    assert len(store.list("pods", selector=Selector())) == 6
    assert store.list("pods", selector=Selector(nothing=True)) == []


def _indices(store: Store) -> tuple[Any, ...]:
    """The store's indices with empty entries dropped (removal may leave an empty set)."""
    return ({r: {ns: dict(t) for ns, t in by_ns.items() if t}
             for r, by_ns in store._by_namespace.items() if any(by_ns.values())},
            dict(store._uids),
            {r: {pair: keys for pair, keys in index.items() if keys}
             for r, index in store._labels.items() if any(index.values())},
            {uid: owned for uid, owned in store._owners.items() if owned},
            {node: keys for node, keys in store._pods_by_node.items() if keys})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(
    st.sampled_from(("put", "put", "put", "remove")),
    st.sampled_from(("pods", "events")),
    st.sampled_from(("p0", "p1", "p2")),
    label_sets,
    st.sampled_from(("", "n1", "n2")),
    st.sampled_from(("", "rs-1", "rs-2")),
    st.booleans(),
), max_size=30))
def test_indices_after_any_writes_equal_indices_built_from_scratch(
        ops: list[tuple[str, str, str, dict[str, str], str, str, bool]]) -> None:
    """Updates re-index only what changed; the result must be what indexing the final
    objects afresh gives (labels, owners, uids, nodes, namespaces)."""
    store = Store()
    final: dict[tuple[str, str], dict[str, Any]] = {}
    for op, resource, name, labels, node, owner, new_uid in ops:
        if op == "remove":
            store.remove(resource, "default", name, USER)
            final.pop((resource, name), None)
            continue
        body = obj("Pod" if resource == "pods" else "Event", name, "default", labels, node,
                   "Running", owner)
        if new_uid:
            body["metadata"]["uid"] += "-2"
        old = final.get((resource, name))
        if old is not None and not labels and not owner:
            # a status-style write: the same label and owner objects as before
            for field in ("labels", "ownerReferences"):
                if field in old["metadata"]:
                    body["metadata"][field] = old["metadata"][field]
        store.put(resource, body, USER)
        final[(resource, name)] = body
    fresh = Store()
    for (resource, _), body in final.items():
        fresh.put(resource, body, USER)
    assert _indices(store) == _indices(fresh)
