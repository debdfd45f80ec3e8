"""The API server: every change to the cluster goes through here.

A request runs the stages a real kube-apiserver runs, in the same order, so learners meet the
same refusals for the same mistakes: resource mapping → strict decoding (unknown fields, wrong
types) → metadata (names, uid, timestamps) → namespace lifecycle → defaulting → admission
(default tolerations, service account, priority) → validation → allocation (ClusterIPs,
NodePorts) → conflict checks → store. Deletion is graceful for pods, honours finalizers and the
Background/Foreground/Orphan propagation policies; the garbage collector finishes the job.

Requests from people (`USER`) get the full treatment; controllers, kubelets and the scheduler
are trusted to write well-formed objects and skip decoding and validation, which keeps large
simulations fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from playground.engine import errors
from playground.engine.api import defaults, resources, strict, validation
from playground.engine.api import apply as client_apply
from playground.engine.api import patch as patching
from playground.engine.api.resources import ResourceType
from playground.engine.api.sharing import SharedValues
from playground.engine.clock import Clock
from playground.engine.errors import APIError, FieldError
from playground.engine.network.allocators import (
    AllocationError,
    ServiceAllocator,
    service_ips,
    service_node_ports,
)
from playground.engine.seeds import Seeds
from playground.engine.selectors import (
    FieldRequirement,
    Selector,
    SelectorError,
    from_label_selector,
)
from playground.engine.store import USER, Actor, Obj, Store, deep_copy

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"
NAMESPACE_FINALIZER = "kubernetes"

# kinds whose spec changes bump metadata.generation (those with a spec/status split)
_NO_GENERATION = {"ConfigMap", "Secret", "Event", "ServiceAccount", "Endpoints",
                  "EndpointSlice", "Lease", "ControllerRevision", "Role", "ClusterRole",
                  "RoleBinding", "ClusterRoleBinding", "Binding", "ComponentStatus",
                  "Namespace", "Node", "PriorityClass", "StorageClass", "IngressClass",
                  "PersistentVolume", "PersistentVolumeClaim"}

NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"


class NoKindMatch(errors.EngineError):
    """A manifest names a kind/version this cluster does not serve (a client-side mapping
    failure in kubectl: `no matches for kind "X" in version "Y"`)."""

    def __init__(self, kind: str, api_version: str) -> None:
        super().__init__(f'no matches for kind "{kind}" in version "{api_version}"')
        self.kind = kind
        self.api_version = api_version


@dataclass(frozen=True)
class ApplyOutcome:
    """What `kubectl apply` reports for one object."""

    obj: Obj
    result: str  # "created", "configured", "unchanged"
    missing_annotation: bool = False


@dataclass(frozen=True)
class DeleteOutcome:
    """The object as the delete left it; `finished` is False while it is terminating."""

    obj: Obj
    finished: bool


class APIServer:
    """Requests against one cluster's store."""

    def __init__(self, store: Store, clock: Clock, seeds: Seeds) -> None:
        self.store = store
        self.clock = clock
        self.seeds = seeds
        self._allocator: ServiceAllocator | None = None
        self.admission_hooks: list[Callable[[ResourceType, Obj], None]] = []
        self.shared = SharedValues()
        """Equal parts of stored pods, held once (see `api.sharing`)."""

    # -- resolution -----------------------------------------------------------------------
    @staticmethod
    def resource_type(obj: Obj) -> ResourceType:
        """The served type of a manifest, or NoKindMatch."""
        api_version = str(obj.get("apiVersion") or "")
        kind = str(obj.get("kind") or "")
        rt = resources.for_object(api_version, kind)
        if rt is None:
            raise NoKindMatch(kind, api_version)
        return rt

    @staticmethod
    def qualified(rt: ResourceType) -> str:
        """`deployments.apps`, `pods`: how errors name a resource."""
        return rt.key

    # -- reads ----------------------------------------------------------------------------
    def get(self, resource: str, namespace: str, name: str) -> Obj:
        """One object (read-only) or NotFound."""
        rt = resources.by_key(resource)
        obj = self.store.get(resource, namespace if rt.namespaced else "", name)
        if obj is None:
            raise errors.not_found(rt.key, name)
        return obj

    def list(self, resource: str, namespace: str | None = None,
             selector: Selector | None = None,
             fields: tuple[FieldRequirement, ...] = ()) -> list[Obj]:
        """Objects of one type, sorted by namespace and name (read-only)."""
        rt = resources.by_key(resource)
        return self.store.list(resource, namespace if rt.namespaced else None, selector, fields)

    # -- create ---------------------------------------------------------------------------
    def create(self, obj: Obj, actor: Actor = USER, *, namespace: str = "default",
               dry_run: bool = False, copy: bool = True) -> Obj:
        """Create an object; returns the stored object (or what would be stored).

        `copy=False` is for a trusted writer that built `obj` for this call and hands it over
        (the store may keep any part of it): the API server then skips its private copy."""
        rt = self.resource_type(obj)
        trusted = actor.kind != "user"
        if not trusted:
            self._strict_decode(rt, obj)
        new = deep_copy(obj) if copy or not trusted else obj
        meta = new.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise errors.bad_request("metadata must be an object")
        if rt.namespaced:
            meta["namespace"] = meta.get("namespace") or namespace
        else:
            meta.pop("namespace", None)
        if meta.get("resourceVersion") and not trusted:
            raise errors.bad_request("resourceVersion should not be set on objects to be created")
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = self._generate_name(rt, meta)
        name = str(meta.get("name") or "")
        if rt.namespaced:
            self._check_namespace(meta["namespace"])
        for key in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                    "generation", "managedFields", "selfLink"):
            meta.pop(key, None)
        new.pop("status", None) if not trusted else None
        meta["uid"] = self.seeds.uid()
        meta["creationTimestamp"] = self.clock.timestamp()
        if rt.kind not in _NO_GENERATION and "spec" in new:
            meta["generation"] = 1
        defaults.apply_defaults(new)
        self._admit(rt, new)
        if not trusted:
            errs = validation.validate_create(new)
            if errs:
                raise errors.invalid(rt.kind, rt.group, name, errs)
        if self.store.get(rt.key, meta.get("namespace", ""), name) is not None:
            raise errors.already_exists(rt.key, name)
        self._initial_status(rt, new)
        if rt.kind == "Service":
            self._allocate_service(new, None, dry_run)
        if dry_run:
            return new
        if rt.kind == "Pod":
            self.shared.share_pod(new, spec=True)
        return self.store.put(rt.key, new, actor, "created")

    def _generate_name(self, rt: ResourceType, meta: dict[str, Any]) -> str:
        prefix = str(meta["generateName"])[:58]
        for _ in range(100):
            candidate = prefix + self.seeds.suffix()
            if self.store.get(rt.key, meta.get("namespace", ""), candidate) is None:
                return candidate
        raise errors.already_exists(rt.key, prefix)

    def _check_namespace(self, namespace: str) -> None:
        ns = self.store.get("namespaces", "", namespace)
        if ns is None:
            raise errors.not_found("namespaces", namespace)
        if ns["metadata"].get("deletionTimestamp"):
            raise errors.forbidden(
                f"unable to create new content in namespace {namespace} because it is being "
                "terminated")

    def _strict_decode(self, rt: ResourceType, obj: Obj) -> None:
        problems = strict.decode_errors(obj)
        if problems:
            raise errors.bad_request(strict.strict_decoding_message(rt.kind, problems, rt.version))

    def _initial_status(self, rt: ResourceType, obj: Obj) -> None:
        if "status" in obj:
            return
        if rt.kind == "Pod":
            obj["status"] = {"phase": "Pending", "qosClass": qos_class(obj)}
        elif rt.kind == "Namespace":
            obj["status"] = {"phase": "Active"}
        elif rt.kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job",
                         "CronJob", "Service", "PersistentVolumeClaim", "PersistentVolume",
                         "HorizontalPodAutoscaler", "Ingress", "Node",
                         "PodDisruptionBudget", "ReplicationController"):
            obj["status"] = _empty_status(rt.kind, obj)

    def _admit(self, rt: ResourceType, obj: Obj) -> None:
        """Mutating admission: what the default admission plugins add."""
        if rt.kind == "Pod":
            spec = obj.setdefault("spec", {})
            tolerations = spec.setdefault("tolerations", [])
            present = {(t.get("key"), t.get("effect")) for t in tolerations}
            for key in (NOT_READY_TAINT, UNREACHABLE_TAINT):
                if (key, "NoExecute") not in present:
                    tolerations.append({"key": key, "operator": "Exists",
                                        "effect": "NoExecute", "tolerationSeconds": 300})
            spec.setdefault("serviceAccountName", "default")
            spec.setdefault("serviceAccount", spec["serviceAccountName"])
            self._admit_priority(obj)
        elif rt.kind == "Job":
            defaults.default_job_selector(obj)
        for hook in self.admission_hooks:
            hook(rt, obj)

    def _admit_priority(self, pod: Obj) -> None:
        """The Priority admission plugin: priorityClassName → spec.priority."""
        spec = pod["spec"]
        class_name = spec.get("priorityClassName")
        if not class_name:
            spec.setdefault("priority", 0)
            spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
            return
        found = self.store.get("priorityclasses.scheduling.k8s.io", "", class_name)
        if found is None:
            name = pod["metadata"].get("name") or pod["metadata"].get("generateName", "")
            raise errors.forbidden(f'pods "{name}" is forbidden: no PriorityClass with name '
                                   f"{class_name} was found")
        spec["priority"] = int(found.get("value", 0))
        spec.setdefault("preemptionPolicy", found.get("preemptionPolicy",
                                                      "PreemptLowerPriority"))

    # -- services -------------------------------------------------------------------------
    @property
    def allocator(self) -> ServiceAllocator:
        """ClusterIP/NodePort allocator, rebuilt from stored Services on first use."""
        if self._allocator is None:
            self._allocator = ServiceAllocator(self.seeds.stream("service-ips"),
                                               self.seeds.stream("node-ports"))
            self._allocator.rebuild(self.store.iter("services"))
        return self._allocator

    def _allocate_service(self, svc: Obj, old: Obj | None, dry_run: bool) -> None:
        spec = svc.setdefault("spec", {})
        svc_type = spec.get("type", "ClusterIP")
        name = svc["metadata"]["name"]
        alloc = self.allocator
        taken_ips: list[str] = []
        taken_ports: list[int] = []
        field_errors: list[FieldError] = []
        try:
            if svc_type == "ExternalName":
                spec.pop("clusterIP", None)
                spec.pop("clusterIPs", None)
            elif old is not None and service_ips(old):
                spec["clusterIP"] = old["spec"]["clusterIP"]
                spec["clusterIPs"] = list(old["spec"].get("clusterIPs") or [spec["clusterIP"]])
            elif spec.get("clusterIP") == "None":
                spec["clusterIPs"] = ["None"]
            elif old is None or not service_ips(old):
                requested = spec.get("clusterIP") or (spec.get("clusterIPs") or [None])[0]
                try:
                    ip = alloc.allocate_ip(requested)
                except AllocationError as exc:
                    field_errors.append(FieldError("Invalid", "spec.clusterIPs", str(exc),
                                                   [requested], True))
                else:
                    taken_ips.append(ip)
                    spec["clusterIP"] = ip
                    spec["clusterIPs"] = [ip]
            old_ports = {(p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
                         for p in (old or {}).get("spec", {}).get("ports") or ()}
            old_held = set(service_node_ports(old)) if old else set()
            wants_node_ports = svc_type in ("NodePort", "LoadBalancer")
            for i, port in enumerate(spec.get("ports") or ()):
                if not wants_node_ports:
                    port.pop("nodePort", None)
                    continue
                requested_port = port.get("nodePort")
                previous = old_ports.get((port.get("port"), port.get("protocol", "TCP")))
                if requested_port and requested_port in old_held:
                    continue
                if not requested_port and previous:
                    port["nodePort"] = previous
                    continue
                try:
                    got = alloc.allocate_port(requested_port)
                except AllocationError as exc:
                    field_errors.append(FieldError("Invalid", f"spec.ports[{i}].nodePort",
                                                   str(exc), requested_port, True))
                else:
                    taken_ports.append(got)
                    port["nodePort"] = got
            if field_errors:
                raise errors.invalid("Service", "", name, field_errors)
        except APIError:
            for ip in taken_ips:
                alloc.release_ip(ip)
            for p in taken_ports:
                alloc.release_port(p)
            raise
        if dry_run:
            for ip in taken_ips:
                alloc.release_ip(ip)
            for p in taken_ports:
                alloc.release_port(p)
        if old is not None:
            for ip in set(service_ips(old)) - set(service_ips(svc)):
                alloc.release_ip(ip)
            for p in set(service_node_ports(old)) - set(service_node_ports(svc)):
                alloc.release_port(p)

    def _release_service(self, svc: Obj) -> None:
        for ip in service_ips(svc):
            self.allocator.release_ip(ip)
        for port in service_node_ports(svc):
            self.allocator.release_port(port)

    # -- update ---------------------------------------------------------------------------
    def update(self, obj: Obj, actor: Actor = USER, *, namespace: str = "default",
               dry_run: bool = False, reason: str = "updated") -> Obj:
        """Replace an object's desired state (spec, metadata); status is kept unless the
        writer is trusted. Optimistic concurrency when `metadata.resourceVersion` is given."""
        rt = self.resource_type(obj)
        trusted = actor.kind != "user"
        if not trusted:
            self._strict_decode(rt, obj)
        meta_in = obj.get("metadata") or {}
        ns = (meta_in.get("namespace") or namespace) if rt.namespaced else ""
        name = str(meta_in.get("name") or "")
        current = self.store.get(rt.key, ns, name)
        if current is None:
            raise errors.not_found(rt.key, name)
        requested_rv = meta_in.get("resourceVersion")
        if requested_rv and requested_rv != current["metadata"]["resourceVersion"]:
            raise errors.conflict(rt.key, name)
        new = obj if trusted and obj is not current else deep_copy(obj)
        if new is current:
            raise errors.EngineError("update() needs a copy, not the stored object")
        meta = new.setdefault("metadata", {})
        cur_meta = current["metadata"]
        for key in ("uid", "creationTimestamp", "deletionTimestamp",
                    "deletionGracePeriodSeconds", "generation"):
            if key in cur_meta:
                meta[key] = cur_meta[key]
            else:
                meta.pop(key, None)
        if rt.namespaced:
            meta["namespace"] = ns
        if not trusted and "status" in current:
            new["status"] = current["status"]
        elif not trusted:
            new.pop("status", None)
        if not trusted:
            # controllers write objects that were defaulted when first stored
            defaults.apply_defaults(new)
            if rt.kind == "Pod":
                self._admit(rt, new)
            errs = validation.validate_update(new, current)
            if errs:
                raise errors.invalid(rt.kind, rt.group, name, errs)
        if rt.kind == "Service":
            self._allocate_service(new, current, dry_run)
        if new.get("spec") != current.get("spec") and "generation" in cur_meta:
            meta["generation"] = int(cur_meta["generation"]) + 1
        if dry_run:
            return new
        if _same_except_rv(new, current):
            return current
        if rt.kind == "Pod":
            if isinstance(new.get("status"), dict):
                new["status"] = dict(new["status"])
            self.shared.share_pod(new, spec=not trusted)
            if trusted and new.get("spec") is not current.get("spec"):
                self.shared.share_pod_spec(new)
        if cur_meta.get("deletionTimestamp") and not meta.get("finalizers") and \
                rt.kind != "Namespace" and not (rt.kind == "Pod" and not _pod_finished(new)
                                                and cur_meta.get("deletionGracePeriodSeconds")):
            self.store.put(rt.key, new, actor, reason)
            return self._remove(rt, new, actor)
        return self.store.put(rt.key, new, actor, reason)

    def update_status(self, obj: Obj, actor: Actor, reason: str = "status updated") -> Obj:
        """Write only `status` (the status subresource); everything else is kept."""
        rt = self.resource_type(obj)
        meta_in = obj["metadata"]
        current = self.store.get(rt.key, meta_in.get("namespace", ""), meta_in["name"])
        if current is None:
            raise errors.not_found(rt.key, meta_in["name"])
        if current.get("status") == obj.get("status"):
            return current
        new = dict(current)
        new["metadata"] = dict(current["metadata"])
        status = obj.get("status")
        if rt.kind == "Pod" and isinstance(status, dict):
            status = dict(status)
            self.shared.share_pod_status(status)
        new["status"] = status
        return self.store.put(rt.key, new, actor, reason)

    # -- patch ----------------------------------------------------------------------------
    def patch(self, resource: str, namespace: str, name: str, patch: Any, patch_type: str,
              actor: Actor = USER, *, dry_run: bool = False) -> Obj:
        """Apply a `strategic`, `merge` or `json` patch to an object."""
        rt = resources.by_key(resource)
        current = self.get(resource, namespace, name)
        try:
            if patch_type == "json":
                patched = patching.json_patch(current, patch)
            elif patch_type == "merge":
                patched = patching.json_merge_patch(current, patch)
            elif patch_type == "strategic":
                patched = patching.strategic_merge_patch(current, patch, rt.api_version, rt.kind)
            else:
                raise errors.bad_request(f"unknown patch type {patch_type!r}")
        except patching.JSONPatchNotApplied:
            raise errors.rejected() from None
        except patching.PatchError as exc:
            raise errors.bad_request(str(exc)) from None
        if not isinstance(patched, dict):
            raise errors.bad_request("the patch produced something other than an object")
        patched.setdefault("metadata", {})["resourceVersion"] = \
            current["metadata"]["resourceVersion"]
        patched["apiVersion"], patched["kind"] = rt.api_version, rt.kind
        if actor.kind == "user" and "status" in current:
            # the main resource ignores status changes, as the real server does
            patched["status"] = current["status"]
        return self.update(patched, actor, namespace=namespace, dry_run=dry_run,
                           reason="patched")

    # -- client-side apply ----------------------------------------------------------------
    def apply(self, manifest: Obj, actor: Actor = USER, *, namespace: str = "default",
              dry_run: bool = False) -> ApplyOutcome:
        """`kubectl apply` of one object: create with the last-applied annotation, or a
        three-way merge against the live object."""
        rt = self.resource_type(manifest)
        if actor.kind == "user":
            self._strict_decode(rt, manifest)
        meta = manifest.get("metadata") or {}
        ns = (meta.get("namespace") or namespace) if rt.namespaced else ""
        name = str(meta.get("name") or "")
        live = self.store.get(rt.key, ns, name) if name else None
        if live is None:
            new = client_apply.with_last_applied(manifest, ns or None)
            created = self.create(new, actor, namespace=namespace, dry_run=dry_run)
            return ApplyOutcome(created, "created")
        try:
            result = client_apply.three_way_apply(live, manifest, rt.api_version, rt.kind,
                                                  namespace=ns or None)
        except patching.PatchError as exc:
            raise errors.bad_request(str(exc)) from None
        if result.outcome == "unchanged":
            return ApplyOutcome(live, "unchanged", result.missing_annotation)
        merged = result.obj
        merged.setdefault("metadata", {})["resourceVersion"] = live["metadata"]["resourceVersion"]
        updated = self.update(merged, actor, namespace=ns or namespace, dry_run=dry_run,
                              reason="applied")
        return ApplyOutcome(updated, "configured", result.missing_annotation)

    # -- delete ---------------------------------------------------------------------------
    def delete(self, resource: str, namespace: str, name: str, actor: Actor = USER, *,
               grace_period: int | None = None, propagation: str | None = None,
               dry_run: bool = False) -> DeleteOutcome:
        """Delete an object as the API server does: graceful for running pods, deferred
        while finalizers remain, dependents handled by the garbage collector."""
        rt = resources.by_key(resource)
        current = self.get(resource, namespace, name)
        if dry_run:
            return DeleteOutcome(current, True)
        meta = current["metadata"]
        if rt.kind == "Namespace":
            return self._delete_namespace(current, actor)
        finalizers = list(meta.get("finalizers") or [])
        policy = propagation or ("Background")
        if policy == "Foreground" and FOREGROUND not in finalizers:
            finalizers.append(FOREGROUND)
        elif policy == "Orphan" and ORPHAN not in finalizers:
            finalizers.append(ORPHAN)
        grace = 0
        if rt.kind == "Pod":
            grace = self._pod_grace(current, grace_period)
        if finalizers or grace > 0:
            if meta.get("deletionTimestamp"):
                # already terminating: only a shorter grace period changes anything
                old_grace = int(meta.get("deletionGracePeriodSeconds") or 0)
                if grace >= old_grace and finalizers == list(meta.get("finalizers") or []):
                    return DeleteOutcome(current, False)
            # copy-on-write: only the object and its metadata change; every other part stays
            # shared with the stored (read-only) object
            new_meta = dict(meta)
            new_meta["deletionTimestamp"] = self.clock.timestamp(self.clock.now + grace)
            new_meta["deletionGracePeriodSeconds"] = grace
            if finalizers:
                new_meta["finalizers"] = finalizers
            if "generation" in new_meta:
                new_meta["generation"] = int(new_meta["generation"]) + 1
            new = dict(current)
            new["metadata"] = new_meta
            return DeleteOutcome(self.store.put(rt.key, new, actor, "deleting"), False)
        return DeleteOutcome(self._remove(rt, current, actor), True)

    def evict(self, namespace: str, name: str, actor: Actor = USER, *,
              grace_period: int | None = None) -> DeleteOutcome:
        """The pod's eviction subresource: a delete that honours PodDisruptionBudgets (429
        while a budget allows no disruption; pending, finished and terminating pods, and
        not-ready pods of a satisfied budget, may always go)."""
        pod = self.get("pods", namespace, name)
        status = pod.get("status") or {}
        if not (pod["metadata"].get("deletionTimestamp")
                or status.get("phase") in ("Pending", "Succeeded", "Failed")):
            budgets = [b for b in self.store.iter("poddisruptionbudgets.policy", namespace)
                       if _selects(b, pod)]
            if len(budgets) > 1:
                raise APIError(500, "InternalError", "This pod has more than one "
                               "PodDisruptionBudget, which the eviction subresource does not "
                               "support.")
            if budgets:
                self._charge_budget(budgets[0], pod, actor)
        return self.delete("pods", namespace, name, actor, grace_period=grace_period)

    def _charge_budget(self, pdb: Obj, pod: Obj, actor: Actor) -> None:
        status = pdb.get("status") or {}
        ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                    for c in status_conditions(pod))
        policy = (pdb.get("spec") or {}).get("unhealthyPodEvictionPolicy", "IfHealthyBudget")
        healthy, desired = int(status.get("currentHealthy", 0)), int(
            status.get("desiredHealthy", 0))
        if not ready and (policy == "AlwaysAllow" or healthy >= desired):
            return
        allowed = int(status.get("disruptionsAllowed", 0))
        if allowed <= 0 or int(status.get("observedGeneration", 0)) < int(
                pdb["metadata"].get("generation", 1)):
            raise APIError(429, "TooManyRequests", "Cannot evict pod as it would violate the "
                           "pod's disruption budget.", causes=[FieldError(
                               "DisruptionBudget", "", f"The disruption budget "
                               f"{pdb['metadata']['name']} needs {desired} healthy pods and "
                               f"has {healthy} currently")])
        charged = dict(pdb, status=dict(status, disruptionsAllowed=allowed - 1))
        self.update_status(charged, actor, reason=f"evicting {pod['metadata']['name']}")

    def _pod_grace(self, pod: Obj, requested: int | None) -> int:
        spec = pod.get("spec") or {}
        if not spec.get("nodeName") or _pod_finished(pod):
            return 0
        if requested is not None and requested >= 0:
            return max(requested, 0) if requested > 0 else 0
        return int(spec.get("terminationGracePeriodSeconds", 30) or 0)

    def _delete_namespace(self, ns: Obj, actor: Actor) -> DeleteOutcome:
        name = ns["metadata"]["name"]
        if name in ("default", "kube-system", "kube-public", "kube-node-lease"):
            raise errors.forbidden(f'namespaces "{name}" is forbidden: this namespace may '
                                   "not be deleted")
        if ns["metadata"].get("deletionTimestamp"):
            return DeleteOutcome(ns, False)
        new = deep_copy(ns)
        new["metadata"]["deletionTimestamp"] = self.clock.timestamp()
        new["metadata"]["deletionGracePeriodSeconds"] = 0
        new["status"] = {"phase": "Terminating"}
        return DeleteOutcome(self.store.put("namespaces", new, actor, "deleting"), False)

    def finish_namespace(self, name: str, actor: Actor) -> None:
        """Called by the namespace controller once a terminating namespace is empty."""
        ns = self.store.get("namespaces", "", name)
        if ns is not None and ns["metadata"].get("deletionTimestamp"):
            self._remove(resources.by_key("namespaces"), ns, actor)

    def remove_now(self, resource: str, namespace: str, name: str, actor: Actor,
                   reason: str = "deleted") -> Obj | None:
        """Final removal (kubelet after termination, force delete, GC)."""
        obj = self.store.get(resource, namespace, name)
        if obj is None:
            return None
        return self._remove(resources.by_key(resource), obj, actor, reason)

    def _remove(self, rt: ResourceType, obj: Obj, actor: Actor, reason: str = "deleted") -> Obj:
        meta = obj["metadata"]
        removed = self.store.remove(rt.key, meta.get("namespace", ""), meta["name"], actor,
                                    reason)
        if rt.kind == "Service" and removed is not None:
            self._release_service(removed)
        return removed if removed is not None else obj

    def remove_finalizer(self, resource: str, namespace: str, name: str, finalizer: str,
                         actor: Actor) -> None:
        """Drop one finalizer; an object being deleted goes once none remain."""
        current = self.store.get(resource, namespace, name)
        if current is None:
            return
        remaining = [f for f in current["metadata"].get("finalizers") or [] if f != finalizer]
        new = deep_copy(current)
        if remaining:
            new["metadata"]["finalizers"] = remaining
        else:
            new["metadata"].pop("finalizers", None)
        self.update(new, actor, reason=f"removed finalizer {finalizer}")


