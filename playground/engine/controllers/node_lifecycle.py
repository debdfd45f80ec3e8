"""The node lifecycle controller and the pod garbage collector: what happens when nodes die.

A real kubelet renews its Lease in `kube-node-lease` every 10 s and posts node status every few
minutes; kube-controller-manager's node lifecycle controller notices when that stops. Here idle
is free: nothing is written while a node is healthy. A running kubelet *is* a renewing one, so
the only instant that matters is when a kubelet stops. `fail_node()` stops it and this controller
notes the time; one wake-up 50 s later (node-monitor-grace-period) turns the node's four
conditions Unknown (`NodeStatusUnknown`, `Kubelet stopped posting node status.`), adds the
`node.kubernetes.io/unreachable` NoSchedule and NoExecute taints, marks its pods Ready=False and
records the `NodeNotReady` events. `recover_node()` starts the kubelet again: conditions return
to Ready, the taints go, the kubelet resyncs its pods (and finishes those deleted meanwhile).

It also keeps the taints that follow from the node's own state (`unschedulable` when cordoned,
`not-ready` when Ready is False), as the real controller's NoSchedule tainting pass does.

The pod garbage collector (`pod-garbage-collector-controller`) force-removes pods bound to
nodes that no longer exist, after the real 40 s quarantine: `remove-node` is how the pods of a
dead node stop being Terminating without the node coming back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from playground.engine.controllers.base import Controller
from playground.engine.errors import APIError
from playground.engine.store import (
    ADDED,
    DELETED,
    MODIFIED,
    Actor,
    ChangeTypes,
    Obj,
    WatchEvent,
)

NODE_MONITOR_GRACE_PERIOD = 50.0
ORPHAN_POD_QUARANTINE = 40.0
LEASE_DURATION_SECONDS = 40
LEASE_NAMESPACE = "kube-node-lease"
RECORD_KIND = "node-lifecycle"
EVENT_COMPONENT = "node-controller"  # the source real node events carry

UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"
_MANAGED_KEYS = (UNREACHABLE_TAINT, NOT_READY_TAINT, UNSCHEDULABLE_TAINT)

STATUS_UNKNOWN_REASON = "NodeStatusUnknown"
STATUS_UNKNOWN_MESSAGE = "Kubelet stopped posting node status."


class NodeLifecycleController(Controller):
    """kube-controller-manager's node lifecycle controller (health, taints, leases)."""

    name = "node-lifecycle-controller"
    watches = ("nodes",)

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        yield event.obj["metadata"]["name"]

    def resync(self) -> Iterable[str]:
        return sorted(n["metadata"]["name"] for n in self.store.iter("nodes"))

    # -- what the CLI and scenarios call --------------------------------------------------
    def fail_node(self, name: str) -> None:
        """Stop the node's kubelet (a crash, a pulled cable); the controller notices later."""
        self._require(name)
        self.cluster.kubelet.stop_node(name)
        self.cluster.controllers.enqueue(self.name, name)

    def recover_node(self, name: str) -> None:
        """Start the node's kubelet again: it posts Ready status and resyncs its pods."""
        self._require(name)
        self.cluster.kubelet.start_node(name)
        self.cluster.controllers.enqueue(self.name, name)

    def remove_node(self, name: str, actor: Actor) -> None:
        """Delete the Node object (`kubectl delete node`); the pod GC cleans up after it."""
        self._require(name)
        self.api.delete("nodes", "", name, actor)

    def _require(self, name: str) -> Obj:
        return self.api.get("nodes", "", name)

    # -- reconcile ------------------------------------------------------------------------
    def reconcile(self, key: str) -> None:
        node = self.store.get("nodes", "", key)
        if node is None:
            self.store.remove_record(RECORD_KIND, key)
            return
        if node["metadata"].get("deletionTimestamp"):
            return
        record = self.store.get_record(RECORD_KIND, key)
        if self.cluster.kubelet.running_on(key):
            if record is not None:
                self.store.remove_record(RECORD_KIND, key)
                node = self._kubelet_posts_ready(node)
            self._ensure_lease(node, renew=record is not None)
        else:
            if record is None:
                record = {"stoppedAt": self.clock.now}
                self.store.put_record(RECORD_KIND, key, record)
            deadline = float(record["stoppedAt"]) + NODE_MONITOR_GRACE_PERIOD
            if self.clock.now < deadline:
                self.wake_after(deadline - self.clock.now, key)
            elif _ready_status(node) != "Unknown":
                node = self._mark_unknown(node, float(record["stoppedAt"]))
        self._sync_taints(node)

    # -- health ---------------------------------------------------------------------------
    def _mark_unknown(self, node: Obj, stopped_at: float) -> Obj:
        now = self.clock.timestamp()
        # The kubelet's last real heartbeat is modelled as the instant it stopped.
        heartbeat = self.clock.timestamp(stopped_at)
        conditions = []
        for cond in (node.get("status") or {}).get("conditions") or ():
            cond = dict(cond, status="Unknown", reason=STATUS_UNKNOWN_REASON,
                        message=STATUS_UNKNOWN_MESSAGE, lastTransitionTime=now,
                        lastHeartbeatTime=heartbeat)
            conditions.append(cond)
        updated = dict(node, status=dict(node.get("status") or {}, conditions=conditions))
        stored = self.api.update_status(updated, self.actor, reason="kubelet stopped posting "
                                                                  "node status")
        name = node["metadata"]["name"]
        self.recorder.record(stored, "Normal", "NodeNotReady",
                             f"Node {name} status is now: NodeNotReady", EVENT_COMPONENT,
                             actor=self.actor)
        self._mark_pods_not_ready(name)
        return stored

    def _mark_pods_not_ready(self, node_name: str) -> None:
        now = self.clock.timestamp()
        for pod in sorted(self.store.pods_on_node(node_name), key=_pod_key):
            status = pod.get("status") or {}
            if status.get("phase") in ("Succeeded", "Failed"):
                continue
            conditions = list(status.get("conditions") or ())
            changed = False
            for i, cond in enumerate(conditions):
                if cond.get("type") == "Ready" and cond.get("status") != "False":
                    conditions[i] = dict(cond, status="False", lastTransitionTime=now)
                    changed = True
            if not changed:
                continue
            updated = dict(pod, status=dict(status, conditions=conditions))
            stored = self.api.update_status(updated, self.actor, reason="node is not ready")
            self.recorder.record(stored, "Warning", "NodeNotReady", "Node is not ready",
                                 EVENT_COMPONENT, actor=self.actor)

    def _kubelet_posts_ready(self, node: Obj) -> Obj:
        """What the returning kubelet posts: healthy conditions, written in its name."""
        if _ready_status(node) == "True":
            return node
        name = node["metadata"]["name"]
        now = self.clock.timestamp()
        healthy = {"MemoryPressure": ("False", "KubeletHasSufficientMemory",
                                      "kubelet has sufficient memory available"),
                   "DiskPressure": ("False", "KubeletHasNoDiskPressure",
                                    "kubelet has no disk pressure"),
                   "PIDPressure": ("False", "KubeletHasSufficientPID",
                                   "kubelet has sufficient PID available"),
                   "Ready": ("True", "KubeletReady", "kubelet is posting ready status")}
        conditions = []
        for cond in (node.get("status") or {}).get("conditions") or ():
            status, reason, message = healthy.get(cond.get("type", ""), (
                cond.get("status"), cond.get("reason"), cond.get("message")))
            changed = status != cond.get("status")
            conditions.append(dict(cond, status=status, reason=reason, message=message,
                                   lastHeartbeatTime=now,
                                   lastTransitionTime=now if changed
                                   else cond.get("lastTransitionTime")))
        kubelet = Actor("kubelet", name)
        updated = dict(node, status=dict(node.get("status") or {}, conditions=conditions))
        stored = self.api.update_status(updated, kubelet, reason="kubelet posted ready status")
        self.recorder.record(stored, "Normal", "NodeReady",
                             f"Node {name} status is now: NodeReady", "kubelet", host=name,
                             actor=kubelet)
        return stored

    # -- taints ---------------------------------------------------------------------------
    def _sync_taints(self, node: Obj) -> None:
        spec = node.get("spec") or {}
        current = list(spec.get("taints") or ())
        wanted: list[tuple[str, str]] = []
        ready = _ready_status(node)
        if ready == "Unknown":
            wanted += [(UNREACHABLE_TAINT, "NoSchedule"), (UNREACHABLE_TAINT, "NoExecute")]
        elif ready == "False":
            wanted += [(NOT_READY_TAINT, "NoSchedule"), (NOT_READY_TAINT, "NoExecute")]
        if spec.get("unschedulable"):
            wanted.append((UNSCHEDULABLE_TAINT, "NoSchedule"))
        kept = [t for t in current if t.get("key") not in _MANAGED_KEYS
                or (t.get("key"), t.get("effect")) in wanted]
        present = {(t.get("key"), t.get("effect")) for t in kept}
        stamp = self.clock.timestamp()
        added = [{"key": key, "effect": effect, "timeAdded": stamp}
                 for key, effect in wanted if (key, effect) not in present]
        taints = kept + added
        if taints == current:
            return
        new_spec = dict(spec)
        if taints:
            new_spec["taints"] = taints
        else:
            new_spec.pop("taints", None)
        updated = dict(node, metadata=dict(node["metadata"]), spec=new_spec)
        try:
            self.api.update(updated, self.actor, reason="node taints follow its conditions")
        except APIError:
            return

    # -- leases ---------------------------------------------------------------------------
    def _ensure_lease(self, node: Obj, *, renew: bool) -> None:
        """The node's Lease. A real kubelet renews it every 10 s; here renewTime is written
        only at registration and on recovery, because a running simulated kubelet is by
        definition renewing and rewriting it every 10 s would make an idle cluster busy."""
        name = node["metadata"]["name"]
        lease = self.store.get("leases.coordination.k8s.io", LEASE_NAMESPACE, name)
        if lease is not None and not renew:
            return
        renew_time = self.clock.micro_timestamp()
        if lease is not None:
            updated = dict(lease, spec=dict(lease.get("spec") or {}, renewTime=renew_time))
            self.api.update(updated, Actor("kubelet", name), reason="lease renewed")
            return
        try:
            self.api.create({
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": name, "namespace": LEASE_NAMESPACE,
                             "ownerReferences": [{"apiVersion": "v1", "kind": "Node",
                                                  "name": name,
                                                  "uid": node["metadata"].get("uid", "")}]},
                "spec": {"holderIdentity": name, "leaseDurationSeconds": LEASE_DURATION_SECONDS,
                         "renewTime": renew_time},
            }, Actor("kubelet", name))
        except APIError:
            return  # no kube-node-lease namespace in a hand-built cluster


