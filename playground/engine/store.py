"""The object store: etcd's role in the simulated control plane.

Objects are kept as the Kubernetes JSON dicts the API server returns, keyed by resource type
(`deployments.apps`), namespace and name. Every write gets the next value of one global
`resourceVersion` counter and is announced, in order, to watchers together with the actor who
made it and why — that attribution feeds the events log and the "why did this happen?" views.

Ownership rule (kept for speed, relied on everywhere): a dict handed to `put()` belongs to the
store from then on, and dicts returned by `get()`/`list()` must be treated as read-only — all
the way down, because stored objects share equal parts (the API server hands every pod made
from one template the same `containers` list, labels and ownerReferences; Events share their
`source` and `involvedObject`). Writers copy before changing anything: `deep_copy` for a
private tree, or copy-on-write (`dict(stored)`, then a fresh dict or list for each level on the
path they change, as the kubelet's and the scheduler's status writes do) — never `append`,
`update` or item assignment on anything reached from a stored object.

Writes are also journalled: `drain_journal()` hands the persistence layer (outside the engine)
every object changed since the last drain, so one command's changes land in one transaction,
and the latest CHANGES_JOURNALLED change records (all a saved state keeps).
"""

from __future__ import annotations

import pickle
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from playground.engine.selectors import FieldRequirement, Selector, fields_match

CHANGES_JOURNALLED = 100_000
"""Change records kept between two drains of the journal: a saved state keeps this many
latest ones, so older ones would only be written to be deleted (a 100,000-pod apply makes
a million)."""

Obj = dict[str, Any]
Key = tuple[str, str]  # (namespace, name); namespace is "" for cluster-scoped objects

ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"


_SCALARS = frozenset({str, int, float, bool, type(None)})


def deep_copy(obj: Obj) -> Obj:
    """A private copy of a JSON-shaped object: fresh dicts and lists all the way down, the
    (immutable) strings and numbers shared. As fast as a pickle round-trip, and unlike one it
    keeps no aliasing (two equal shared parts come back as two copies) and makes no new copies
    of every key and value string."""
    return _copy(obj)


def _copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: _copy(v) for k, v in value.items()}
    if kind is list:
        return [_copy(v) for v in value]
    if kind in _SCALARS:
        return value
    return pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


@dataclass(frozen=True)
class Actor:
    """Who made a change: the user, a named controller, a node's kubelet, the scheduler."""

    kind: str  # "user", "controller", "kubelet", "scheduler", "apiserver", "system"
    name: str  # e.g. "kubectl", "replicaset-controller", "worker-1"

    def __str__(self) -> str:
        return self.name if self.kind != "kubelet" else f"kubelet on {self.name}"


USER = Actor("user", "kubectl")
SYSTEM = Actor("system", "playground")


class WatchEvent(NamedTuple):
    """One change, as a watch stream delivers it (a named tuple: one is built per write)."""

    type: str  # ADDED, MODIFIED, DELETED
    resource: str
    obj: Obj
    old: Obj | None
    resource_version: int
    actor: Actor
    reason: str
    time: float


Watcher = Callable[[WatchEvent], None]
ChangeTypes = Mapping[str | None, Collection[str]]
"""Which change types a watch wants, by resource (None: every resource not named); a
resource it does not name, without a None entry, gets every change."""


class ChangeRecord(NamedTuple):
    """Attribution of one write, kept for the "why" views and persisted with the objects (a
    named tuple: one is built per write)."""

    resource_version: int
    time: float
    type: str
    resource: str
    namespace: str
    name: str
    actor: Actor
    reason: str


