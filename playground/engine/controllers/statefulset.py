"""The StatefulSet controller: pods with stable names, stable storage and ordered roll-outs.

It owns what kube-controller-manager's statefulset-controller does: pods `<set>-<ordinal>`
(hostname and subdomain from the pod name and `serviceName`), one PersistentVolumeClaim per
pod and claim template (`<claim>-<set>-<ordinal>`, kept by the default Retain policy),
OrderedReady (one pod at a time, each waiting for its predecessor to be Running and Ready,
scale-down from the highest ordinal) or Parallel management, ControllerRevisions, RollingUpdate
in reverse ordinal order down to `partition`, OnDelete, and the status block.

The ControllerRevision helpers at the top are shared with the DaemonSet controller: both keep
their template history the same way (`pkg/controller/history`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from playground.engine.controllers import podutil
from playground.engine.controllers.base import Controller
from playground.engine.errors import APIError
from playground.engine.store import Obj, Store, WatchEvent, deep_copy

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_HASH_LABEL = "controller-revision-hash"
REVISION_HASH_KEY = "controller.kubernetes.io/hash"

_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


# -- ControllerRevision history (shared with the DaemonSet controller) ----------------------

def template_hash(template: Obj, collision_count: int = 0) -> str:
    """A short, stable hash of a pod template (fnv-1a, spelt like `rand.SafeEncodeString`)."""
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    value = 0x811C9DC5
    for byte in data + (str(collision_count).encode() if collision_count else b""):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return "".join(_SAFE_ALPHABET[ord(ch) % len(_SAFE_ALPHABET)] for ch in str(value))


def revision_data(template: Obj) -> Obj:
    """What a revision stores: a patch that replaces the owner's pod template."""
    replaced = deep_copy(template)
    replaced["$patch"] = "replace"
    return {"spec": {"template": replaced}}


def revision_template(revision: Obj) -> Obj:
    """The pod template a revision recorded."""
    template = dict(((revision.get("data") or {}).get("spec") or {}).get("template") or {})
    template.pop("$patch", None)
    return template


def owned_revisions(store: Store, owner: Obj) -> list[Obj]:
    """The owner's ControllerRevisions, oldest revision first."""
    uid = owner["metadata"]["uid"]
    found = [obj for resource, obj in store.dependents(uid)
             if resource == "controllerrevisions.apps"
             and (podutil.controller_ref(obj) or {}).get("uid") == uid]
    return sorted(found, key=lambda r: (int(r.get("revision") or 0), r["metadata"]["name"]))


class RevisionHistory:
    """Finds or records the revision of an owner's current template."""

    def __init__(self, controller: Controller) -> None:
        self.controller = controller

    def sync(self, owner: Obj, template: Obj) -> tuple[Obj, list[Obj], int]:
        """The revision matching `template` (created or renumbered as needed), all revisions,
        and the collision count to record in status."""
        api, actor = self.controller.api, self.controller.actor
        meta = owner["metadata"]
        revisions = owned_revisions(self.controller.store, owner)
        data = revision_data(template)
        latest = max((int(r.get("revision") or 0) for r in revisions), default=0)
        collisions = int((owner.get("status") or {}).get("collisionCount") or 0)
        for revision in revisions:
            if revision.get("data") == data:
                if int(revision.get("revision") or 0) == latest:
                    return revision, revisions, collisions
                renumbered = dict(revision, revision=latest + 1)
                renumbered["metadata"] = dict(revision["metadata"])
                stored = api.update(renumbered, actor, reason="rolled back to this revision")
                return stored, owned_revisions(self.controller.store, owner), collisions
        while True:
            hash_ = template_hash(template, collisions)
            name = f"{meta['name']}-{hash_}"
            if self.controller.store.get("controllerrevisions.apps", meta["namespace"],
                                         name) is None:
                break
            collisions += 1
        labels = dict((template.get("metadata") or {}).get("labels") or {})
        labels[REVISION_HASH_KEY] = hash_
        created = api.create({
            "apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": {"name": name, "namespace": meta["namespace"], "labels": labels,
                         "ownerReferences": [podutil.owner_reference(owner)]},
            "data": data, "revision": latest + 1,
        }, actor)
        return created, owned_revisions(self.controller.store, owner), collisions

    def truncate(self, revisions: list[Obj], live: set[str], limit: int) -> None:
        """Delete the oldest revisions no pod or status still names, keeping `limit`."""
        history = [r for r in revisions if r["metadata"]["name"] not in live]
        for revision in history[:max(0, len(history) - limit)]:
            meta = revision["metadata"]
            try:
                self.controller.api.delete("controllerrevisions.apps", meta["namespace"],
                                           meta["name"], self.controller.actor)
            except APIError:
                pass  # already gone


