"""`kubectl describe node`: conditions, addresses, capacity, system info, the node's
non-terminated pods with their requests and limits as (truncated) percentages of allocatable,
the allocated totals, and the node's events."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any

from playground.engine.api.quantity import QuantityError, parse_quantity
from playground.engine.cluster import Cluster
from playground.kubectl.describe.events import describe_events, events_for
from playground.kubectl.describe.writer import (
    Obj,
    PrefixWriter,
    annotations_multiline,
    canonical_quantity,
    format_quantity,
    labels_multiline,
    quantity_format,
    rfc1123,
    taints_multiline,
)
from playground.kubectl.duration import translate_timestamp_since

_ROLE_PREFIX = "node-role.kubernetes.io/"
_STANDARD = {"cpu", "memory", "ephemeral-storage", "storage", "pods"}


class Amount:
    """A summed quantity that remembers the format of its first term (as Quantity.Add)."""

    def __init__(self) -> None:
        self.value = Fraction(0)
        self.format = "DecimalSI"

    def add(self, raw: object) -> None:
        """Add one quantity."""
        try:
            value = parse_quantity(raw if isinstance(raw, str | int | float) else str(raw))
        except QuantityError:
            return
        if self.value == 0:
            self.format = quantity_format(raw)
        self.value += value

    def __str__(self) -> str:
        return format_quantity(self.value, self.format)


def node_roles(node: Obj) -> list[str]:
    """Roles from `node-role.kubernetes.io/<role>` and `kubernetes.io/role` labels."""
    roles: set[str] = set()
    for key, value in ((node.get("metadata") or {}).get("labels") or {}).items():
        if key.startswith(_ROLE_PREFIX) and key[len(_ROLE_PREFIX):]:
            roles.add(key[len(_ROLE_PREFIX):])
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return sorted(roles)


def pod_totals(pod: Obj, field: str) -> dict[str, Amount]:
    """resourcehelper.PodRequests/PodLimits: containers summed, each init container as a
    floor, plus overhead."""
    spec = pod.get("spec") or {}
    totals: dict[str, Amount] = {}
    for container in spec.get("containers") or []:
        for name, value in ((container.get("resources") or {}).get(field) or {}).items():
            totals.setdefault(name, Amount()).add(value)
    for container in spec.get("initContainers") or []:
        for name, value in ((container.get("resources") or {}).get(field) or {}).items():
            single = Amount()
            single.add(value)
            if name not in totals or single.value > totals[name].value:
                totals[name] = single
    for name, value in (spec.get("overhead") or {}).items():
        totals.setdefault(name, Amount()).add(value)
    return totals


def _percent(part: Amount | None, whole: object, milli: bool) -> int:
    try:
        total = parse_quantity(str(whole))
    except QuantityError:
        return 0
    if part is None:
        return 0
    scale = 1000 if milli else 1
    total_units = -(-total * scale // 1)
    if total_units == 0:
        return 0
    part_units = -(-part.value * scale // 1)
    return int(float(part_units) / float(total_units) * 100)


def _cell(amounts: dict[str, Amount], name: str) -> str:
    return str(amounts[name]) if name in amounts else "0"


def _lease(cluster: Cluster, node: Obj, w: PrefixWriter) -> None:
    name = (node.get("metadata") or {}).get("name", "")
    lease = next((obj for obj in cluster.api.list("leases.coordination.k8s.io",
                                                  "kube-node-lease")
                  if obj["metadata"]["name"] == name), None)
    if lease is not None:
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity") or "<unset>"
        acquired = rfc1123(spec["acquireTime"]) if spec.get("acquireTime") else "<unset>"
        renewed = rfc1123(spec["renewTime"]) if spec.get("renewTime") else "<unset>"
    else:
        # the playground keeps no Lease objects; the kubelet's would name the node and be
        # renewed with its heartbeat
        ready: Obj = next((c for c in (node.get("status") or {}).get("conditions") or []
                      if c.get("type") == "Ready"), {})
        holder, acquired = name, "<unset>"
        renewed = rfc1123(ready["lastHeartbeatTime"]) if ready.get("lastHeartbeatTime") \
            else "<unset>"
    w.write(0, "Lease:\n")
    w.write(1, f"HolderIdentity:\t{holder}\n")
    w.write(1, f"AcquireTime:\t{acquired}\n")
    w.write(1, f"RenewTime:\t{renewed}\n")


def describe_node(cluster: Cluster, node: Obj, show_events: bool, now: datetime) -> str:
    """The text of `kubectl describe node`."""
    meta, spec, status = node.get("metadata") or {}, node.get("spec") or {}, \
        node.get("status") or {}
    name = meta.get("name", "")
    w = PrefixWriter()
    w.write(0, f"Name:\t{name}\n")
    w.write(0, f"Roles:\t{','.join(node_roles(node)) or '<none>'}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"CreationTimestamp:\t{rfc1123(meta.get('creationTimestamp'))}\n")
    taints_multiline(w, "Taints", spec.get("taints"))
    w.write(0, f"Unschedulable:\t{'true' if spec.get('unschedulable') else 'false'}\n")
    _lease(cluster, node, w)
    conditions = status.get("conditions") or []
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\t"
                   "Message\n")
        w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
        for c in conditions:
            w.write(1, f"{c.get('type', '')} \t{c.get('status', '')} \t"
                       f"{rfc1123(c.get('lastHeartbeatTime'))} \t"
                       f"{rfc1123(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t"
                       f"{c.get('message', '')}\n")
    w.write(0, "Addresses:\n")
    for address in status.get("addresses") or []:
        w.write(1, f"{address.get('type', '')}:\t{address.get('address', '')}\n")
    for title, key in (("Capacity", "capacity"), ("Allocatable", "allocatable")):
        values = status.get(key) or {}
        if values:
            w.write(0, f"{title}:\n")
            for resource in sorted(values):
                w.write(0, f"  {resource}:\t{canonical_quantity(values[resource])}\n")
    info = status.get("nodeInfo") or {}
    w.write(0, "System Info:\n")
    for title, key in (("Machine ID", "machineID"), ("System UUID", "systemUUID"),
                       ("Boot ID", "bootID"), ("Kernel Version", "kernelVersion"),
                       ("OS Image", "osImage"), ("Operating System", "operatingSystem"),
                       ("Architecture", "architecture"),
                       ("Container Runtime Version", "containerRuntimeVersion"),
                       ("Kubelet Version", "kubeletVersion")):
        w.write(0, f"  {title}:\t{info.get(key, '')}\n")
    if spec.get("podCIDR"):
        w.write(0, f"PodCIDR:\t{spec['podCIDR']}\n")
    if spec.get("podCIDRs"):
        w.write(0, f"PodCIDRs:\t{','.join(spec['podCIDRs'])}\n")
    if spec.get("providerID"):
        w.write(0, f"ProviderID:\t{spec['providerID']}\n")
    pods = [p for p in cluster.api.list("pods", None)
            if (p.get("spec") or {}).get("nodeName") == name
            and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
    _node_resources(w, node, pods, now)
    if show_events:
        events = events_for(cluster, node, extra_uids=(name,))
        describe_events(w, events, now)
    return w.text()


def _node_resources(w: PrefixWriter, node: Obj, pods: list[dict[str, Any]],
                    now: datetime) -> None:
    status = node.get("status") or {}
    allocatable = status.get("allocatable") or status.get("capacity") or {}
    cpu, memory = allocatable.get("cpu", "0"), allocatable.get("memory", "0")
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\t"
               "Age\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t"
               "---\n")
    sums: dict[str, dict[str, Amount]] = {"requests": {}, "limits": {}}
    for pod in pods:
        req, lim = pod_totals(pod, "requests"), pod_totals(pod, "limits")
        for field, amounts in (("requests", req), ("limits", lim)):
            for resource, amount in amounts.items():
                sums[field].setdefault(resource, Amount())
                total = sums[field][resource]
                if total.value == 0:
                    total.format = amount.format
                total.value += amount.value
        meta = pod.get("metadata") or {}
        w.write(1, f"{meta.get('namespace', '')}\t{meta.get('name', '')}\t\t"
                   f"{_cell(req, 'cpu')} ({_percent(req.get('cpu'), cpu, True)}%)\t"
                   f"{_cell(lim, 'cpu')} ({_percent(lim.get('cpu'), cpu, True)}%)\t"
                   f"{_cell(req, 'memory')} ({_percent(req.get('memory'), memory, False)}%)\t"
                   f"{_cell(lim, 'memory')} ({_percent(lim.get('memory'), memory, False)}%)\t"
                   f"{translate_timestamp_since(meta.get('creationTimestamp'), now)}\n")
    w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., "
               "overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    req, lim = sums["requests"], sums["limits"]
    for resource, milli in (("cpu", True), ("memory", False), ("ephemeral-storage", False)):
        whole = allocatable.get(resource, "0")
        w.write(1, f"{resource}\t{_cell(req, resource)} "
                   f"({_percent(req.get(resource), whole, milli)}%)\t{_cell(lim, resource)} "
                   f"({_percent(lim.get(resource), whole, milli)}%)\n")
    hugepages = sorted(r for r in allocatable if r.startswith("hugepages-"))
    extended = sorted(r for r in allocatable
                      if r not in _STANDARD and not r.startswith("hugepages-")
                      and not r.startswith("requests.") and "/" in r)
    for resource in hugepages:
        whole = allocatable[resource]
        w.write(1, f"{resource}\t{_cell(req, resource)} "
                   f"({_percent(req.get(resource), whole, False)}%)\t{_cell(lim, resource)} "
                   f"({_percent(lim.get(resource), whole, False)}%)\n")
    for resource in extended:
        w.write(1, f"{resource}\t{_cell(req, resource)}\t{_cell(lim, resource)}\n")
