"""The DaemonSet controller: one pod on every node that should run one.

As kube-controller-manager's daemonset-controller does, it decides per node whether the
DaemonSet's pod belongs there (nodeSelector, required node affinity, NoSchedule/NoExecute taints
against the template's tolerations plus the ones the controller always adds), creates the pod
with a `metadata.name` node affinity so the scheduler binds it to exactly that node, deletes
pods from nodes they no longer fit (only NoExecute taints evict a running daemon pod), replaces
failed pods, follows nodes joining and leaving, rolls template changes out node by node within
`maxUnavailable`, keeps ControllerRevisions, and reports the status counters `kubectl get ds`
prints.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from playground.engine.controllers import podutil
from playground.engine.controllers.base import Controller
from playground.engine.controllers.statefulset import (
    REVISION_HASH_KEY,
    REVISION_HASH_LABEL,
    RevisionHistory,
    owned_revisions,
)
from playground.engine.errors import APIError
from playground.engine.scheduler.podinfo import Toleration, tolerates
from playground.engine.scheduler.selectors import NodeSelector
from playground.engine.store import Obj, WatchEvent

TEMPLATE_GENERATION_LABEL = "pod-template-generation"

# What `util.AddOrUpdateDaemonPodTolerations` adds to every daemon pod.
DAEMON_TOLERATIONS: tuple[dict[str, str], ...] = (
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
)
NETWORK_UNAVAILABLE_TOLERATION = {"key": "node.kubernetes.io/network-unavailable",
                                  "operator": "Exists", "effect": "NoSchedule"}


def daemon_tolerations(pod_spec: Obj) -> list[dict[str, Any]]:
    """The template's tolerations plus the DaemonSet ones it does not already carry."""
    tolerations = [dict(t) for t in pod_spec.get("tolerations") or ()]
    extra = list(DAEMON_TOLERATIONS)
    if pod_spec.get("hostNetwork"):
        extra.append(NETWORK_UNAVAILABLE_TOLERATION)
    for wanted in extra:
        if not any(t.get("key") == wanted["key"] and t.get("effect") == wanted["effect"]
                   for t in tolerations):
            tolerations.append(dict(wanted))
    return tolerations


def _parsed(tolerations: list[dict[str, Any]]) -> tuple[Toleration, ...]:
    return tuple((t.get("key") or "", t.get("operator") or "Equal", t.get("value") or "",
                  t.get("effect") or "") for t in tolerations)