# -- the controller ---------------------------------------------------------------------

def ordinal_of(pod: Obj, set_name: str) -> int | None:
    """The ordinal in `<set>-<ordinal>`, or None when the name does not have that shape."""
    name = pod["metadata"]["name"]
    prefix = set_name + "-"
    if not name.startswith(prefix) or not name[len(prefix):].isdigit():
        return None
    return int(name[len(prefix):])


def claim_name(template_name: str, set_name: str, ordinal: int) -> str:
    """`www-web-0`: claim template name, set name, ordinal."""
    return f"{template_name}-{set_name}-{ordinal}"


class StatefulSetController(Controller):
    """kube-controller-manager's statefulset-controller."""

    name = "statefulset-controller"
    watches = ("statefulsets.apps", "pods")
    pods_by_owner_kind = "StatefulSet"

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        self.history = RevisionHistory(self)

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        if event.resource == "pods":
            owner = podutil.owner_key(event.obj, "StatefulSet")
            if owner is not None:
                yield owner
            return
        yield from super().keys_for(event)

    def resync(self) -> Iterable[str]:
        return self.keys_of("statefulsets.apps")

    # -- reconcile ------------------------------------------------------------------------
    def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        sts = self.store.get("statefulsets.apps", namespace, name)
        if sts is None or sts["metadata"].get("deletionTimestamp"):
            return
        spec = sts.get("spec") or {}
        update_rev, revisions, collisions = self.history.sync(sts, spec.get("template") or {})
        status = sts.get("status") or {}
        current_rev = next((r for r in revisions
                            if r["metadata"]["name"] == status.get("currentRevision")),
                           update_rev)
        pods = self._owned_pods(sts)
        self._manage(sts, pods, current_rev, update_rev)
        pods = self._owned_pods(sts)
        self._write_status(sts, pods, current_rev, update_rev, collisions)
        live = {current_rev["metadata"]["name"], update_rev["metadata"]["name"]}
        live.update((p["metadata"].get("labels") or {}).get(REVISION_HASH_LABEL, "")
                    for p in pods)
        self.history.truncate(owned_revisions(self.store, sts), live,
                              int(spec.get("revisionHistoryLimit", 10)))

    def _owned_pods(self, sts: Obj) -> list[Obj]:
        uid = sts["metadata"]["uid"]
        return [obj for resource, obj in self.store.dependents(uid)
                if resource == "pods" and (podutil.controller_ref(obj) or {}).get("uid") == uid]

    def _healthy(self, pod: Obj, min_ready: int) -> bool:
        phase = (pod.get("status") or {}).get("phase")
        if phase != "Running" or not podutil.is_ready(pod):
            return False
        if min_ready > 0 and not podutil.is_available(pod, min_ready, self.clock):
            wait = podutil.available_in(pod, min_ready, self.clock)
            sts_ref = podutil.controller_ref(pod) or {}
            if wait is not None:
                self.wake_after(wait, f"{pod['metadata']['namespace']}/{sts_ref.get('name')}")
            return False
        return True

    def _manage(self, sts: Obj, pods: list[Obj], current_rev: Obj, update_rev: Obj) -> None:
        spec = sts.get("spec") or {}
        name = sts["metadata"]["name"]
        replicas = int(spec.get("replicas", 1))
        start = int((spec.get("ordinals") or {}).get("start") or 0)
        ordered = spec.get("podManagementPolicy", "OrderedReady") != "Parallel"
        min_ready = int(spec.get("minReadySeconds") or 0)
        by_ordinal: dict[int, Obj] = {}
        condemned: list[Obj] = []
        for pod in pods:
            ordinal = ordinal_of(pod, name)
            if ordinal is not None and start <= ordinal < start + replicas:
                by_ordinal[ordinal] = pod
            else:
                condemned.append(pod)
        condemned.sort(key=lambda p: -(ordinal_of(p, name) or 0))

        for ordinal in range(start, start + replicas):
            found = by_ordinal.get(ordinal)
            if found is None:
                self._create_pod(sts, ordinal, current_rev, update_rev)
                if ordered:
                    return
                continue
            pod = found
            phase = (pod.get("status") or {}).get("phase")
            if phase in ("Failed", "Succeeded") and not pod["metadata"].get("deletionTimestamp"):
                self._delete_pod(sts, pod)
                if ordered:
                    return
                continue
            self._ensure_claims(sts, ordinal, pod)
            if ordered and (pod["metadata"].get("deletionTimestamp")
                            or not self._healthy(pod, min_ready)):
                return

        for pod in condemned:
            if pod["metadata"].get("deletionTimestamp"):
                if ordered:
                    return
                continue
            if ordered and any(not self._healthy(p, min_ready) for p in by_ordinal.values()):
                return
            self._delete_pod(sts, pod)
            if ordered:
                return

        strategy = spec.get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
        update_name = update_rev["metadata"]["name"]
        for ordinal in range(start + replicas - 1, start + partition - 1, -1):
            found = by_ordinal.get(ordinal)
            if found is None:
                return
            pod = found
            labels = pod["metadata"].get("labels") or {}
            if labels.get(REVISION_HASH_LABEL) != update_name and \
                    not pod["metadata"].get("deletionTimestamp"):
                self._delete_pod(sts, pod)
                return
            if not self._healthy(pod, min_ready):
                return

    # -- pods and claims ------------------------------------------------------------------
    def _create_pod(self, sts: Obj, ordinal: int, current_rev: Obj, update_rev: Obj) -> None:
        spec = sts.get("spec") or {}
        name = sts["metadata"]["name"]
        namespace = sts["metadata"]["namespace"]
        strategy = spec.get("updateStrategy") or {}
        partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
        revision = update_rev
        if strategy.get("type", "RollingUpdate") == "RollingUpdate" and \
                ordinal < int((spec.get("ordinals") or {}).get("start") or 0) + partition:
            revision = current_rev
        pod_name = f"{name}-{ordinal}"
        pod = podutil.pod_from_template(
            revision_template(revision), namespace=namespace, owner=sts, name=pod_name,
            extra_labels={POD_NAME_LABEL: pod_name, POD_INDEX_LABEL: str(ordinal),
                          REVISION_HASH_LABEL: revision["metadata"]["name"]})
        pod_spec = pod["spec"]
        pod_spec["hostname"] = pod_name
        if spec.get("serviceName"):
            pod_spec["subdomain"] = spec["serviceName"]
        volumes = [v for v in pod_spec.get("volumes") or []]
        for template in spec.get("volumeClaimTemplates") or ():
            claim = template["metadata"]["name"]
            volumes = [v for v in volumes if v.get("name") != claim]
            volumes.append({"name": claim, "persistentVolumeClaim": {
                "claimName": claim_name(claim, name, ordinal)}})
        if volumes:
            pod_spec["volumes"] = volumes
        self._ensure_claims(sts, ordinal, pod)
        try:
            self.api.create(pod, self.actor)
        except APIError as exc:
            self.recorder.record(sts, "Warning", "FailedCreate",
                                 f"create Pod {pod_name} in StatefulSet {name} failed "
                                 f"error: {exc}", component=self.name)
            return
        self.recorder.record(sts, "Normal", "SuccessfulCreate",
                             f"create Pod {pod_name} in StatefulSet {name} successful",
                             component=self.name)

    def _ensure_claims(self, sts: Obj, ordinal: int, pod: Obj) -> None:
        spec = sts.get("spec") or {}
        name = sts["metadata"]["name"]
        namespace = sts["metadata"]["namespace"]
        selector_labels = (spec.get("selector") or {}).get("matchLabels") or {}
        for template in spec.get("volumeClaimTemplates") or ():
            pvc_name = claim_name(template["metadata"]["name"], name, ordinal)
            if self.store.get("persistentvolumeclaims", namespace, pvc_name) is not None:
                continue
            meta = template.get("metadata") or {}
            labels = dict(meta.get("labels") or {})
            labels.update(selector_labels)
            claim: Obj = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                          "metadata": {"name": pvc_name, "namespace": namespace,
                                       "labels": labels},
                          "spec": deep_copy(template.get("spec") or {})}
            if meta.get("annotations"):
                claim["metadata"]["annotations"] = dict(meta["annotations"])
            retention = spec.get("persistentVolumeClaimRetentionPolicy") or {}
            if retention.get("whenDeleted") == "Delete":
                claim["metadata"]["ownerReferences"] = [podutil.owner_reference(sts)]
            try:
                self.api.create(claim, self.actor)
            except APIError as exc:
                self.recorder.record(sts, "Warning", "FailedCreate",
                                     f"create Claim {pvc_name} for Pod "
                                     f"{pod['metadata']['name']} in StatefulSet {name} "
                                     f"failed error: {exc}", component=self.name)
                continue
            self.recorder.record(sts, "Normal", "SuccessfulCreate",
                                 f"create Claim {pvc_name} Pod {pod['metadata']['name']} "
                                 f"in StatefulSet {name} success", component=self.name)

    def _delete_pod(self, sts: Obj, pod: Obj) -> None:
        meta = pod["metadata"]
        try:
            self.api.delete("pods", meta["namespace"], meta["name"], self.actor)
        except APIError:
            return
        self.recorder.record(sts, "Normal", "SuccessfulDelete",
                             f"delete Pod {meta['name']} in StatefulSet "
                             f"{sts['metadata']['name']} successful", component=self.name)

    # -- status ---------------------------------------------------------------------------
    def _write_status(self, sts: Obj, pods: list[Obj], current_rev: Obj, update_rev: Obj,
                      collisions: int) -> None:
        spec = sts.get("spec") or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        current_name = current_rev["metadata"]["name"]
        update_name = update_rev["metadata"]["name"]
        replicas = ready = available = current = updated = 0
        for pod in pods:
            replicas += 1
            if (pod.get("status") or {}).get("phase") == "Running" and podutil.is_ready(pod):
                ready += 1
                if podutil.is_available(pod, min_ready, self.clock):
                    available += 1
                else:
                    wait = podutil.available_in(pod, min_ready, self.clock)
                    if wait is not None:
                        meta = sts["metadata"]
                        self.wake_after(wait, f"{meta['namespace']}/{meta['name']}")
            if pod["metadata"].get("deletionTimestamp"):
                continue
            revision = (pod["metadata"].get("labels") or {}).get(REVISION_HASH_LABEL)
            if revision == current_name:
                current += 1
            if revision == update_name:
                updated += 1
        strategy = (spec.get("updateStrategy") or {}).get("type", "RollingUpdate")
        if strategy == "RollingUpdate" and updated == replicas == ready \
                and replicas == int(spec.get("replicas", 1)):
            current_name, current = update_name, updated
        status: dict[str, Any] = {
            "availableReplicas": available,
            "collisionCount": collisions,
            "currentRevision": current_name,
            "observedGeneration": sts["metadata"].get("generation", 1),
            "replicas": replicas,
            "updateRevision": update_name,
        }
        for field, value in (("currentReplicas", current), ("readyReplicas", ready),
                             ("updatedReplicas", updated)):
            if value:
                status[field] = value
        old = sts.get("status") or {}
        if old.get("conditions"):
            status["conditions"] = old["conditions"]
        if status != old:
            self.api.update_status(dict(sts, status=status), self.actor)
