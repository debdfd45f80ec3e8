"""The scheduler's decision logic as a pure library: filters, scores and explanations.

The scheduling *controller* (elsewhere) watches pods and keeps one `NodeInfo` per node; it
calls `schedule` for each pending pod and binds, nominates or records FailedScheduling from
the `ScheduleResult`, passing a `SchedulingCache` so per-node work is reused between pods of the
same shape. `pod_requests` is the request arithmetic the kubelet and
`kubectl describe node` share with the scheduler.
"""

from __future__ import annotations

from playground.engine.scheduler.cache import SchedulingCache
from playground.engine.scheduler.explain import explain
from playground.engine.scheduler.framework import (
    NodeDiagnosis,
    ScheduleResult,
    fit_error_message,
    num_feasible_nodes_to_find,
    schedule,
)
from playground.engine.scheduler.nodeinfo import NodeInfo
from playground.engine.scheduler.podinfo import PodInfo
from playground.engine.scheduler.resources import (
    pod_non_zero_requests,
    pod_requests,
    pod_resource_requests,
)

__all__ = [
    "NodeDiagnosis",
    "NodeInfo",
    "PodInfo",
    "ScheduleResult",
    "SchedulingCache",
    "explain",
    "fit_error_message",
    "num_feasible_nodes_to_find",
    "pod_non_zero_requests",
    "pod_requests",
    "pod_resource_requests",
    "schedule",
]
