"""kube-scheduler as a controller: binds pending pods to nodes, or says why it cannot.

It keeps one `NodeInfo` per node (what is requested there, host ports, labels, taints), updated
incrementally from pod and node watch events, and runs the pure decision library in
`engine.scheduler` for each pending pod, with a `SchedulingCache` so the pods of a replicated
workload re-examine only the nodes that changed since the previous one (the node list handed
to it is rebuilt only when nodes come or go). A bound pod gets `spec.nodeName`, the PodScheduled
condition and a `Scheduled` event; a pod nothing fits gets PodScheduled=False/Unschedulable and
a `FailedScheduling` warning with the real message. Unschedulable pods are retried when
something that could help happens (a node appears or changes, a pod goes away) and at least
every 5 minutes, as the real scheduler flushes its unschedulable queue.

The result of each pod's latest attempt is kept (`explanations`: every pending pod's, and the
latest EXPLAINED_BINDINGS bindings' — a result holds per-node scores, so keeping one per pod
would cost tens of kilobytes a pod on big clusters) so "why is this pod Pending?"
and "why did it land on worker-2?" can be answered from the scheduler's own reasoning.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from playground.engine.controllers.base import Controller
from playground.engine.errors import APIError
from playground.engine.scheduler import (
    NodeInfo,
    PodInfo,
    ScheduleResult,
    SchedulingCache,
    schedule,
)
from playground.engine.store import ADDED, DELETED, MODIFIED, Obj, WatchEvent

SCHEDULER_NAME = "default-scheduler"
UNSCHEDULABLE_FLUSH = 300.0
EXPLAINED_BINDINGS = 1000
_RETRY_ALL = "*retry-unschedulable*"


class SchedulerController(Controller):
    """The default scheduler."""

    name = SCHEDULER_NAME
    watches = ("pods", "nodes", "persistentvolumeclaims")
    actor_kind = "scheduler"

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        self._nodes: dict[str, NodeInfo] | None = None
        self._order: list[str] = []
        self._start = 0
        self.unschedulable: dict[str, None] = {}
        self.explanations: dict[str, ScheduleResult] = {}
        self._bound_uids: deque[str] = deque()
        self._ordered: list[NodeInfo] = []
        self._ordered_for: list[str] | None = None
        self._rng = cluster.seeds.stream("scheduler")
        self._cache = SchedulingCache()
        self._binding: PodInfo | None = None
        """The parse of the pod being bound, reused when its bound version reaches a NodeInfo."""

    # -- node cache -----------------------------------------------------------------------
    def node_infos(self) -> dict[str, NodeInfo]:
        """NodeInfos by node name (built from the store on first use)."""
        if self._nodes is None:
            self._nodes = {}
            for node in self.store.iter("nodes"):
                name = node["metadata"]["name"]
                pods = [p for p in self.store.pods_on_node(name) if _counts(p)]
                self._nodes[name] = NodeInfo(node, pods)
            self._order = sorted(self._nodes)
        return self._nodes

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
            parsed = self._binding.bound_to(obj) if self._binding is not None else None
            self._binding = None
            info.add_pod(parsed if parsed is not None else obj)

    # -- queueing -------------------------------------------------------------------------
    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        obj = event.obj
        if event.resource == "pods":
            old = event.old
            if event.type == MODIFIED and old is not None and _same_bound_pod(old, obj):
                # a status write of a pod that is bound, counts and stays where it was: no
                # accounting to change and nothing pending
                return ()
            if event.type == ADDED and not (obj.get("spec") or {}).get("nodeName"):
                # a new pod no node accounts for yet: queued when it waits for this scheduler
                if _pending(obj):
                    meta = obj["metadata"]
                    return (f"{meta.get('namespace', '')}/{meta['name']}",)
                return ()
            self._track(event)
            return self._pod_keys(event)
        self._track(event)
        if event.resource == "persistentvolumeclaims":
            return (_RETRY_ALL,) if self.unschedulable else ()
        if event.resource == "nodes":
            return (_RETRY_ALL,) if event.type != DELETED and self.unschedulable else ()
        return ()

    def _pod_keys(self, event: WatchEvent) -> tuple[str, ...]:
        obj = event.obj
        meta = obj["metadata"]
        key = f"{meta.get('namespace', '')}/{meta['name']}"
        if event.type == DELETED:
            self.unschedulable.pop(key, None)
            self.explanations.pop(meta.get("uid", ""), None)
            if (obj.get("spec") or {}).get("nodeName") and self.unschedulable:
                return (_RETRY_ALL,)
            return ()
        if _pending(obj):
            return (key,)
        if event.old is not None and _counts(event.old) and not _counts(obj) and \
                self.unschedulable:
            return (_RETRY_ALL,)
        return ()

    def resync(self) -> Iterable[str]:
        for pod in self.store.iter("pods"):
            if _pending(pod):
                meta = pod["metadata"]
                yield f"{meta.get('namespace', '')}/{meta['name']}"

    # -- scheduling -----------------------------------------------------------------------
    def reconcile(self, key: str) -> None:
        if key == _RETRY_ALL:
            for pod_key in list(self.unschedulable):
                self.cluster.controllers.enqueue(self.name, pod_key)
            return
        namespace, _, name = key.partition("/")
        pod = self.store.get("pods", namespace, name)
        if pod is None or not _pending(pod):
            self.unschedulable.pop(key, None)
            return
        nodes = self.node_infos()
        claim_problem = self._claims_problem(pod)
        if claim_problem:
            count = len(nodes)
            message = (f"0/{count} nodes are available: {claim_problem}. preemption: 0/{count} "
                       f"nodes are available: {count} Preemption is not helpful for "
                       "scheduling.")
            self.unschedulable[key] = None
            self._mark_unschedulable(pod, message)
            self.wake_after(UNSCHEDULABLE_FLUSH, _RETRY_ALL)
            return
        if self._ordered_for is not self._order:  # nodes came or went
            self._ordered = [nodes[n] for n in self._order]
            self._ordered_for = self._order
        ordered = self._ordered
        parsed = PodInfo(pod)
        result = schedule(parsed, ordered, self._rng, start_index=self._start,
                          cache=self._cache)
        self._start = result.next_start_index
        uid = pod["metadata"].get("uid", "")
        self.explanations[uid] = result
        if result.node_name is not None:
            self._forget_old_bindings(uid)
        if result.node_name is not None:
            self.unschedulable.pop(key, None)
            self._binding = parsed
            self._bind(pod, result.node_name)
            self._binding = None
        else:
            self.unschedulable[key] = None
            self._mark_unschedulable(pod, result.message or "")
            self.wake_after(UNSCHEDULABLE_FLUSH, _RETRY_ALL)

    def _claims_problem(self, pod: Obj) -> str:
        """VolumeBinding's PreFilter: the pod's claims must exist, not be terminating, and be
        bound unless their StorageClass waits for the first consumer."""
        namespace = pod["metadata"].get("namespace", "")
        for volume in (pod.get("spec") or {}).get("volumes") or ():
            source = volume.get("persistentVolumeClaim")
            if not source:
                continue
            name = source.get("claimName", "")
            claim = self.store.get("persistentvolumeclaims", namespace, name)
            if claim is None:
                return f'persistentvolumeclaim "{name}" not found'
            if claim["metadata"].get("deletionTimestamp"):
                return f'persistentvolumeclaim "{name}" is being deleted'
            if (claim.get("status") or {}).get("phase") == "Bound":
                continue
            class_name = (claim.get("spec") or {}).get("storageClassName")
            storage_class = self.store.get("storageclasses.storage.k8s.io", "",
                                           class_name or "") if class_name else None
            if storage_class is None or storage_class.get("volumeBindingMode",
                                                          "Immediate") == "Immediate":
                return "pod has unbound immediate PersistentVolumeClaims"
        return ""

    def _forget_old_bindings(self, uid: str) -> None:
        self._bound_uids.append(uid)
        while len(self._bound_uids) > EXPLAINED_BINDINGS:
            oldest = self._bound_uids.popleft()
            kept = self.explanations.get(oldest)
            if kept is not None and kept.node_name is not None:
                del self.explanations[oldest]

    def _bind(self, pod: Obj, node_name: str) -> None:
        bound = dict(pod)
        bound["metadata"] = dict(pod["metadata"])
        bound["spec"] = dict(pod["spec"], nodeName=node_name)
        status = dict(pod.get("status") or {})
        status["conditions"] = _with_condition(status.get("conditions"), {
            "type": "PodScheduled", "status": "True", "lastProbeTime": None,
            "lastTransitionTime": self.clock.timestamp()})
        bound["status"] = status
        try:
            stored = self.api.update(bound, self.actor, reason=f"bound to {node_name}")
        except APIError:
            return
        meta = stored["metadata"]
        self.recorder.record(
            stored, "Normal", "Scheduled",
            f"Successfully assigned {meta['namespace']}/{meta['name']} to {node_name}",
            SCHEDULER_NAME, actor=self.actor)

    def _mark_unschedulable(self, pod: Obj, message: str) -> None:
        status = dict(pod.get("status") or {})
        current = next((c for c in status.get("conditions") or ()
                        if c.get("type") == "PodScheduled"), None)
        if current is None or current.get("message") != message or \
                current.get("status") != "False":
            status["conditions"] = _with_condition(status.get("conditions"), {
                "type": "PodScheduled", "status": "False", "lastProbeTime": None,
                "lastTransitionTime": (current or {}).get("lastTransitionTime")
                if current and current.get("status") == "False" else self.clock.timestamp(),
                "reason": "Unschedulable", "message": message})
            updated = dict(pod)
            updated["metadata"] = dict(pod["metadata"])
            updated["status"] = status
            pod = self.api.update_status(updated, self.actor, reason="unschedulable")
        self.recorder.record(pod, "Warning", "FailedScheduling", message, SCHEDULER_NAME,
                             actor=self.actor)


def _pending(pod: Obj) -> bool:
    spec = pod.get("spec") or {}
    return (not spec.get("nodeName") and not pod["metadata"].get("deletionTimestamp")
            and spec.get("schedulerName", SCHEDULER_NAME) == SCHEDULER_NAME
            and (pod.get("status") or {}).get("phase", "Pending") == "Pending"
            and not spec.get("schedulingGates"))


def _counts(pod: Obj) -> bool:
    """Whether a bound pod still holds resources on its node."""
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


def _same_scheduling_view(old: Obj, new: Obj) -> bool:
    """Only labels, the deletion mark and the spec matter to the node's accounting."""
    return (old.get("spec") == new.get("spec")
            and old["metadata"].get("labels") == new["metadata"].get("labels")
            and bool(old["metadata"].get("deletionTimestamp")) ==
            bool(new["metadata"].get("deletionTimestamp")))


def _same_bound_pod(old: Obj, new: Obj) -> bool:
    """Whether `new` is bound to the node `old` was bound to and changes nothing the node's
    accounting reads (`_same_scheduling_view`), while it still counts there."""
    new_spec = new.get("spec")
    old_spec = old.get("spec")
    if new_spec is not old_spec and new_spec != old_spec:
        return False
    if not (new_spec or {}).get("nodeName"):
        return False
    if (new.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return False
    old_meta = old["metadata"]
    new_meta = new["metadata"]
    old_labels = old_meta.get("labels")
    new_labels = new_meta.get("labels")
    if old_labels is not new_labels and old_labels != new_labels:
        return False
    return bool(old_meta.get("deletionTimestamp")) == bool(new_meta.get("deletionTimestamp"))


def _with_condition(conditions: list[dict[str, Any]] | None,
                    condition: dict[str, Any]) -> list[dict[str, Any]]:
    kept = [c for c in conditions or () if c.get("type") != condition["type"]]
    kept.append(condition)
    return kept
