"""The disruption controller: keeps each PodDisruptionBudget's status current.

The eviction API (`APIServer.evict`, used by `kubectl drain`) decides from a budget's status
alone, as the real one does, so this controller's job is that status: how many pods are
expected, how many are healthy (Ready and not terminating), how many must stay healthy, and so
how many disruptions are allowed now, plus the `DisruptionAllowed` condition
(`SufficientPods` / `InsufficientPods`).

Expected pods: the number of selected pods when `minAvailable` is a number; otherwise the
replicas of the pods' controllers (Deployment, ReplicaSet, StatefulSet, ReplicationController),
each counted once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from playground.engine.controllers.base import Controller
from playground.engine.controllers.podutil import controller_ref, is_ready
from playground.engine.selectors import SelectorError, from_label_selector
from playground.engine.store import DELETED, Obj, WatchEvent

_CONTROLLER_RESOURCES = {"ReplicaSet": "replicasets.apps", "StatefulSet": "statefulsets.apps",
                         "Deployment": "deployments.apps",
                         "ReplicationController": "replicationcontrollers"}


class DisruptionController(Controller):
    """kube-controller-manager's disruption-controller (status only)."""

    name = "disruption-controller"
    watches = ("poddisruptionbudgets.policy", "pods")

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        obj = event.obj
        meta = obj["metadata"]
        namespace = meta.get("namespace", "")
        if event.resource == "poddisruptionbudgets.policy":
            if event.type != DELETED:
                yield f"{namespace}/{meta['name']}"
            return
        if not self.store.count("poddisruptionbudgets.policy"):
            return  # no budget to tell (most clusters): skip the comparisons below
        if event.old is not None and event.type != DELETED and _same_health(event.old, obj):
            return
        labels = meta.get("labels") or {}
        old_labels = ((event.old or {}).get("metadata") or {}).get("labels") or {}
        for pdb in self.store.iter("poddisruptionbudgets.policy", namespace):
            try:
                selector = from_label_selector((pdb.get("spec") or {}).get("selector"))
            except SelectorError:
                continue
            if selector.matches(labels) or selector.matches(old_labels):
                yield f"{namespace}/{pdb['metadata']['name']}"

    def resync(self) -> Iterable[str]:
        return self.keys_of("poddisruptionbudgets.policy")

    def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        pdb = self.store.get("poddisruptionbudgets.policy", namespace, name)
        if pdb is None or pdb["metadata"].get("deletionTimestamp"):
            return
        status = self.compute_status(pdb)
        if status == pdb.get("status"):
            return
        self.api.update_status(dict(pdb, status=status), self.actor,
                               reason="disruption budget status")

    def compute_status(self, pdb: Obj) -> dict[str, Any]:
        """The status a budget should have now."""
        spec = pdb.get("spec") or {}
        namespace = pdb["metadata"]["namespace"]
        try:
            selector = from_label_selector(spec.get("selector"))
        except SelectorError:
            selector = from_label_selector(None)
        pods = [p for p in self.store.iter("pods", namespace, selector)
                if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
        healthy = sum(1 for p in pods
                      if not p["metadata"].get("deletionTimestamp") and is_ready(p))
        min_available = spec.get("minAvailable")
        max_unavailable = spec.get("maxUnavailable")
        if isinstance(min_available, int):
            expected = len(pods)
            desired = min_available
        else:
            expected = self._expected_from_controllers(pods)
            if min_available is not None:
                desired = _scaled(min_available, expected)
            elif max_unavailable is not None:
                desired = max(0, expected - _scaled(max_unavailable, expected))
            else:
                desired = expected
        allowed = max(0, healthy - desired)
        generation = pdb["metadata"].get("generation", 1)
        previous = next((c for c in (pdb.get("status") or {}).get("conditions") or ()
                         if c.get("type") == "DisruptionAllowed"), None)
        cond_status = "True" if allowed > 0 else "False"
        condition = {
            "lastTransitionTime": previous["lastTransitionTime"]
            if previous and previous.get("status") == cond_status else self.clock.timestamp(),
            "message": "",
            "observedGeneration": generation,
            "reason": "SufficientPods" if allowed > 0 else "InsufficientPods",
            "status": cond_status,
            "type": "DisruptionAllowed",
        }
        return {"conditions": [condition], "currentHealthy": healthy, "desiredHealthy": desired,
                "disruptionsAllowed": allowed, "expectedPods": expected,
                "observedGeneration": generation}

    def _expected_from_controllers(self, pods: list[Obj]) -> int:
        seen: set[str] = set()
        total = 0
        for pod in pods:
            ref = controller_ref(pod)
            if ref is None:
                total += 1
                continue
            owner = self._scale_owner(pod["metadata"]["namespace"], ref)
            if owner is None:
                total += 1
                continue
            uid = owner["metadata"].get("uid", "")
            if uid in seen:
                continue
            seen.add(uid)
            total += int((owner.get("spec") or {}).get("replicas", 1))
        return total

    def _scale_owner(self, namespace: str, ref: dict[str, Any]) -> Obj | None:
        resource = _CONTROLLER_RESOURCES.get(str(ref.get("kind")))
        if resource is None:
            return None
        owner = self.store.get(resource, namespace, str(ref.get("name")))
        if owner is None:
            return None
        if ref.get("kind") == "ReplicaSet":
            parent = controller_ref(owner)
            if parent is not None and parent.get("kind") == "Deployment":
                deployment = self.store.get("deployments.apps", namespace,
                                            str(parent.get("name")))
                if deployment is not None:
                    return deployment
        return owner


def _scaled(value: Any, expected: int) -> int:
    """An int-or-percent against the expected count, rounded up as the controller does."""
    if isinstance(value, str) and value.endswith("%"):
        try:
            percent = int(value[:-1])
        except ValueError:
            return 0
        return math.ceil(percent * expected / 100)
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _same_health(old: Obj, new: Obj) -> bool:
    return (is_ready(old) == is_ready(new)
            and bool(old["metadata"].get("deletionTimestamp")) ==
            bool(new["metadata"].get("deletionTimestamp"))
            and old["metadata"].get("labels") == new["metadata"].get("labels")
            and (old.get("status") or {}).get("phase") == (new.get("status") or {}).get("phase"))
