"""Tables of the remaining built-in kinds: Leases, PriorityClasses, PodDisruptionBudgets,
RBAC bindings, ResourceQuotas, PodTemplates and ComponentStatuses, plus the two fallbacks.

Kinds the API server has no printer for get its default table, NAME and CREATED AT (an
RFC 3339 time, as `kubectl get roles` shows); anything unknown to the playground falls back
to kubectl's NAME and AGE.
"""

from __future__ import annotations

from datetime import UTC, datetime

from playground.kubectl.duration import parse_timestamp
from playground.kubectl.printers.common import (
    AGE,
    NAME,
    Obj,
    Printer,
    age,
    container_cells,
    format_labels,
    integer,
    metadata,
    name,
    spec,
    status,
)
from playground.kubectl.table import Cell, Column


def _lease_row(obj: Obj, now: datetime) -> list[Cell]:
    return [name(obj), str(spec(obj).get("holderIdentity") or ""), age(obj, now)]


def _priority_class_row(obj: Obj, now: datetime) -> list[Cell]:
    return [name(obj), integer(obj.get("value")), bool(obj.get("globalDefault")), age(obj, now),
            str(obj.get("preemptionPolicy") or "")]


def _int_or_string(value: object) -> str:
    return "N/A" if value is None else str(value)


def _pdb_row(obj: Obj, now: datetime) -> list[Cell]:
    pdb_spec = spec(obj)
    return [name(obj), _int_or_string(pdb_spec.get("minAvailable")),
            _int_or_string(pdb_spec.get("maxUnavailable")),
            integer(status(obj).get("disruptionsAllowed")), age(obj, now)]


def _subjects(obj: Obj) -> tuple[str, str, str]:
    users: list[str] = []
    groups: list[str] = []
    accounts: list[str] = []
    for subject in obj.get("subjects") or []:
        kind = subject.get("kind")
        if kind == "User":
            users.append(str(subject.get("name", "")))
        elif kind == "Group":
            groups.append(str(subject.get("name", "")))
        elif kind == "ServiceAccount":
            accounts.append(f"{subject.get('namespace', '')}/{subject.get('name', '')}")
    return ", ".join(users), ", ".join(groups), ", ".join(accounts)


def _binding_row(obj: Obj, now: datetime) -> list[Cell]:
    role = obj.get("roleRef") or {}
    return [name(obj), f"{role.get('kind', '')}/{role.get('name', '')}", age(obj, now),
            *_subjects(obj)]


def _resource_quota_row(obj: Obj, now: datetime) -> list[Cell]:
    hard = status(obj).get("hard") or {}
    used = status(obj).get("used") or {}
    requests: list[str] = []
    limits: list[str] = []
    for resource in sorted(hard):
        text = f"{resource}: {used.get(resource, '0')}/{hard[resource]}"
        parts = resource.split(".")
        (limits if len(parts) > 1 and parts[0] == "limits" else requests).append(text)
    return [name(obj), ", ".join(requests), ", ".join(limits), age(obj, now)]


def _pod_template_row(obj: Obj, now: datetime) -> list[Cell]:
    template = obj.get("template") or {}
    names, images = container_cells((template.get("spec") or {}).get("containers"))
    return [name(obj), names, images, format_labels((template.get("metadata") or {}).get(
        "labels"))]


def _component_status_row(obj: Obj, now: datetime) -> list[Cell]:
    for condition in obj.get("conditions") or []:
        if condition.get("type") == "Healthy":
            healthy = "Healthy" if condition.get("status") == "True" else "Unhealthy"
            return [name(obj), healthy, str(condition.get("message", "")),
                    str(condition.get("error", ""))]
    return [name(obj), "Unknown", "", ""]


def created_at(obj: Obj) -> str:
    """`metadata.creationTimestamp` in UTC RFC 3339, as the API server's default table has it."""
    timestamp = metadata(obj).get("creationTimestamp")
    if not timestamp:
        return ""
    return parse_timestamp(timestamp).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _created_at_row(obj: Obj, now: datetime) -> list[Cell]:
    return [name(obj), created_at(obj)]


def _generic_row(obj: Obj, now: datetime) -> list[Cell]:
    return [name(obj), age(obj, now)]


CREATED_AT_PRINTER = Printer((NAME, Column("CREATED AT")), _created_at_row)
GENERIC_PRINTER = Printer((NAME, AGE), _generic_row)

_BINDING_COLUMNS = (NAME, Column("ROLE"), AGE, Column("USERS", 1), Column("GROUPS", 1),
                    Column("SERVICEACCOUNTS", 1))

PRINTERS: dict[str, Printer] = {
    "leases.coordination.k8s.io": Printer((NAME, Column("HOLDER"), AGE), _lease_row),
    "priorityclasses.scheduling.k8s.io": Printer(
        (NAME, Column("VALUE"), Column("GLOBAL-DEFAULT"), AGE, Column("PREEMPTIONPOLICY")),
        _priority_class_row,
    ),
    "poddisruptionbudgets.policy": Printer(
        (NAME, Column("MIN AVAILABLE"), Column("MAX UNAVAILABLE"),
         Column("ALLOWED DISRUPTIONS"), AGE),
        _pdb_row,
    ),
    "rolebindings.rbac.authorization.k8s.io": Printer(_BINDING_COLUMNS, _binding_row),
    "clusterrolebindings.rbac.authorization.k8s.io": Printer(_BINDING_COLUMNS, _binding_row),
    "resourcequotas": Printer((NAME, Column("REQUEST"), Column("LIMIT"), AGE),
                              _resource_quota_row),
    "podtemplates": Printer(
        (NAME, Column("CONTAINERS"), Column("IMAGES"), Column("POD LABELS")), _pod_template_row,
    ),
    "componentstatuses": Printer(
        (NAME, Column("STATUS"), Column("MESSAGE"), Column("ERROR")), _component_status_row,
    ),
    "roles.rbac.authorization.k8s.io": CREATED_AT_PRINTER,
    "clusterroles.rbac.authorization.k8s.io": CREATED_AT_PRINTER,
    "limitranges": CREATED_AT_PRINTER,
}

__all__ = ["CREATED_AT_PRINTER", "GENERIC_PRINTER", "PRINTERS", "created_at"]