def node_fit(pod_spec: Obj, node: Obj) -> tuple[bool, bool]:
    """(should run, should continue running) for a daemon pod with this spec on this node."""
    labels = node["metadata"].get("labels") or {}
    name = node["metadata"]["name"]
    if pod_spec.get("nodeName") and pod_spec["nodeName"] != name:
        return False, False
    for key, value in (pod_spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False, False
    required = (((pod_spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution"))
    if required is not None and not NodeSelector(required).matches(labels, name):
        return False, False
    tolerations = _parsed(daemon_tolerations(pod_spec))
    run = keep = True
    for taint in (node.get("spec") or {}).get("taints") or ():
        effect = taint.get("effect", "")
        if effect not in ("NoSchedule", "NoExecute"):
            continue
        if not tolerates(tolerations, taint.get("key", ""), taint.get("value", ""), effect):
            run = False
            if effect == "NoExecute":
                keep = False
    return run, keep


def _intstr(value: Any, total: int, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, str) and value.endswith("%"):
        return int(total * int(value[:-1]) / 100)
    return int(value)


class DaemonSetController(Controller):
    """kube-controller-manager's daemonset-controller."""

    name = "daemonset-controller"
    watches = ("daemonsets.apps", "pods", "nodes")
    pods_by_owner_kind = "DaemonSet"

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        self.history = RevisionHistory(self)

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        if event.resource == "pods":
            owner = podutil.owner_key(event.obj, "DaemonSet")
            if owner is not None:
                yield owner
        elif event.resource == "nodes":
            yield from self.resync()
        else:
            yield from super().keys_for(event)

    def resync(self) -> Iterable[str]:
        return self.keys_of("daemonsets.apps")

    # -- reconcile ------------------------------------------------------------------------
    def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        ds = self.store.get("daemonsets.apps", namespace, name)
        if ds is None or ds["metadata"].get("deletionTimestamp"):
            return
        spec = ds.get("spec") or {}
        template = spec.get("template") or {}
        revision, _, collisions = self.history.sync(ds, template)
        hash_ = (revision["metadata"].get("labels") or {}).get(REVISION_HASH_KEY, "")
        nodes = self.store.list("nodes")
        by_node = self._pods_by_node(ds)
        fits = {n["metadata"]["name"]: node_fit(template.get("spec") or {}, n) for n in nodes}
        min_ready = int(spec.get("minReadySeconds") or 0)

        for node in nodes:
            node_name = node["metadata"]["name"]
            run, keep = fits[node_name]
            pods = [p for p in by_node.get(node_name, []) if not p["metadata"].get(
                "deletionTimestamp")]
            if run or (keep and pods):
                failed = [p for p in pods if (p.get("status") or {}).get("phase") == "Failed"]
                for pod in failed:
                    self.recorder.record(ds, "Warning", "FailedDaemonPod",
                                         f"Found failed daemon pod {namespace}/"
                                         f"{pod['metadata']['name']} on node {node_name}, "
                                         "will try to kill it", component=self.name)
                    self._delete(ds, pod)
                pods = [p for p in pods if p not in failed]
                if not pods and run and not failed:
                    self._create(ds, node_name, hash_)
                for extra in sorted(pods, key=_age_key)[1:]:
                    self._delete(ds, extra)
            else:
                for pod in pods:
                    self._delete(ds, pod)

        # pods meant for nodes that left the cluster (pod GC would catch the bound ones)
        for node_name, pods in sorted(by_node.items()):
            if node_name not in fits:
                for pod in pods:
                    if not pod["metadata"].get("deletionTimestamp"):
                        self._delete(ds, pod)

        if (spec.get("updateStrategy") or {}).get("type", "RollingUpdate") == "RollingUpdate":
            self._rolling_update(ds, nodes, fits, hash_, min_ready)

        by_node = self._pods_by_node(ds)
        self._write_status(ds, nodes, fits, by_node, hash_, collisions, min_ready)
        live = {revision["metadata"]["name"]}
        live.update(f"{name}-{(p['metadata'].get('labels') or {}).get(REVISION_HASH_LABEL)}"
                    for pods in by_node.values() for p in pods)
        self.history.truncate(owned_revisions(self.store, ds), live,
                              int(spec.get("revisionHistoryLimit", 10)))

    def _pods_by_node(self, ds: Obj) -> dict[str, list[Obj]]:
        uid = ds["metadata"]["uid"]
        found: dict[str, list[Obj]] = {}
        for resource, pod in self.store.dependents(uid):
            if resource != "pods" or (podutil.controller_ref(pod) or {}).get("uid") != uid:
                continue
            node = (pod.get("spec") or {}).get("nodeName") or _target_node(pod)
            found.setdefault(node, []).append(pod)
        return found

    def _rolling_update(self, ds: Obj, nodes: list[Obj], fits: dict[str, tuple[bool, bool]],
                        hash_: str, min_ready: int) -> None:
        by_node = self._pods_by_node(ds)
        desired = [n["metadata"]["name"] for n in nodes if fits[n["metadata"]["name"]][0]]
        rolling = (ds["spec"].get("updateStrategy") or {}).get("rollingUpdate") or {}
        max_unavailable = _intstr(rolling.get("maxUnavailable"), len(desired), 1)
        if max_unavailable == 0 and _intstr(rolling.get("maxSurge"), len(desired), 0) == 0:
            max_unavailable = 1
        unavailable = 0
        old_available: list[Obj] = []
        old_unavailable: list[Obj] = []
        for node_name in desired:
            pods = [p for p in by_node.get(node_name, [])
                    if not p["metadata"].get("deletionTimestamp")]
            if not pods:
                unavailable += 1
                continue
            pod = pods[0]
            available = podutil.is_available(pod, min_ready, self.clock)
            if not available:
                unavailable += 1
            if (pod["metadata"].get("labels") or {}).get(REVISION_HASH_LABEL) != hash_:
                (old_available if available else old_unavailable).append(pod)
        for pod in old_unavailable:
            self._delete(ds, pod)
        budget = max_unavailable - unavailable
        for pod in sorted(old_available, key=lambda p: p["spec"].get("nodeName") or ""):
            if budget <= 0:
                break
            self._delete(ds, pod)
            budget -= 1

    # -- writes ---------------------------------------------------------------------------
    def _create(self, ds: Obj, node_name: str, hash_: str) -> None:
        meta = ds["metadata"]
        template = ds["spec"].get("template") or {}
        pod = podutil.pod_from_template(
            template, namespace=meta["namespace"], owner=ds, generate_name=f"{meta['name']}-",
            extra_labels={REVISION_HASH_LABEL: hash_,
                          TEMPLATE_GENERATION_LABEL: str(meta.get("generation", 1))})
        spec = pod["spec"]
        affinity = spec.setdefault("affinity", {})
        node_affinity = affinity.setdefault("nodeAffinity", {})
        node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {
            "nodeSelectorTerms": [{"matchFields": [
                {"key": "metadata.name", "operator": "In", "values": [node_name]}]}]}
        spec["tolerations"] = daemon_tolerations(spec)
        try:
            created = self.api.create(pod, self.actor)
        except APIError as exc:
            self.recorder.record(ds, "Warning", "FailedCreate", f"Error creating: {exc}",
                                 component=self.name)
            return
        self.recorder.record(ds, "Normal", "SuccessfulCreate",
                             f"Created pod: {created['metadata']['name']}", component=self.name)

    def _delete(self, ds: Obj, pod: Obj) -> None:
        meta = pod["metadata"]
        try:
            self.api.delete("pods", meta["namespace"], meta["name"], self.actor)
        except APIError:
            return
        self.recorder.record(ds, "Normal", "SuccessfulDelete", f"Deleted pod: {meta['name']}",
                             component=self.name)

    def _write_status(self, ds: Obj, nodes: list[Obj], fits: dict[str, tuple[bool, bool]],
                      by_node: dict[str, list[Obj]], hash_: str, collisions: int,
                      min_ready: int) -> None:
        desired = current = misscheduled = ready = available = updated = 0
        for node in nodes:
            node_name = node["metadata"]["name"]
            run, _ = fits[node_name]
            pods = [p for p in by_node.get(node_name, [])
                    if not p["metadata"].get("deletionTimestamp")]
            if run:
                desired += 1
                if not pods:
                    continue
                current += 1
                pod = min(pods, key=_age_key)
                if podutil.is_ready(pod):
                    ready += 1
                    if podutil.is_available(pod, min_ready, self.clock):
                        available += 1
                    else:
                        wait = podutil.available_in(pod, min_ready, self.clock)
                        if wait is not None:
                            self.wake_after(wait, f"{ds['metadata']['namespace']}/"
                                                  f"{ds['metadata']['name']}")
                if (pod["metadata"].get("labels") or {}).get(REVISION_HASH_LABEL) == hash_:
                    updated += 1
            elif pods:
                misscheduled += 1
        status: dict[str, Any] = {
            "currentNumberScheduled": current,
            "desiredNumberScheduled": desired,
            "numberMisscheduled": misscheduled,
            "numberReady": ready,
            "observedGeneration": ds["metadata"].get("generation", 1),
        }
        if available:
            status["numberAvailable"] = available
        if desired - available > 0:
            status["numberUnavailable"] = desired - available
        if updated:
            status["updatedNumberScheduled"] = updated
        if collisions:
            status["collisionCount"] = collisions
        if status != (ds.get("status") or {}):
            self.api.update_status(dict(ds, status=status), self.actor)


def _target_node(pod: Obj) -> str:
    required = ((((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    for term in required.get("nodeSelectorTerms") or ():
        for field in term.get("matchFields") or ():
            if field.get("key") == "metadata.name" and field.get("values"):
                return str(field["values"][0])
    return ""


def _age_key(pod: Obj) -> tuple[str, str]:
    return (pod["metadata"].get("creationTimestamp", ""), pod["metadata"]["name"])