def qos_class(pod: Obj) -> str:
    """Guaranteed, Burstable or BestEffort, from requests and limits."""
    containers = (pod.get("spec") or {}).get("containers") or []
    any_set = False
    guaranteed = True
    for c in containers + list((pod.get("spec") or {}).get("initContainers") or []):
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        if req or lim:
            any_set = True
        for resource_name in ("cpu", "memory"):
            if resource_name not in lim or str(req.get(resource_name, lim[resource_name])) != \
                    str(lim[resource_name]):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def _empty_status(kind: str, obj: Obj) -> dict[str, Any]:
    if kind == "Service":
        return {"loadBalancer": {}}
    if kind == "PersistentVolumeClaim":
        return {"phase": "Pending"}
    if kind == "PersistentVolume":
        return {"phase": "Available"}
    return {}


def status_conditions(obj: Obj) -> list[dict[str, Any]]:
    """An object's status.conditions (empty when absent)."""
    return list((obj.get("status") or {}).get("conditions") or ())


def _selects(pdb: Obj, pod: Obj) -> bool:
    try:
        selector = from_label_selector((pdb.get("spec") or {}).get("selector"))
    except SelectorError:
        return False
    return selector.matches(pod["metadata"].get("labels") or {})


def _pod_finished(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _same_except_rv(a: Obj, b: Obj) -> bool:
    if a.keys() != b.keys():
        return False
    for key, value in a.items():
        other = b[key]
        if value is other:
            continue
        if key == "metadata":
            if value.keys() == other.keys():
                if any(v is not other[k] and v != other[k] for k, v in value.items()
                       if k != "resourceVersion"):
                    return False
                continue
            ma = {k: v for k, v in value.items() if k != "resourceVersion"}
            mb = {k: v for k, v in other.items() if k != "resourceVersion"}
            if ma != mb:
                return False
        elif value != other:
            return False
    return True


def dumps(obj: Obj) -> str:
    """Compact JSON as the API server would send it (for size estimates and persistence)."""
    return json.dumps(obj, separators=(",", ":"))
