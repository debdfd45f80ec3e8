"""The taint eviction controller: pods leave nodes whose NoExecute taints they do not tolerate.

A pod that does not tolerate one of its node's NoExecute taints is deleted at once. A pod that
tolerates all of them with `tolerationSeconds` (admission gives every pod 300 s for the
`not-ready` and `unreachable` taints) is deleted when the shortest of those runs out, counted
from when the eviction was first scheduled; tolerations without seconds tolerate forever. If the
taints go away first, the eviction is cancelled. Each deletion is announced with the real
`TaintManagerEviction` event and a `DisruptionTarget` pod condition.

Scheduled evictions are kept as records (pod → uid and start time) so a restarted cluster keeps
counting from the same instant; the wake-up itself is a clock timer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from playground.engine.controllers.base import Controller
from playground.engine.errors import APIError
from playground.engine.store import ADDED, DELETED, MODIFIED, ChangeTypes, Obj, WatchEvent

RECORD_KIND = "taint-eviction"
_NODE = "node/"
_POD = "pod/"


class TaintEvictionController(Controller):
    """kube-controller-manager's taint-eviction-controller."""

    name = "taint-eviction-controller"
    watches = ("nodes", "pods")
    watch_types: ClassVar[ChangeTypes] = {"nodes": (ADDED, MODIFIED)}

    # -- queueing -------------------------------------------------------------------------
    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        obj = event.obj
        meta = obj["metadata"]
        if event.resource == "nodes":
            if event.type == DELETED:
                return
            if event.old is None or _no_execute(event.old) != _no_execute(obj):
                yield _NODE + meta["name"]
            return
        key = f"{meta.get('namespace', '')}/{meta['name']}"
        if event.type == DELETED:
            if self.store.get_record(RECORD_KIND, key) is not None:
                yield _POD + key
            return
        spec = obj.get("spec") or {}
        node_name = spec.get("nodeName")
        if not node_name:
            return
        old_spec = (event.old or {}).get("spec") or {}
        if event.old is not None and old_spec.get("nodeName") == node_name and (
                old_spec.get("tolerations") is spec.get("tolerations")
                or old_spec.get("tolerations") == spec.get("tolerations")):
            return
        node = self.store.get("nodes", "", node_name)
        if node is not None and _no_execute(node):
            yield _POD + key

    def resync(self) -> Iterable[str]:
        keys = [_NODE + n["metadata"]["name"] for n in self.store.iter("nodes") if _no_execute(n)]
        keys += [_POD + key for key in self.store.records(RECORD_KIND)]
        return sorted(keys)

    # -- reconcile ------------------------------------------------------------------------
    def reconcile(self, key: str) -> None:
        if key.startswith(_NODE):
            pods: list[Obj] = self.store.pods_on_node(key[len(_NODE):])
            for pod in sorted(pods, key=_pod_key):
                self._process(pod)
            return
        namespace, _, name = key[len(_POD):].partition("/")
        current = self.store.get("pods", namespace, name)
        if current is None:
            self.store.remove_record(RECORD_KIND, f"{namespace}/{name}")
            return
        self._process(current)

    def _process(self, pod: Obj) -> None:
        meta = pod["metadata"]
        key = f"{meta['namespace']}/{meta['name']}"
        record = self.store.get_record(RECORD_KIND, key)
        if record is not None and record.get("uid") != meta.get("uid"):
            self.store.remove_record(RECORD_KIND, key)
            record = None
        if meta.get("deletionTimestamp"):
            if record is not None:
                self.store.remove_record(RECORD_KIND, key)
            return
        node = self.store.get("nodes", "", (pod.get("spec") or {}).get("nodeName") or "")
        taints = _no_execute(node) if node is not None else []
        if not taints:
            if record is not None:
                self._cancel(pod, key)
            return
        tolerations = list((pod.get("spec") or {}).get("tolerations") or ())
        used: list[dict[str, Any]] = []
        for taint in taints:
            match = next((t for t in tolerations if tolerates(t, taint)), None)
            if match is None:
                self._evict(pod, key)
                return
            used.append(match)
        seconds = _min_toleration_seconds(used)
        if seconds is None:
            if record is not None:
                self._cancel(pod, key)
            return
        if record is None:
            record = {"uid": meta.get("uid", ""), "since": self.clock.now}
            self.store.put_record(RECORD_KIND, key, record)
        deadline = float(record["since"]) + seconds
        if self.clock.now >= deadline:
            self._evict(pod, key)
        else:
            self.wake_after(deadline - self.clock.now, _POD + key)

    def _cancel(self, pod: Obj, key: str) -> None:
        self.store.remove_record(RECORD_KIND, key)
        self.clock.cancel(self.name, _POD + key)
        self.recorder.record(pod, "Normal", "TaintManagerEviction",
                             f"Cancelling deletion of Pod {key}", self.name, actor=self.actor)

    def _evict(self, pod: Obj, key: str) -> None:
        self.store.remove_record(RECORD_KIND, key)
        self.recorder.record(pod, "Normal", "TaintManagerEviction",
                             f"Marking for deletion Pod {key}", self.name, actor=self.actor)
        status = dict(pod.get("status") or {})
        if (status.get("phase") not in ("Succeeded", "Failed")):
            conditions = [c for c in status.get("conditions") or ()
                          if c.get("type") != "DisruptionTarget"]
            conditions.append({"type": "DisruptionTarget", "status": "True",
                               "lastProbeTime": None,
                               "lastTransitionTime": self.clock.timestamp(),
                               "reason": "DeletionByTaintManager",
                               "message": "Taint manager: deleting due to NoExecute taint"})
            status["conditions"] = conditions
            self.api.update_status(dict(pod, status=status), self.actor,
                                   reason="NoExecute taint")
        meta = pod["metadata"]
        try:
            self.api.delete("pods", meta["namespace"], meta["name"], self.actor)
        except APIError:
            return


def tolerates(toleration: dict[str, Any], taint: dict[str, Any]) -> bool:
    """Whether one toleration matches one taint (`v1.Toleration.ToleratesTaint`)."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    if toleration.get("operator", "Equal") == "Exists":
        return True
    return (toleration.get("value") or "") == (taint.get("value") or "")


def _min_toleration_seconds(used: list[dict[str, Any]]) -> float | None:
    """The shortest tolerationSeconds among the tolerations in use; None means forever."""
    seconds = [int(t["tolerationSeconds"]) for t in used
               if t.get("tolerationSeconds") is not None]
    if not seconds:
        return None
    return float(max(0, min(seconds)))


def _pod_key(pod: Obj) -> tuple[str, str]:
    return pod["metadata"]["namespace"], pod["metadata"]["name"]


def _no_execute(node: Obj) -> list[dict[str, Any]]:
    return [t for t in (node.get("spec") or {}).get("taints") or ()
            if t.get("effect") == "NoExecute"]
