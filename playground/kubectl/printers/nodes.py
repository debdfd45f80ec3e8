"""Tables of Nodes and Namespaces.

A node's STATUS comes from its Ready condition only (`Ready`, `NotReady`, `Unknown` when the
condition is missing) plus `SchedulingDisabled` when cordoned; ROLES from
`node-role.kubernetes.io/<role>` labels (and the older `kubernetes.io/role`).
"""

from __future__ import annotations

from datetime import datetime

from playground.kubectl.printers.common import (
    AGE,
    NAME,
    NONE,
    Obj,
    Printer,
    age,
    labels_of,
    name,
    spec,
    status,
)
from playground.kubectl.table import Cell, Column

NODE_ROLE_PREFIX = "node-role.kubernetes.io/"
NODE_ROLE_LABEL = "kubernetes.io/role"


def node_status_text(node: Obj) -> str:
    """The STATUS cell of `kubectl get nodes`: `Ready`, `NotReady,SchedulingDisabled`, …"""
    conditions = {c.get("type"): c for c in status(node).get("conditions") or []}
    parts = []
    ready = conditions.get("Ready")
    if ready is not None:
        parts.append("Ready" if ready.get("status") == "True" else "NotReady")
    else:
        parts.append("Unknown")
    if spec(node).get("unschedulable"):
        parts.append("SchedulingDisabled")
    return ",".join(parts)


def node_roles(node: Obj) -> list[str]:
    """Sorted role names from the node's labels."""
    roles = set()
    for key, value in labels_of(node).items():
        if key.startswith(NODE_ROLE_PREFIX) and key[len(NODE_ROLE_PREFIX):]:
            roles.add(key[len(NODE_ROLE_PREFIX):])
        elif key == NODE_ROLE_LABEL and value:
            roles.add(str(value))
    return sorted(roles)


def _address(node: Obj, address_type: str) -> str:
    for address in status(node).get("addresses") or []:
        if address.get("type") == address_type:
            return str(address.get("address", ""))
    return NONE


def _node_row(node: Obj, now: datetime) -> list[Cell]:
    info = status(node).get("nodeInfo") or {}
    return [
        name(node), node_status_text(node), ",".join(node_roles(node)) or NONE, age(node, now),
        str(info.get("kubeletVersion", "")),
        _address(node, "InternalIP"), _address(node, "ExternalIP"),
        info.get("osImage") or "<unknown>", info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


def _namespace_row(obj: Obj, now: datetime) -> list[Cell]:
    return [name(obj), str(status(obj).get("phase", "")), age(obj, now)]


PRINTERS: dict[str, Printer] = {
    "nodes": Printer(
        (NAME, Column("STATUS"), Column("ROLES"), AGE, Column("VERSION"),
         Column("INTERNAL-IP", 1), Column("EXTERNAL-IP", 1), Column("OS-IMAGE", 1),
         Column("KERNEL-VERSION", 1), Column("CONTAINER-RUNTIME", 1)),
        _node_row,
    ),
    "namespaces": Printer((NAME, Column("STATUS"), AGE), _namespace_row),
}