class Store:
    """In-memory objects with indices, a global resourceVersion, watches and a journal."""

    def __init__(self, history_limit: int = 20000,
                 journal_limit: int = CHANGES_JOURNALLED) -> None:
        self._objects: dict[str, dict[Key, Obj]] = {}
        self._by_namespace: dict[str, dict[str, dict[str, Obj]]] = {}
        self._labels: dict[str, dict[tuple[str, str], set[Key]]] = {}
        self._owners: dict[str, set[tuple[str, Key]]] = {}
        self._pods_by_node: dict[str, set[Key]] = {}
        self._uids: dict[str, tuple[str, Key]] = {}
        self._watchers: dict[str | None, list[tuple[Watcher, ChangeTypes | None]]] = {}
        # (resource, change type) -> the watchers it is delivered to, in delivery order;
        # rebuilt when a watch starts or stops
        self._routes: dict[tuple[str, str], tuple[Watcher, ...]] = {}
        self.resource_version = 0
        self.time: Callable[[], float] = lambda: 0.0
        self._journal: dict[tuple[str, str, str], Obj | None] = {}
        self._journal_changes: deque[ChangeRecord] = deque(maxlen=journal_limit)
        self.history: deque[ChangeRecord] = deque(maxlen=history_limit)
        self._records: dict[str, dict[str, Any]] = {}
        self.record_writes = 0
        """Counts record writes and removals: records move no resourceVersion, so whoever
        caches what it read from them (a scenario's check results) keys on this too."""
        self.flushers: list[Callable[[], None]] = []
        """Called before the journal drains, so components can journal buffered state."""

    # -- reads ----------------------------------------------------------------------------
    def get(self, resource: str, namespace: str, name: str) -> Obj | None:
        """The stored object (read-only), or None."""
        table = self._objects.get(resource)
        return table.get((namespace, name)) if table is not None else None

    def list(self, resource: str, namespace: str | None = None,
             selector: Selector | None = None,
             fields: tuple[FieldRequirement, ...] = ()) -> list[Obj]:
        """Objects of one type, optionally in one namespace and matching selectors, sorted by
        namespace then name as the API server returns them."""
        return sorted(self.iter(resource, namespace, selector, fields), key=_sort_key)

    def iter(self, resource: str, namespace: str | None = None,
             selector: Selector | None = None,
             fields: tuple[FieldRequirement, ...] = ()) -> Iterator[Obj]:
        """Like `list` without sorting (for controllers that do not care about order)."""
        table = self._objects.get(resource)
        if not table:
            return iter(())
        if selector is None and not fields:
            # no filter but the namespace, which its index already applies
            if namespace is None:
                return iter(list(table.values()))
            return iter(list(self._by_namespace.get(resource, {}).get(namespace, {}).values()))
        candidates: Iterable[Obj]
        pairs = selector.equality_pairs() if selector is not None else {}
        # `spec.nodeName=` (unscheduled pods) cannot use the node index
        node_field = next((f for f in fields if f.field == "spec.nodeName" and not f.negated
                           and f.value), None)
        if pairs:
            index = self._labels.get(resource, {})
            keys: set[Key] | None = None
            for pair in pairs.items():
                found = index.get(pair, set())
                keys = set(found) if keys is None else keys & found
                if not keys:
                    return iter(())
            candidates = (table[k] for k in (keys or ()))
        elif resource == "pods" and node_field is not None:
            candidates = (table[k] for k in self._pods_by_node.get(node_field.value, ()))
        elif namespace is not None:
            candidates = self._by_namespace.get(resource, {}).get(namespace, {}).values()
        else:
            candidates = table.values()

        def keep(obj: Obj) -> bool:
            meta = obj["metadata"]
            if namespace is not None and meta.get("namespace", "") != namespace:
                return False
            if selector is not None and not selector.matches(meta.get("labels")):
                return False
            return not fields or fields_match(obj, fields)

        return (obj for obj in list(candidates) if keep(obj))

    def count(self, resource: str | None = None) -> int:
        """Number of stored objects of one type, or of all types."""
        if resource is not None:
            return len(self._objects.get(resource, {}))
        return sum(len(t) for t in self._objects.values())

    def resources(self) -> list[str]:
        """Types that have at least one object."""
        return [r for r, t in self._objects.items() if t]

    def dependents(self, owner_uid: str) -> list[tuple[str, Obj]]:
        """(resource, object) pairs whose ownerReferences name this uid."""
        found = []
        for resource, key in sorted(self._owners.get(owner_uid, ())):
            obj = self._objects.get(resource, {}).get(key)
            if obj is not None:
                found.append((resource, obj))
        return found

    def iter_dependents(self, owner_uid: str) -> Iterator[tuple[str, Obj]]:
        """Like `dependents` in no particular order (for callers that count or re-sort);
        safe to write while iterating."""
        table = self._objects
        for resource, key in tuple(self._owners.get(owner_uid, ())):
            obj = table.get(resource, {}).get(key)
            if obj is not None:
                yield resource, obj

    def by_uid(self, uid: str) -> tuple[str, Obj] | None:
        """The (resource, object) with this uid, if it still exists (for owners: Events,
        which own nothing and are most of the objects, are not indexed)."""
        found = self._uids.get(uid)
        if found is None:
            return None
        obj = self._objects.get(found[0], {}).get(found[1])
        return (found[0], obj) if obj is not None else None

    def pods_on_node(self, node: str) -> list[Obj]:
        """Pods bound to a node (read-only)."""
        table = self._objects.get("pods", {})
        return [table[k] for k in sorted(self._pods_by_node.get(node, ())) if k in table]

    # -- writes ---------------------------------------------------------------------------
    def next_resource_version(self) -> int:
        """Reserve the next resourceVersion."""
        self.resource_version += 1
        return self.resource_version

    def put(self, resource: str, obj: Obj, actor: Actor, reason: str = "") -> Obj:
        """Store a new or changed object (taking ownership of the dict) and announce it."""
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        table = self._objects.setdefault(resource, {})
        old = table.get(key)
        rv = self.next_resource_version()
        meta["resourceVersion"] = str(rv)
        table[key] = obj
        if old is None:
            self._index(resource, key, obj)
        else:
            self._reindex(resource, key, old, obj)
        self._announce(ADDED if old is None else MODIFIED, resource, key, obj, old, rv, actor,
                       reason)
        return obj

    def remove(self, resource: str, namespace: str, name: str, actor: Actor,
               reason: str = "") -> Obj | None:
        """Delete an object outright and announce it; returns what was stored."""
        key = (namespace, name)
        old = self._objects.get(resource, {}).pop(key, None)
        if old is None:
            return None
        self._unindex(resource, key, old)
        rv = self.next_resource_version()
        final = dict(old)
        final["metadata"] = dict(old["metadata"], resourceVersion=str(rv))
        self._announce(DELETED, resource, key, final, old, rv, actor, reason)
        return final

    # -- watches --------------------------------------------------------------------------
    def watch(self, resource: str | None, watcher: Watcher, *,
              types: ChangeTypes | None = None) -> Callable[[], None]:
        """Deliver every future change of one type (None: all types) to `watcher`, in order.
        `types` narrows that to some change types per resource (`{"pods": (DELETED,)}`):
        the store then skips the call, so writes a watcher ignores cost it nothing. Returns a
        function that stops the watch."""
        entry = (watcher, types)
        self._watchers.setdefault(resource, []).append(entry)
        self._routes.clear()

        def stop() -> None:
            watchers = self._watchers.get(resource, [])
            if entry in watchers:
                watchers.remove(entry)
                self._routes.clear()

        return stop

    def _route(self, resource: str, type_: str) -> tuple[Watcher, ...]:
        """Resource-specific watchers first, then the all-types ones, each in the order they
        started, less those whose `types` leave this change out."""
        found: list[Watcher] = []
        for entries in (self._watchers.get(resource, ()), self._watchers.get(None, ())):
            for watcher, types in entries:
                if types is not None:
                    wanted = types.get(resource, types.get(None))
                    if wanted is not None and type_ not in wanted:
                        continue
                found.append(watcher)
        route = tuple(found)
        self._routes[(resource, type_)] = route
        return route

    def _announce(self, type_: str, resource: str, key: Key, obj: Obj, old: Obj | None,
                  rv: int, actor: Actor, reason: str) -> None:
        now = self.time()
        record = ChangeRecord(rv, now, type_, resource, key[0], key[1], actor, reason)
        self.history.append(record)
        self._journal[(resource, key[0], key[1])] = obj if type_ != DELETED else None
        self._journal_changes.append(record)
        route = self._routes.get((resource, type_))
        if route is None:
            route = self._route(resource, type_)
        if route:
            event = WatchEvent(type_, resource, obj, old, rv, actor, reason, now)
            for watcher in route:
                watcher(event)

    # -- internal records -----------------------------------------------------------------
    # Components keep state that is not an API object (a kubelet's container runtime, logs)
    # as records: persisted with the objects, never watched, listed or versioned.
    RECORD_PREFIX = "~"

    def put_record(self, kind: str, key: str, data: dict[str, Any]) -> None:
        """Save (and journal) one record of a component's private state."""
        self._records.setdefault(kind, {})[key] = data
        self._journal[(self.RECORD_PREFIX + kind, "", key)] = data
        self.record_writes += 1

    def get_record(self, kind: str, key: str) -> dict[str, Any] | None:
        """A saved record, or None."""
        return self._records.get(kind, {}).get(key)

    def remove_record(self, kind: str, key: str) -> None:
        """Forget a record."""
        if self._records.get(kind, {}).pop(key, None) is not None:
            self._journal[(self.RECORD_PREFIX + kind, "", key)] = None
            self.record_writes += 1

    def records(self, kind: str) -> dict[str, dict[str, Any]]:
        """All records of one kind (read-only)."""
        return self._records.get(kind, {})

    # -- journal for persistence ----------------------------------------------------------
    def drain_journal(self) -> tuple[dict[tuple[str, str, str], Obj | None],
                                     list[ChangeRecord]]:
        """Objects written since the last drain ((resource, ns, name) → object, None when
        deleted) and the latest change records since then, in order (at most
        CHANGES_JOURNALLED); the journal is emptied."""
        for flush in self.flushers:
            flush()
        journal, changes = self._journal, list(self._journal_changes)
        self._journal = {}
        self._journal_changes.clear()
        return journal, changes

    def requeue_journal(self, journal: dict[tuple[str, str, str], Obj | None],
                        changes: list[ChangeRecord]) -> None:
        """Put back a drained journal whose save failed, so the next save writes it (entries
        journalled since then are newer and win)."""
        merged = dict(journal)
        merged.update(self._journal)
        self._journal = merged
        self._journal_changes = deque([*changes, *self._journal_changes],
                                      maxlen=self._journal_changes.maxlen)

    def load(self, resource: str, obj: Obj) -> None:
        """Put a persisted object (or record) back without announcing or journalling it."""
        if resource.startswith(self.RECORD_PREFIX):
            self._records.setdefault(resource[1:], {})[obj["metadata"]["name"]] = obj["data"]
            return
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        table = self._objects.setdefault(resource, {})
        if key in table:
            self._unindex(resource, key, table[key])
        table[key] = obj
        self._index(resource, key, obj)
        self.resource_version = max(self.resource_version, int(meta.get("resourceVersion", 0)))

    def all_objects(self) -> Iterator[tuple[str, Obj]]:
        """Every stored (resource, object) and record, for snapshots."""
        for flush in self.flushers:
            flush()
        for resource, table in self._objects.items():
            for obj in table.values():
                yield resource, obj
        for kind, records in self._records.items():
            for key, data in records.items():
                yield self.RECORD_PREFIX + kind, {"metadata": {"name": key}, "data": data}

    # -- indices --------------------------------------------------------------------------
    def _index(self, resource: str, key: Key, obj: Obj) -> None:
        meta = obj["metadata"]
        self._by_namespace.setdefault(resource, {}).setdefault(key[0], {})[key[1]] = obj
        uid = meta.get("uid")
        if uid and resource != "events":
            self._uids[uid] = (resource, key)
        labels = meta.get("labels")
        if labels:
            index = self._labels.setdefault(resource, {})
            for pair in labels.items():
                index.setdefault(pair, set()).add(key)
        for ref in meta.get("ownerReferences") or ():
            self._owners.setdefault(ref.get("uid", ""), set()).add((resource, key))
        if resource == "pods":
            node = (obj.get("spec") or {}).get("nodeName")
            if node:
                self._pods_by_node.setdefault(node, set()).add(key)

    def _reindex(self, resource: str, key: Key, old: Obj, obj: Obj) -> None:
        """`_unindex(old)` then `_index(obj)`, touching only the indices whose inputs changed
        (most writes are status updates: same labels, owners and node)."""
        old_meta, meta = old["metadata"], obj["metadata"]
        namespace_table = self._by_namespace[resource][key[0]]
        del namespace_table[key[1]]  # the last written is listed last, as before
        namespace_table[key[1]] = obj
        uid, old_uid = meta.get("uid"), old_meta.get("uid")
        if uid != old_uid and resource != "events":
            if old_uid and self._uids.get(old_uid) == (resource, key):
                del self._uids[old_uid]
            if uid:
                self._uids[uid] = (resource, key)
        labels, old_labels = meta.get("labels"), old_meta.get("labels")
        if labels is not old_labels and labels != old_labels:
            index = self._labels.setdefault(resource, {})
            for pair in (old_labels or {}).items():
                keys = index.get(pair)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[pair]
            for pair in (labels or {}).items():
                index.setdefault(pair, set()).add(key)
        refs, old_refs = meta.get("ownerReferences"), old_meta.get("ownerReferences")
        if refs is not old_refs and refs != old_refs:
            for ref in old_refs or ():
                owned = self._owners.get(ref.get("uid", ""))
                if owned is not None:
                    owned.discard((resource, key))
                    if not owned:
                        del self._owners[ref.get("uid", "")]
            for ref in refs or ():
                self._owners.setdefault(ref.get("uid", ""), set()).add((resource, key))
        if resource == "pods":
            node = (obj.get("spec") or {}).get("nodeName")
            old_node = (old.get("spec") or {}).get("nodeName")
            if node != old_node:
                if old_node and old_node in self._pods_by_node:
                    self._pods_by_node[old_node].discard(key)
                if node:
                    self._pods_by_node.setdefault(node, set()).add(key)

    def _unindex(self, resource: str, key: Key, obj: Obj) -> None:
        meta = obj["metadata"]
        namespace_table = self._by_namespace.get(resource, {}).get(key[0])
        if namespace_table is not None:
            namespace_table.pop(key[1], None)
        uid = meta.get("uid")
        if uid and self._uids.get(uid) == (resource, key):
            del self._uids[uid]
        labels = meta.get("labels")
        if labels:
            index = self._labels.get(resource, {})
            for pair in labels.items():
                keys = index.get(pair)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[pair]
        for ref in meta.get("ownerReferences") or ():
            owned = self._owners.get(ref.get("uid", ""))
            if owned is not None:
                owned.discard((resource, key))
                if not owned:
                    del self._owners[ref.get("uid", "")]
        if resource == "pods":
            node = (obj.get("spec") or {}).get("nodeName")
            if node and node in self._pods_by_node:
                self._pods_by_node[node].discard(key)


def _sort_key(obj: Obj) -> tuple[str, str]:
    meta = obj["metadata"]
    return (meta.get("namespace", ""), meta["name"])