class PodGarbageCollector(Controller):
    """kube-controller-manager's pod GC: pods whose node is gone are removed."""

    name = "pod-garbage-collector-controller"
    watches = ("nodes", "pods")
    watch_types: ClassVar[ChangeTypes] = {"nodes": (DELETED,), "pods": (ADDED, MODIFIED)}

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        obj = event.obj
        if event.resource == "nodes":
            if event.type == DELETED:
                yield obj["metadata"]["name"]
            return
        if event.type == DELETED:
            return
        node = (obj.get("spec") or {}).get("nodeName")
        old_node = ((event.old or {}).get("spec") or {}).get("nodeName")
        if node and node != old_node and self.store.get("nodes", "", node) is None:
            yield node

    def resync(self) -> Iterable[str]:
        nodes = {n["metadata"]["name"] for n in self.store.iter("nodes")}
        orphaned = {(p.get("spec") or {}).get("nodeName") for p in self.store.iter("pods")}
        return sorted(n for n in orphaned if n and n not in nodes)

    def reconcile(self, key: str) -> None:
        if self.store.get("nodes", "", key) is not None:
            self.store.remove_record(RECORD_KIND, f"gone/{key}")
            return
        record = self.store.get_record(RECORD_KIND, f"gone/{key}")
        if record is None:
            self.store.put_record(RECORD_KIND, f"gone/{key}", {"since": self.clock.now})
            self.wake_after(ORPHAN_POD_QUARANTINE, key)
            return
        due = float(record["since"]) + ORPHAN_POD_QUARANTINE
        if self.clock.now < due:
            self.wake_after(due - self.clock.now, key)
            return
        self.store.remove_record(RECORD_KIND, f"gone/{key}")
        for pod in sorted(self.store.pods_on_node(key), key=_pod_key):
            meta = pod["metadata"]
            self.api.remove_now("pods", meta["namespace"], meta["name"], self.actor,
                                reason=f"node {key} no longer exists")
        if not self.cluster.kubelet.running_on(key):
            # forget the dead kubelet, so a new node of the same name starts healthy
            self.cluster.kubelet.start_node(key)


def _ready_status(node: Obj) -> str:
    for cond in (node.get("status") or {}).get("conditions") or ():
        if cond.get("type") == "Ready":
            return str(cond.get("status", "Unknown"))
    return ""  # never posted (a Node object made by hand): nothing to judge yet


def _pod_key(pod: Obj) -> tuple[str, str]:
    meta: dict[str, Any] = pod["metadata"]
    return meta.get("namespace", ""), meta["name"]
