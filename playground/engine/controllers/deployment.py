"""The Deployment controller: turns a Deployment into ReplicaSets, one per pod template.

It follows kube-controller-manager's `deployment-controller`: claim ReplicaSets by selector,
find or create the ReplicaSet for the current template (`<deployment>-<pod-template-hash>`,
revision max+1 — which is also how a rollback to an old template re-uses its old ReplicaSet),
then either follow a scaling change proportionally, or roll out with the Deployment's strategy
(`deployment_rollout`), prune history beyond revisionHistoryLimit, and write status with the
Available and Progressing conditions, including the progress deadline.

Expectations and informer caches are unnecessary here: the engine is synchronous, so every
write is visible to the next reconcile.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from playground.engine.controllers import deployment_rollout as rollout
from playground.engine.controllers import deployment_util as du
from playground.engine.controllers import podutil
from playground.engine.controllers.base import Controller
from playground.engine.controllers.deployment_util import (
    RolloutStatusError,
    revision_of,
    rollout_status_message,
)
from playground.engine.errors import APIError
from playground.engine.selectors import from_label_selector
from playground.engine.store import DELETED, ChangeTypes, Obj, WatchEvent, deep_copy

__all__ = ["DeploymentController", "RolloutStatusError", "revision_of",
           "rollout_status_message"]

_MAX_INT32 = 2**31 - 1


class DeploymentController(Controller):
    """kube-controller-manager's deployment-controller."""

    name = "deployment-controller"
    watches = ("deployments.apps", "replicasets.apps", "pods")
    watch_types: ClassVar[ChangeTypes] = {"pods": (DELETED,)}

    # -- queueing ---------------------------------------------------------------------------
    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        meta = event.obj["metadata"]
        ns = meta.get("namespace", "")
        if event.resource == "deployments.apps":
            yield f"{ns}/{meta['name']}"
        elif event.resource == "replicasets.apps":
            yield from self._keys_for_replica_set(event)
        elif event.type == DELETED:
            # Recreate waits for old pods to disappear; nothing else needs pod events
            ref = podutil.controller_ref(event.obj)
            found = self.store.by_uid(ref["uid"]) if ref else None
            owner = podutil.controller_ref(found[1]) if found else None
            if owner is not None and owner.get("kind") == "Deployment":
                d = self.store.get("deployments.apps", ns, owner["name"])
                if d is not None and not du.is_rolling_update(d):
                    yield f"{ns}/{owner['name']}"

    def _keys_for_replica_set(self, event: WatchEvent) -> Iterable[str]:
        meta = event.obj["metadata"]
        ns = meta.get("namespace", "")
        keys: set[str] = set()
        for obj in (event.obj, event.old):
            ref = podutil.controller_ref(obj) if obj is not None else None
            if ref is not None and ref.get("kind") == "Deployment":
                keys.add(f"{ns}/{ref['name']}")
        if not keys and event.type != DELETED:
            for d in self.store.iter("deployments.apps", ns):
                selector = from_label_selector(d["spec"].get("selector"))
                if not selector.empty() and selector.matches(meta.get("labels")):
                    keys.add(f"{ns}/{d['metadata']['name']}")
        yield from sorted(keys)

    def resync(self) -> Iterable[str]:
        return self.keys_of("deployments.apps")

    # -- reconcile --------------------------------------------------------------------------
    def reconcile(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        stored = self.store.get("deployments.apps", namespace, name)
        if stored is None:
            return
        d = deep_copy(stored)
        d.setdefault("status", {})
        rs_list = self.claim_replica_sets(d)
        if d["metadata"].get("deletionTimestamp"):
            new_rs, old_rss = self.get_all_replica_sets(d, rs_list, create=False)
            self.sync_deployment_status(d, old_rss, new_rs)
            return
        self.check_paused_conditions(d)
        if d["spec"].get("paused") or self.is_scaling_event(d, rs_list):
            self.sync(d, rs_list)
        elif du.is_rolling_update(d):
            rollout.rollout_rolling(self, d, rs_list)
        else:
            rollout.rollout_recreate(self, d, rs_list)

    def claim_replica_sets(self, d: Obj) -> list[Obj]:
        """ReplicaSets this Deployment controls, after adopting matching orphans and
        releasing those whose labels no longer match (ClaimReplicaSets), oldest first."""
        meta = d["metadata"]
        uid = meta["uid"]
        selector = from_label_selector(d["spec"].get("selector"))
        claimed: dict[str, Obj] = {}
        for resource, rs in self.store.dependents(uid):
            if resource != "replicasets.apps" or \
                    (podutil.controller_ref(rs) or {}).get("uid") != uid:
                continue
            if selector.matches(rs["metadata"].get("labels")):
                claimed[rs["metadata"]["name"]] = rs
            else:
                released = deep_copy(rs)
                released["metadata"]["ownerReferences"] = [
                    r for r in rs["metadata"].get("ownerReferences") or []
                    if r.get("uid") != uid]
                if not released["metadata"]["ownerReferences"]:
                    del released["metadata"]["ownerReferences"]
                self.api.update(released, self.actor, reason=f"released by Deployment "
                                                             f"{meta['name']}")
        if not meta.get("deletionTimestamp") and not selector.empty():
            for rs in self.store.iter("replicasets.apps", meta["namespace"], selector):
                if podutil.controller_ref(rs) is not None or \
                        rs["metadata"].get("deletionTimestamp"):
                    continue
                adopted = deep_copy(rs)
                adopted["metadata"]["ownerReferences"] = [
                    *(rs["metadata"].get("ownerReferences") or []), podutil.owner_reference(d)]
                claimed[rs["metadata"]["name"]] = self.api.update(
                    adopted, self.actor, reason=f"adopted by Deployment {meta['name']}")
        return sorted(claimed.values(), key=du.by_creation)

    def refresh(self, old_rss: list[Obj], new_rs: Obj | None) -> tuple[list[Obj], Obj | None]:
        """The same ReplicaSets as stored now (ones deleted meanwhile are dropped)."""
        def fresh(rs: Obj) -> Obj | None:
            meta = rs["metadata"]
            return self.store.get("replicasets.apps", meta["namespace"], meta["name"])

        olds = [f for f in (fresh(rs) for rs in old_rss) if f is not None]
        return olds, fresh(new_rs) if new_rs is not None else None

    # -- the new ReplicaSet -----------------------------------------------------------------
    def get_all_replica_sets(self, d: Obj, rs_list: list[Obj], *,
                             create: bool) -> tuple[Obj | None, list[Obj]]:
        """(new ReplicaSet or None, old ReplicaSets), syncing revisions on the way."""
        template = d["spec"].get("template") or {}
        rs_list, _ = self.refresh(rs_list, None)  # earlier steps of this sync may have written
        existing = next((rs for rs in rs_list
                         if du.equal_ignore_hash(rs["spec"].get("template") or {}, template)),
                        None)
        old_rss = [rs for rs in rs_list if rs is not existing]
        new_rs = self._new_replica_set(d, existing, old_rss, create)
        return new_rs, old_rss

    def _new_replica_set(self, d: Obj, existing: Obj | None, old_rss: list[Obj],
                         create: bool) -> Obj | None:
        new_revision = du.max_revision(old_rss) + 1
        min_ready = int(d["spec"].get("minReadySeconds") or 0)
        status = d["status"]
        if existing is not None:
            rs_copy = dict(existing, metadata=dict(existing["metadata"]),
                           spec=dict(existing["spec"]))
            changed = du.set_new_replica_set_annotations(d, rs_copy, new_revision, exists=True)
            if int(rs_copy["spec"].get("minReadySeconds") or 0) != min_ready:
                _set_min_ready(rs_copy, min_ready)
                changed = True
            if changed:
                existing = self.api.update(rs_copy, self.actor, reason="revision synced")
            needs_update = _set_deployment_revision(d, str(du.revision_of(existing)))
            if _has_progress_deadline(d) and du.get_condition(status, du.PROGRESSING) is None:
                du.set_condition(status, self._condition(
                    du.PROGRESSING, "True", du.FOUND_NEW_RS,
                    f'Found new replica set "{existing["metadata"]["name"]}"'))
                needs_update = True
            if needs_update:
                self.persist(d)
            return existing
        if not create:
            return None
        template = deep_copy(d["spec"].get("template") or {})
        pod_hash = du.compute_hash(template, status.get("collisionCount"))
        tmeta = template.setdefault("metadata", {})
        labels = {**(tmeta.get("labels") or {}), du.POD_TEMPLATE_HASH: pod_hash}
        tmeta["labels"] = labels
        selector = deep_copy(d["spec"].get("selector") or {})
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}),
                                   du.POD_TEMPLATE_HASH: pod_hash}
        meta = d["metadata"]
        new_rs: Obj = {
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": f"{meta['name']}-{pod_hash}", "namespace": meta["namespace"],
                         "labels": dict(labels),
                         "ownerReferences": [podutil.owner_reference(d)]},
            "spec": {"replicas": 0, "selector": selector, "template": template},
        }
        _set_min_ready(new_rs, min_ready)
        new_rs["spec"]["replicas"] = rollout.new_rs_new_replicas(d, [*old_rss, new_rs], new_rs)
        du.set_new_replica_set_annotations(d, new_rs, new_revision, exists=False)
        name = new_rs["metadata"]["name"]
        already_exists = False
        try:
            created = self.api.create(new_rs, self.actor)
        except APIError as exc:
            if exc.reason != "AlreadyExists":
                message = f'Failed to create new replica set "{name}": {exc}'
                if _has_progress_deadline(d):
                    du.set_condition(status, self._condition(
                        du.PROGRESSING, "False", du.FAILED_RS_CREATE, message))
                    self.persist(d)
                self.recorder.record(d, "Warning", du.FAILED_RS_CREATE, message,
                                     component=self.name)
                self.wake_after(1.0, self._key(d))
                return None
            found = self.store.get("replicasets.apps", meta["namespace"], name)
            if found is None or (podutil.controller_ref(found) or {}).get("uid") != \
                    meta["uid"] or not du.equal_ignore_hash(
                        found["spec"].get("template") or {}, d["spec"].get("template") or {}):
                # a hash collision: a different template under this name; try the next one
                status["collisionCount"] = int(status.get("collisionCount") or 0) + 1
                self.persist(d)
                self.wake_after(0.0, self._key(d))
                return None
            created, already_exists = found, True
        replicas = du.replicas_of(created)
        if not already_exists and replicas > 0:
            self.recorder.record(d, "Normal", "ScalingReplicaSet",
                                 f"Scaled up replica set {name} to {replicas}",
                                 component=self.name)
        needs_update = _set_deployment_revision(d, str(new_revision))
        if not already_exists and _has_progress_deadline(d):
            du.set_condition(status, self._condition(
                du.PROGRESSING, "True", du.NEW_RS_CREATED, f'Created new replica set "{name}"'))
            needs_update = True
        if needs_update:
            self.persist(d)
        return created

    # -- scaling ----------------------------------------------------------------------------
    def is_scaling_event(self, d: Obj, rs_list: list[Obj]) -> bool:
        """Whether an active ReplicaSet was sized for a different spec.replicas."""
        new_rs, old_rss = self.get_all_replica_sets(d, rs_list, create=False)
        desired = du.replicas_of(d)
        for rs in [*old_rss, new_rs]:
            if rs is not None and du.is_active_rs(rs):
                annotated = du.int_annotation(rs, du.DESIRED_REPLICAS)
                if annotated is not None and annotated != desired:
                    return True
        return False

    def sync(self, d: Obj, rs_list: list[Obj]) -> None:
        """A scaling event or a paused Deployment: resize, prune history, write status."""
        new_rs, old_rss = self.get_all_replica_sets(d, rs_list, create=False)
        rollout.scale(self, d, new_rs, old_rss)
        old_rss, new_rs = self.refresh(old_rss, new_rs)
        if d["spec"].get("paused"):
            self.cleanup(d, old_rss)
            old_rss, new_rs = self.refresh(old_rss, new_rs)
        self.sync_deployment_status(d, old_rss, new_rs)

    def scale_and_record(self, rs: Obj, new_scale: int, d: Obj) -> tuple[bool, Obj]:
        """Resize one ReplicaSet if its size differs; returns (scaled, stored RS)."""
        current = du.replicas_of(rs)
        if current == new_scale:
            return False, rs
        return self.scale_replica_set(rs, new_scale, d, "up" if current < new_scale else "down")

    def scale_replica_set(self, rs: Obj, new_scale: int, d: Obj,
                          operation: str) -> tuple[bool, Obj]:
        """Write size and replica annotations; a size change gets a ScalingReplicaSet event."""
        desired = du.replicas_of(d)
        max_replicas = desired + du.max_surge(d)
        old_scale = du.replicas_of(rs)
        size_changed = old_scale != new_scale
        if not size_changed and not du.replicas_annotations_need_update(rs, desired,
                                                                        max_replicas):
            return False, rs
        updated = dict(rs, metadata=dict(rs["metadata"]), spec=dict(rs["spec"]))
        updated["spec"]["replicas"] = new_scale
        du.set_replicas_annotations(updated, desired, max_replicas)
        stored = self.api.update(updated, self.actor, reason=f"scaled to {new_scale}")
        if size_changed:
            self.recorder.record(
                d, "Normal", "ScalingReplicaSet",
                f"Scaled {operation} replica set {rs['metadata']['name']} to {new_scale} "
                f"from {old_scale}", component=self.name)
        return size_changed, stored

    def cleanup(self, d: Obj, old_rss: list[Obj]) -> None:
        """Delete the oldest-revision ReplicaSets beyond revisionHistoryLimit (only empty,
        fully observed ones)."""
        limit = d["spec"].get("revisionHistoryLimit")
        if limit is None:
            return
        alive = [rs for rs in old_rss if not rs["metadata"].get("deletionTimestamp")]
        excess = len(alive) - int(limit)
        if excess <= 0:
            return
        for rs in sorted(alive, key=du.by_revision)[:excess]:
            status = rs.get("status") or {}
            if int(status.get("replicas") or 0) != 0 or du.replicas_of(rs) != 0 or \
                    int(rs["metadata"].get("generation") or 0) > \
                    int(status.get("observedGeneration") or 0):
                continue
            try:
                self.api.delete("replicasets.apps", rs["metadata"]["namespace"],
                                rs["metadata"]["name"], self.actor)
            except APIError:
                pass  # already gone

    # -- status -----------------------------------------------------------------------------
    def calculate_status(self, d: Obj, old_rss: list[Obj],
                         new_rs: Obj | None) -> dict[str, object]:
        """DeploymentStatus from the ReplicaSets; the Available condition is recomputed."""
        all_rss = [*old_rss, new_rs]
        available = du.status_sum(all_rss, "availableReplicas")
        status: dict[str, object] = {}
        values = (("observedGeneration", int(d["metadata"].get("generation") or 0)),
                  ("replicas", du.status_sum(all_rss, "replicas")),
                  ("updatedReplicas", du.status_sum([new_rs], "replicas")),
                  ("readyReplicas", du.status_sum(all_rss, "readyReplicas")),
                  ("availableReplicas", available),
                  ("unavailableReplicas", max(0, du.spec_sum(all_rss) - available)))
        for field, value in values:
            if value:
                status[field] = value
        old = d["status"]
        if old.get("collisionCount") is not None:
            status["collisionCount"] = old["collisionCount"]
        if old.get("conditions"):
            status["conditions"] = [dict(c) for c in old["conditions"]]
        if available >= du.replicas_of(d) - du.max_unavailable(d):
            du.set_condition(status, self._condition(du.AVAILABLE, "True", du.MIN_AVAILABLE,
                                                     "Deployment has minimum availability."))
        else:
            du.set_condition(status, self._condition(
                du.AVAILABLE, "False", du.MIN_UNAVAILABLE,
                "Deployment does not have minimum availability."))
        return status

    def sync_deployment_status(self, d: Obj, old_rss: list[Obj], new_rs: Obj | None) -> None:
        """Write calculated status when it changed (scaling and paused syncs)."""
        status = self.calculate_status(d, old_rss, new_rs)
        if status != d["status"]:
            d["status"] = status
            self.persist(d)

    def sync_rollout_status(self, d: Obj, old_rss: list[Obj], new_rs: Obj | None) -> None:
        """Status after a rollout step, with the Progressing condition judged against the
        progress deadline and ReplicaSet failures surfaced."""
        status = self.calculate_status(d, old_rss, new_rs)
        if not _has_progress_deadline(d):
            du.remove_condition(status, du.PROGRESSING)
        current = du.get_condition(d["status"], du.PROGRESSING)
        complete = (status.get("replicas") == status.get("updatedReplicas") and current
                    is not None and current.get("reason") == du.NEW_RS_AVAILABLE)
        name = d["metadata"]["name"]
        subject = f'ReplicaSet "{new_rs["metadata"]["name"]}"' if new_rs is not None \
            else f'Deployment "{name}"'
        if _has_progress_deadline(d) and not complete:
            if du.deployment_complete(d, status):
                du.set_condition(status, self._condition(
                    du.PROGRESSING, "True", du.NEW_RS_AVAILABLE,
                    f"{subject} has successfully progressed."))
            elif du.deployment_progressing(d, status):
                cond = self._condition(du.PROGRESSING, "True", du.RS_UPDATED,
                                       f"{subject} is progressing.")
                if current is not None:
                    if current["status"] == "True":
                        cond["lastTransitionTime"] = current["lastTransitionTime"]
                    du.remove_condition(status, du.PROGRESSING)
                du.set_condition(status, cond)
            elif self._timed_out(d, status):
                du.set_condition(status, self._condition(
                    du.PROGRESSING, "False", du.TIMED_OUT,
                    f"{subject} has timed out progressing."))
        failure = _replica_failure(old_rss, new_rs)
        if failure is not None:
            du.set_condition(status, failure)
        else:
            du.remove_condition(status, du.REPLICA_FAILURE)
        if status != d["status"]:
            d["status"] = status
            self.persist(d)
        self._requeue_stuck(d, status)

    def _timed_out(self, d: Obj, status: dict[str, object]) -> bool:
        # Kubernetes times out strictly after the deadline and rechecks a few milliseconds
        # later; virtual time checks at the deadline itself.
        cond = du.get_condition(status, du.PROGRESSING)
        if cond is None or cond.get("reason") == du.NEW_RS_AVAILABLE:
            return False
        if cond.get("reason") == du.TIMED_OUT:
            return True
        since = self.clock.seconds_at(cond["lastUpdateTime"])
        return since + int(d["spec"]["progressDeadlineSeconds"]) <= self.clock.now + 1e-9

    def _requeue_stuck(self, d: Obj, status: dict[str, object]) -> None:
        cond = du.get_condition(d["status"], du.PROGRESSING)
        if not _has_progress_deadline(d) or cond is None:
            return
        if du.deployment_complete(d, status) or cond.get("reason") == du.TIMED_OUT:
            return
        if cond.get("reason") == du.NEW_RS_AVAILABLE:
            return  # a finished rollout cannot time out; only new changes matter now
        deadline = self.clock.seconds_at(cond["lastUpdateTime"]) + \
            int(d["spec"]["progressDeadlineSeconds"])
        if deadline > self.clock.now + 1e-9:  # at or past it, this sync has already judged
            self.wake_after(deadline - self.clock.now, self._key(d))

    def check_paused_conditions(self, d: Obj) -> None:
        """Progressing Unknown DeploymentPaused / DeploymentResumed when pausing changes."""
        if not _has_progress_deadline(d):
            return
        status = d["status"]
        cond = du.get_condition(status, du.PROGRESSING)
        if cond is not None and cond.get("reason") == du.TIMED_OUT:
            return
        paused_cond = cond is not None and cond.get("reason") == du.PAUSED
        if d["spec"].get("paused") and not paused_cond:
            du.set_condition(status, self._condition(du.PROGRESSING, "Unknown", du.PAUSED,
                                                     "Deployment is paused"))
        elif not d["spec"].get("paused") and paused_cond:
            du.set_condition(status, self._condition(du.PROGRESSING, "Unknown", du.RESUMED,
                                                     "Deployment is resumed"))
        else:
            return
        self.persist(d)

    def persist(self, d: Obj) -> None:
        """Write the working copy's annotations and status (UpdateStatus), keeping `d` in
        step with the stored object."""
        meta = d["metadata"]
        stored = self.store.get("deployments.apps", meta["namespace"], meta["name"])
        if stored is None:
            return
        if (stored["metadata"].get("annotations") or {}) != (meta.get("annotations") or {}):
            updated = dict(stored, metadata=dict(stored["metadata"],
                                                 annotations=dict(meta["annotations"])))
            stored = self.api.update(updated, self.actor, reason="revision updated")
        stored = self.api.update_status(dict(stored, status=deep_copy(d["status"])), self.actor)
        d["metadata"] = deep_copy(stored["metadata"])

    def _condition(self, type_: str, status: str, reason: str, message: str) -> dict[str, str]:
        return du.new_condition(type_, status, reason, message, self.clock.timestamp())

    @staticmethod
    def _key(d: Obj) -> str:
        return f"{d['metadata']['namespace']}/{d['metadata']['name']}"


