"""Pod status as a kubelet reports it: phase, conditions and container statuses.

Built from the kubelet's `PodRuntime` at a virtual instant. Condition transition times are kept
from the previous status while a condition's value does not change, as the real status
manager does, so `kubectl describe` and `get -w` show honest ages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playground.engine.kubelet.runtime import ContainerRuntime, PodRuntime
from playground.engine.store import Obj

Timestamp = Callable[[float], str]


def container_status(spec: dict[str, Any], rt: ContainerRuntime, image_name: str,
                     stamp: Timestamp) -> dict[str, Any]:
    """One entry of status.containerStatuses / initContainerStatuses."""
    state: dict[str, Any]
    if rt.state == "running":
        state = {"running": {"startedAt": stamp(rt.started_at or 0.0)}}
    elif rt.state == "terminated":
        terminated: dict[str, Any] = {"containerID": rt.container_id,
                                      "exitCode": rt.exit_code or 0,
                                      "finishedAt": stamp(rt.finished_at or 0.0),
                                      "reason": rt.reason}
        if rt.message:
            terminated["message"] = rt.message
        terminated["startedAt"] = stamp(rt.started_at or rt.finished_at or 0.0)
        state = {"terminated": terminated}
    else:
        waiting: dict[str, Any] = {"reason": rt.reason}
        if rt.message:
            waiting["message"] = rt.message
        state = {"waiting": waiting}
    # keys in sorted order, as the API server's JSON has them
    status: dict[str, Any] = {}
    if rt.container_id and rt.state != "waiting":
        status["containerID"] = rt.container_id
    elif rt.last_terminated:
        status["containerID"] = rt.last_terminated.get("containerID", "")
    status["image"] = image_name
    status["imageID"] = rt.image_id
    status["lastState"] = {"terminated": rt.last_terminated} if rt.last_terminated else {}
    status["name"] = rt.name
    status["ready"] = rt.ready
    resources = spec.get("resources") or {}
    if resources:
        status["resources"] = resources
    status["restartCount"] = rt.restart_count
    status["started"] = rt.started
    status["state"] = state
    mounts = [{"mountPath": m.get("mountPath", ""), "name": m.get("name", ""),
               **({"readOnly": True} if m.get("readOnly") else {})}
              for m in spec.get("volumeMounts") or ()]
    if mounts:
        status["volumeMounts"] = mounts
    return status


def pod_phase(pod: Obj, rt: PodRuntime) -> str:
    """Pending, Running, Succeeded or Failed from the containers' states."""
    spec = pod.get("spec") or {}
    policy = spec.get("restartPolicy", "Always")
    inits = [c for c in rt.containers.values() if c.init and not c.sidecar]
    mains = [c for c in rt.containers.values() if not c.init]
    for init in inits:
        if init.state == "terminated" and init.exit_code not in (0, None) and policy == "Never":
            return "Failed"
    if not rt.init_done:
        return "Pending"
    if mains and all(c.state == "terminated" for c in mains):
        if all(c.exit_code == 0 for c in mains):
            return "Succeeded"
        if policy == "Never":
            return "Failed"
        if policy == "OnFailure" and all(c.exit_code == 0 or c.restart_count < 0
                                         for c in mains):
            return "Succeeded"
    if any(c.state == "running" or c.restart_count > 0 or c.state == "terminated"
           for c in mains):
        return "Running"
    return "Pending"


def _condition(previous: dict[str, dict[str, Any]], type_: str, status: bool, at: str,
               reason: str = "", message: str = "") -> dict[str, Any]:
    value = "True" if status else "False"
    old = previous.get(type_)
    since = old["lastTransitionTime"] if old and old.get("status") == value else at
    cond: dict[str, Any] = {"lastProbeTime": None, "lastTransitionTime": since,
                            "status": value, "type": type_}
    if reason and not status:
        cond["reason"] = reason
    if message and not status:
        cond["message"] = message
    return cond


def pod_status(pod: Obj, rt: PodRuntime, node_ip: str, image_names: dict[str, str],
               at: float, stamp: Timestamp) -> dict[str, Any]:
    """The whole status the kubelet writes for a pod."""
    spec = pod.get("spec") or {}
    old = pod.get("status") or {}
    previous = {c.get("type", ""): c for c in old.get("conditions") or ()}
    now = stamp(at)
    specs = {c["name"]: c for c in (spec.get("initContainers") or []) +
             (spec.get("containers") or [])}
    init_statuses = [container_status(specs[c.name], c, image_names.get(c.name, ""), stamp)
                     for c in rt.containers.values() if c.init]
    main_statuses = [container_status(specs[c.name], c, image_names.get(c.name, ""), stamp)
                     for c in rt.containers.values() if not c.init]
    mains = [c for c in rt.containers.values() if not c.init]
    phase = pod_phase(pod, rt)
    unready = [c.name for c in mains if not c.ready]
    pending_inits = [c.name for c in rt.containers.values()
                     if c.init and not c.sidecar and not (c.state == "terminated"
                                                          and c.exit_code == 0)]
    conditions = [
        _condition(previous, "PodReadyToStartContainers", rt.sandbox_ready, now),
        _condition(previous, "Initialized", rt.init_done, now, "ContainersNotInitialized",
                   f"containers with incomplete status: [{' '.join(pending_inits)}]"),
    ]
    finished = phase in ("Succeeded", "Failed")
    ready = not unready and not finished and rt.init_done
    reason = "PodCompleted" if finished else "ContainersNotReady"
    message = "" if finished else f"containers with unready status: [{' '.join(unready)}]"
    conditions.append(_condition(previous, "Ready", ready, now, reason, message))
    conditions.append(_condition(previous, "ContainersReady", ready, now, reason, message))
    scheduled = previous.get("PodScheduled")
    if scheduled is not None:
        conditions.append(scheduled)
    # built in the order kubectl describe shows them: PodReadyToStartContainers,
    # Initialized, Ready, ContainersReady, PodScheduled
    status: dict[str, Any] = {
        "conditions": conditions,
        "containerStatuses": main_statuses,
        "hostIP": node_ip,
        "hostIPs": [{"ip": node_ip}],
        "phase": phase,
        "qosClass": old.get("qosClass", "BestEffort"),
        "startTime": stamp(rt.start_time if rt.start_time is not None else at),
    }
    if init_statuses:
        status["initContainerStatuses"] = init_statuses
    if rt.pod_ip:
        status["podIP"] = rt.pod_ip
        status["podIPs"] = [{"ip": rt.pod_ip}]
    for key in ("nominatedNodeName", "reason", "message"):
        if key in old:
            status[key] = old[key]
    return status
