"""Helpers every workload controller shares: owner references, pod readiness, pod creation.

The same questions come up in the ReplicaSet, Deployment, StatefulSet, DaemonSet and Job
controllers (is this pod active? ready? available for minReadySeconds? who controls it?), and
Kubernetes answers them in `k8s.io/kubernetes/pkg/controller` and `pkg/api/v1/pod`. They live
here once.
"""

from __future__ import annotations

from typing import Any

from playground.engine.clock import Clock
from playground.engine.store import Obj, deep_copy


def controller_ref(obj: Obj) -> dict[str, Any] | None:
    """The ownerReference with `controller: true`, if any."""
    for ref in obj["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


def owner_key(obj: Obj, kind: str) -> str | None:
    """`namespace/name` of the object's controller when it is of `kind` (the key a workload
    controller reconciles when one of its pods changes)."""
    ref = controller_ref(obj)
    if ref is None or ref.get("kind") != kind:
        return None
    return f"{obj['metadata'].get('namespace', '')}/{ref['name']}"


def owner_reference(owner: Obj, *, block: bool = True) -> dict[str, Any]:
    """A controller ownerReference pointing at `owner`."""
    meta = owner["metadata"]
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"],
            "uid": meta["uid"], "controller": True, "blockOwnerDeletion": block}


def is_active(pod: Obj) -> bool:
    """Counted by controllers: not Succeeded/Failed and not being deleted."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not pod["metadata"].get("deletionTimestamp")


def condition(obj: Obj, type_: str) -> dict[str, Any] | None:
    """A status condition by type."""
    for cond in (obj.get("status") or {}).get("conditions") or ():
        if cond.get("type") == type_:
            return cond
    return None


def is_ready(pod: Obj) -> bool:
    """The pod's Ready condition is True."""
    cond = condition(pod, "Ready")
    return bool(cond and cond.get("status") == "True")


def ready_since(pod: Obj, clock: Clock) -> float | None:
    """Virtual second at which the pod last became Ready, or None when it is not ready."""
    cond = condition(pod, "Ready")
    if not cond or cond.get("status") != "True":
        return None
    stamp = cond.get("lastTransitionTime")
    return clock.seconds_at(stamp) if stamp else clock.now


def is_available(pod: Obj, min_ready_seconds: int, clock: Clock) -> bool:
    """Ready for at least minReadySeconds (podutil.IsPodAvailable)."""
    since = ready_since(pod, clock)
    if since is None:
        return False
    return min_ready_seconds <= 0 or since + min_ready_seconds <= clock.now + 1e-9


def available_in(pod: Obj, min_ready_seconds: int, clock: Clock) -> float | None:
    """Seconds until a ready pod becomes available (0 when it is), None when not ready."""
    since = ready_since(pod, clock)
    if since is None:
        return None
    return max(0.0, since + min_ready_seconds - clock.now)


def pod_from_template(template: Obj, *, namespace: str, owner: Obj,
                      generate_name: str = "", name: str = "",
                      extra_labels: dict[str, str] | None = None) -> Obj:
    """A Pod manifest from a pod template, owned by `owner`."""
    tmpl_meta = template.get("metadata") or {}
    labels = dict(tmpl_meta.get("labels") or {})
    labels.update(extra_labels or {})
    meta: dict[str, Any] = {"namespace": namespace, "labels": labels,
                            "ownerReferences": [owner_reference(owner)]}
    if tmpl_meta.get("annotations"):
        meta["annotations"] = dict(tmpl_meta["annotations"])
    if tmpl_meta.get("finalizers"):
        meta["finalizers"] = list(tmpl_meta["finalizers"])
    if name:
        meta["name"] = name
    else:
        meta["generateName"] = generate_name
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": deep_copy(template.get("spec") or {})}
