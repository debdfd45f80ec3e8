"""The garbage collector: deletes dependents whose owners are gone.

Ownership is the `metadata.ownerReferences` graph (Deployment → ReplicaSet → Pod). With the
default Background propagation the owner disappears at once and the collector then deletes each
dependent that has no remaining live owner. Foreground deletion keeps the owner (with the
`foregroundDeletion` finalizer and a deletionTimestamp) until its dependents are gone; Orphan
strips the owner references from the dependents and then lets the owner go.

Queue keys are owner uids: "look at everything that names this uid as owner".
"""

from __future__ import annotations

from collections.abc import Iterable

from playground.engine.apiserver import FOREGROUND, ORPHAN
from playground.engine.controllers.base import Controller
from playground.engine.errors import APIError
from playground.engine.store import DELETED, WatchEvent, deep_copy


class GarbageCollector(Controller):
    """kube-controller-manager's garbagecollector."""

    name = "garbage-collector"
    watches = (None,)

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        meta = event.obj["metadata"]
        if event.type == DELETED:
            yield meta.get("uid", "")
        elif meta.get("deletionTimestamp") and (
                {FOREGROUND, ORPHAN} & set(meta.get("finalizers") or ())):
            yield meta.get("uid", "")
        for ref in meta.get("ownerReferences") or ():
            owner_uid = ref.get("uid", "")
            found = self.store.by_uid(owner_uid)
            if found is None or found[1]["metadata"].get("deletionTimestamp"):
                yield owner_uid

    def resync(self) -> Iterable[str]:
        """After a restart, as the collector's graph rebuild does: owners being deleted with a
        policy still to carry out, and owners that are gone or going while dependents remain."""
        keys: dict[str, None] = {}
        for resource in self.store.resources():
            for obj in self.store.iter(resource):
                meta = obj["metadata"]
                if meta.get("deletionTimestamp") and (
                        {FOREGROUND, ORPHAN} & set(meta.get("finalizers") or ())):
                    keys[meta.get("uid", "")] = None
                for ref in meta.get("ownerReferences") or ():
                    found = self.store.by_uid(ref.get("uid", ""))
                    if found is None or found[1]["metadata"].get("deletionTimestamp"):
                        keys[ref.get("uid", "")] = None
        return list(keys)

    def reconcile(self, key: str) -> None:
        if not key:
            return
        found = self.store.by_uid(key)
        if found is None:
            self._collect_orphans(key)
            return
        resource, owner = found
        finalizers = owner["metadata"].get("finalizers") or []
        if not owner["metadata"].get("deletionTimestamp"):
            return
        meta = owner["metadata"]
        if ORPHAN in finalizers:
            for _resource, dependent in self.store.dependents(key):
                updated = deep_copy(dependent)
                refs = [r for r in updated["metadata"].get("ownerReferences") or []
                        if r.get("uid") != key]
                if refs:
                    updated["metadata"]["ownerReferences"] = refs
                else:
                    updated["metadata"].pop("ownerReferences", None)
                self.api.update(updated, self.actor, reason="orphaned")
            self.api.remove_finalizer(resource, meta.get("namespace", ""), meta["name"], ORPHAN,
                                      self.actor)
        elif FOREGROUND in finalizers:
            remaining = self.store.dependents(key)
            for dep_resource, dependent in remaining:
                dep_meta = dependent["metadata"]
                if not dep_meta.get("deletionTimestamp"):
                    self._delete(dep_resource, dependent, "Foreground")
            if not self.store.dependents(key):
                self.api.remove_finalizer(resource, meta.get("namespace", ""), meta["name"],
                                          FOREGROUND, self.actor)

    def _collect_orphans(self, owner_uid: str) -> None:
        for resource, dependent in self.store.dependents(owner_uid):
            meta = dependent["metadata"]
            refs = meta.get("ownerReferences") or []
            live = [r for r in refs if r.get("uid") != owner_uid
                    and self.store.by_uid(r.get("uid", "")) is not None]
            if live:
                updated = deep_copy(dependent)
                updated["metadata"]["ownerReferences"] = [
                    r for r in refs if r.get("uid") != owner_uid]
                self.api.update(updated, self.actor, reason="removed dangling owner reference")
            elif not meta.get("deletionTimestamp"):
                self._delete(resource, dependent, "Background")

    def _delete(self, resource: str, obj: dict, propagation: str) -> None:
        meta = obj["metadata"]
        try:
            self.api.delete(resource, meta.get("namespace", ""), meta["name"], self.actor,
                            propagation=propagation)
        except APIError:
            pass  # already gone: nothing left to collect
