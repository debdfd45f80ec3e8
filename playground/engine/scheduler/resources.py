"""Pod resource arithmetic shared by the scheduler, the kubelet and `kubectl describe node`.

A pod's effective request for a resource is `max(sum of app containers + sidecars,
max over init containers of (init request + sidecars started before it)) + overhead`, as in
`k8s.io/component-helpers/resource`. Requests are read as written in the stored pod: the API
server's defaulting already copied limits into requests where only limits were set, so this
module never looks at limits. Pod-level `spec.resources.requests` (PodLevelResources) replace
the container sums for the resources they name.

The scheduler also needs "non-zero" requests for scoring: a container that requests no CPU
counts as 100m and one that requests no memory as 200Mi, so empty pods still spread out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from playground.engine.api.quantity import QuantityError, cpu_millis, memory_bytes

CPU = "cpu"
MEMORY = "memory"
PODS = "pods"
EPHEMERAL_STORAGE = "ephemeral-storage"

DEFAULT_MILLI_CPU_REQUEST = 100
"""CPU a container without a CPU request counts as when scoring (100m)."""
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
"""Memory a container without a memory request counts as when scoring (200Mi)."""

Resources = dict[str, int]
"""Resource name → amount in engine units: millicores for cpu, bytes or counts otherwise."""


def resource_amount(name: str, value: Any) -> int:
    """One quantity in engine units; malformed quantities count as 0 (validation rejects them)."""
    if isinstance(value, str):
        return _parsed_amount(name == CPU, value)
    try:
        return cpu_millis(value) if name == CPU else memory_bytes(value)
    except (QuantityError, TypeError):
        return 0


@lru_cache(maxsize=4096)
def _parsed_amount(is_cpu: bool, value: str) -> int:
    try:
        return cpu_millis(value) if is_cpu else memory_bytes(value)
    except QuantityError:
        return 0


def resource_list(values: Mapping[str, Any] | None) -> Resources:
    """A Kubernetes ResourceList (`{"cpu": "500m"}`) in engine units."""
    if not values:
        return {}
    return {name: resource_amount(name, value) for name, value in values.items()}


def _add(into: Resources, other: Mapping[str, int]) -> None:
    for name, amount in other.items():
        into[name] = into.get(name, 0) + amount


def _max(into: Resources, other: Mapping[str, int]) -> None:
    for name, amount in other.items():
        if amount > into.get(name, 0):
            into[name] = amount


def _container_requests(container: Mapping[str, Any], non_zero: bool) -> Resources:
    requests = resource_list((container.get("resources") or {}).get("requests"))
    if non_zero:
        if not requests.get(CPU):
            requests[CPU] = DEFAULT_MILLI_CPU_REQUEST
        if not requests.get(MEMORY):
            requests[MEMORY] = DEFAULT_MEMORY_REQUEST
    return requests


def _is_sidecar(container: Mapping[str, Any]) -> bool:
    return container.get("restartPolicy") == "Always"


def pod_resource_requests(pod: Mapping[str, Any], *, non_zero: bool = False) -> Resources:
    """Every resource the pod requests, effective over its lifetime (see module docstring)."""
    spec = pod.get("spec") or {}
    total: Resources = {}
    for container in spec.get("containers") or ():
        _add(total, _container_requests(container, non_zero))
    sidecars: Resources = {}
    init_peak: Resources = {}
    for container in spec.get("initContainers") or ():
        requests = _container_requests(container, non_zero)
        if _is_sidecar(container):
            _add(sidecars, requests)
            _max(init_peak, sidecars)
        else:
            during = dict(sidecars)
            _add(during, requests)
            _max(init_peak, during)
    _add(total, sidecars)
    _max(total, init_peak)
    pod_level = resource_list((spec.get("resources") or {}).get("requests"))
    for name in (CPU, MEMORY):
        if name in pod_level:
            total[name] = pod_level[name]
    _add(total, resource_list(spec.get("overhead")))
    return total


def pod_requests(pod: Mapping[str, Any]) -> tuple[int, int]:
    """(cpu millicores, memory bytes) the pod requests: what the scheduler and kubelet reserve."""
    requests = pod_resource_requests(pod)
    return requests.get(CPU, 0), requests.get(MEMORY, 0)


def pod_non_zero_requests(pod: Mapping[str, Any]) -> tuple[int, int]:
    """(cpu millicores, memory bytes) as scoring counts them (100m / 200Mi for unset requests)."""
    requests = pod_resource_requests(pod, non_zero=True)
    return requests.get(CPU, 0), requests.get(MEMORY, 0)


def pod_host_ports(pod: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    """(protocol, hostIP, hostPort) for every container port that binds a host port."""
    spec = pod.get("spec") or {}
    containers: Iterable[Mapping[str, Any]] = list(spec.get("containers") or ()) + [
        c for c in spec.get("initContainers") or () if _is_sidecar(c)]
    ports: list[tuple[str, str, int]] = []
    for container in containers:
        for port in container.get("ports") or ():
            host_port = port.get("hostPort") or 0
            if host_port > 0:
                ports.append((port.get("protocol") or "TCP", port.get("hostIP") or "0.0.0.0",
                              int(host_port)))
    return ports
