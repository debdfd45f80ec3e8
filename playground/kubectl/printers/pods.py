"""The pod table: READY, the STATUS kubectl derives, RESTARTS with `(… ago)`, and wide columns.

STATUS is not a field of the pod. kubectl starts from the phase (or `status.reason`, e.g.
Evicted), lets init containers speak first (`Init:0/1`, `Init:CrashLoopBackOff`), then lets
the containers speak (a waiting reason such as ImagePullBackOff or a terminated reason such as
Completed or OOMKilled; the first container listed wins), turns `Completed` back into
`Running`/`NotReady` while another container still runs, and finally says `Terminating` (or
`Unknown` for a pod lost with its node) once deletion has begun.
"""

from __future__ import annotations

from datetime import datetime

from playground.kubectl.duration import parse_timestamp, since
from playground.kubectl.printers.common import (
    AGE,
    NAME,
    NONE,
    Obj,
    Printer,
    age,
    integer,
    metadata,
    name,
    spec,
    status,
)
from playground.kubectl.table import Cell, Column

NODE_LOST_REASON = "NodeLost"


def _is_restartable_init_container(container: Obj | None) -> bool:
    """A sidecar: an init container with `restartPolicy: Always`."""
    return container is not None and container.get("restartPolicy") == "Always"


def _condition_true(pod: Obj, condition_type: str) -> bool:
    for condition in status(pod).get("conditions") or []:
        if condition.get("type") == condition_type:
            return condition.get("status") == "True"
    return False


def _has_ready_condition(pod: Obj) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in status(pod).get("conditions") or [])


def _last_finished(container_status: Obj) -> datetime | None:
    terminated = (container_status.get("lastState") or {}).get("terminated")
    if terminated and terminated.get("finishedAt"):
        return parse_timestamp(terminated["finishedAt"])
    return None


def _later(current: datetime | None, candidate: datetime | None) -> datetime | None:
    if candidate is None:
        return current
    if current is None or current < candidate:
        return candidate
    return current


def _terminated_text(terminated: Obj, prefix: str = "") -> str:
    if terminated.get("reason"):
        return prefix + str(terminated["reason"])
    if integer(terminated.get("signal")):
        return f"{prefix}Signal:{integer(terminated.get('signal'))}"
    return f"{prefix}ExitCode:{integer(terminated.get('exitCode'))}"


def pod_summary(pod: Obj) -> tuple[int, int, str, int, datetime | None]:
    """kubectl's printPod arithmetic: (ready, total, STATUS, restarts, last restart time)."""
    pod_spec = spec(pod)
    pod_status = status(pod)
    phase = str(pod_status.get("phase", ""))
    reason = str(pod_status.get("reason") or phase)
    for condition in pod_status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_specs = pod_spec.get("initContainers") or []
    init_by_name = {c.get("name"): c for c in init_specs}
    total = len(pod_spec.get("containers") or []) + sum(
        1 for c in init_specs if _is_restartable_init_container(c))
    ready = 0
    restarts = 0
    sidecar_restarts = 0
    last_restart: datetime | None = None
    last_sidecar_restart: datetime | None = None

    initializing = False
    for index, container in enumerate(pod_status.get("initContainerStatuses") or []):
        state = container.get("state") or {}
        terminated = state.get("terminated")
        waiting = state.get("waiting")
        finished = _last_finished(container)
        restarts += integer(container.get("restartCount"))
        last_restart = _later(last_restart, finished)
        sidecar = _is_restartable_init_container(init_by_name.get(container.get("name")))
        if sidecar:
            sidecar_restarts += integer(container.get("restartCount"))
            last_sidecar_restart = _later(last_sidecar_restart, finished)
        if terminated is not None and integer(terminated.get("exitCode")) == 0:
            continue
        if sidecar and container.get("started"):
            if container.get("ready"):
                ready += 1
            continue
        if terminated is not None:
            reason = _terminated_text(terminated, "Init:")
        elif waiting is not None and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + str(waiting["reason"])
        else:
            reason = f"Init:{index}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _condition_true(pod, "Initialized"):
        restarts = sidecar_restarts
        last_restart = last_sidecar_restart
        has_running = False
        for container in reversed(pod_status.get("containerStatuses") or []):
            state = container.get("state") or {}
            restarts += integer(container.get("restartCount"))
            last_restart = _later(last_restart, _last_finished(container))
            waiting = state.get("waiting")
            terminated = state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = str(waiting["reason"])
            elif terminated is not None:
                reason = _terminated_text(terminated)
            elif container.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _has_ready_condition(pod) else "NotReady"

    if metadata(pod).get("deletionTimestamp"):
        if pod_status.get("reason") == NODE_LOST_REASON:
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return ready, total, reason, restarts, last_restart


def pod_status_text(pod: Obj) -> str:
    """The STATUS cell of `kubectl get pods`."""
    return pod_summary(pod)[2]


def _readiness_gates(pod: Obj) -> str:
    gates = spec(pod).get("readinessGates") or []
    if not gates:
        return NONE
    conditions = status(pod).get("conditions") or []
    true_count = 0
    for gate in gates:
        for condition in conditions:
            if condition.get("type") == gate.get("conditionType"):
                if condition.get("status") == "True":
                    true_count += 1
                break
    return f"{true_count}/{len(gates)}"


def _pod_row(pod: Obj, now: datetime) -> list[Cell]:
    ready, total, reason, restarts, last_restart = pod_summary(pod)
    restarts_text = str(restarts)
    if restarts != 0 and last_restart is not None:
        restarts_text = f"{restarts} ({since(last_restart, now)} ago)"
    pod_status = status(pod)
    pod_ips = pod_status.get("podIPs") or []
    pod_ip = (pod_ips[0].get("ip") if pod_ips else pod_status.get("podIP")) or NONE
    return [
        name(pod), f"{ready}/{total}", reason, restarts_text, age(pod, now),
        pod_ip,
        spec(pod).get("nodeName") or NONE,
        pod_status.get("nominatedNodeName") or NONE,
        _readiness_gates(pod),
    ]


PRINTERS: dict[str, Printer] = {
    "pods": Printer(
        (NAME, Column("READY"), Column("STATUS"), Column("RESTARTS"), AGE,
         Column("IP", 1), Column("NODE", 1), Column("NOMINATED NODE", 1),
         Column("READINESS GATES", 1)),
        _pod_row,
    ),
}