def _has_progress_deadline(d: Obj) -> bool:
    value = d["spec"].get("progressDeadlineSeconds")
    return value is not None and int(value) != _MAX_INT32


def _set_deployment_revision(d: Obj, revision: str) -> bool:
    notes = d["metadata"].get("annotations") or {}
    if notes.get(du.REVISION) == revision:
        return False
    d["metadata"]["annotations"] = {**notes, du.REVISION: revision}
    return True


def _set_min_ready(rs: Obj, seconds: int) -> None:
    if seconds:
        rs["spec"]["minReadySeconds"] = seconds
    else:
        rs["spec"].pop("minReadySeconds", None)


def _replica_failure(old_rss: list[Obj], new_rs: Obj | None) -> dict[str, object] | None:
    """The first ReplicaFailure condition of the new ReplicaSet, else of any other, as a
    Deployment condition."""
    for group in ([new_rs], [*old_rss, new_rs]):
        for rs in group:
            for cond in ((rs or {}).get("status") or {}).get("conditions") or ():
                if cond.get("type") == du.REPLICA_FAILURE:
                    return {"type": du.REPLICA_FAILURE, "status": cond.get("status"),
                            "lastUpdateTime": cond.get("lastTransitionTime"),
                            "lastTransitionTime": cond.get("lastTransitionTime"),
                            "reason": cond.get("reason"), "message": cond.get("message")}
    return None
