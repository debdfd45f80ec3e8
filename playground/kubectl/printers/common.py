"""Cell helpers several printers share, named after the kubectl helpers they mirror.

Objects arrive as the API server's JSON dicts; absent fields read as Go's zero values
(empty string, 0, empty list), which is what kubectl's printers see after decoding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from playground.kubectl.duration import translate_timestamp_since
from playground.kubectl.table import Cell, Column, format_labels

Obj = Mapping[str, Any]
RowFunc = Callable[[Obj, datetime], list[Cell]]

NONE = "<none>"
UNSET = "<unset>"

# Every table opens with NAME, formatted as a name (the column `kind/` prefixes apply to).
NAME = Column("NAME", format="name")
AGE = Column("AGE")


@dataclass(frozen=True)
class Printer:
    """Column definitions of one resource type and the function that fills a row."""

    columns: tuple[Column, ...]
    row: RowFunc


def metadata(obj: Obj) -> Obj:
    """`metadata`, or an empty mapping."""
    return obj.get("metadata") or {}


def spec(obj: Obj) -> Obj:
    """`spec`, or an empty mapping."""
    return obj.get("spec") or {}


def status(obj: Obj) -> Obj:
    """`status`, or an empty mapping."""
    return obj.get("status") or {}


def name(obj: Obj) -> str:
    """`metadata.name`."""
    return str(metadata(obj).get("name", ""))


def age(obj: Obj, now: datetime) -> str:
    """The AGE cell: time since `metadata.creationTimestamp`."""
    return translate_timestamp_since(metadata(obj).get("creationTimestamp"), now)


def is_deleting(obj: Obj) -> bool:
    """Whether `metadata.deletionTimestamp` is set."""
    return bool(metadata(obj).get("deletionTimestamp"))


def integer(value: Any) -> int:
    """A count field, 0 when absent."""
    return int(value or 0)


def pod_template_spec(template: Obj | None) -> Obj:
    """The pod spec inside a pod template."""
    return ((template or {}).get("spec")) or {}


def container_cells(containers: Sequence[Obj] | None) -> tuple[str, str]:
    """`layoutContainerCells`: container names and images, each joined with commas."""
    containers = containers or []
    return (",".join(str(c.get("name", "")) for c in containers),
            ",".join(str(c.get("image", "")) for c in containers))


def _requirement(key: str, operator: str, values: Sequence[str]) -> str:
    joined = ",".join(sorted(set(values)))
    if operator == "In":
        return f"{key} in ({joined})"
    if operator == "NotIn":
        return f"{key} notin ({joined})"
    if operator == "Exists":
        return key
    if operator == "DoesNotExist":
        return f"!{key}"
    return f"{key}={joined}"


def selector_string(selector: Obj | None) -> str:
    """A LabelSelector as `labels.Selector.String()` writes it: requirements sorted by key,
    `app=web`, `tier in (a,b)`, `!key`; empty for an empty or missing selector."""
    if not selector:
        return ""
    requirements: list[tuple[str, str]] = []
    for key, value in (selector.get("matchLabels") or {}).items():
        requirements.append((key, f"{key}={value}"))
    for expression in selector.get("matchExpressions") or []:
        key = str(expression.get("key", ""))
        requirements.append((key, _requirement(key, str(expression.get("operator", "")),
                                               expression.get("values") or [])))
    requirements.sort(key=lambda r: r[0])
    return ",".join(text for _, text in requirements)


def format_label_selector(selector: Obj | None) -> str:
    """`metav1.FormatLabelSelector`: the selector string, or `<none>` when it is empty."""
    return selector_string(selector) or NONE


def labels_of(obj: Obj) -> Mapping[str, str]:
    """`metadata.labels`, or an empty mapping."""
    return metadata(obj).get("labels") or {}


def list_with_more(items: Sequence[str], limit: int = 3, empty: str = UNSET) -> str:
    """The first `limit` items joined with commas, then ` + N more...`; `empty` if none."""
    if len(items) > limit:
        return ",".join(items[:limit]) + f" + {len(items) - limit} more..."
    return ",".join(items) or empty


def ingress_addresses(load_balancer: Obj | None) -> str:
    """Load-balancer ingress points (IP, else hostname), de-duplicated and sorted.

    kubectl clips this to 16 characters only when it prints without `-o wide`; tables from
    the API server are always generated wide, so `kubectl get` shows the full list."""
    found = set()
    for ingress in (load_balancer or {}).get("ingress") or []:
        if ingress.get("ip"):
            found.add(str(ingress["ip"]))
        elif ingress.get("hostname"):
            found.add(str(ingress["hostname"]))
    return ",".join(sorted(found))


__all__ = [
    "AGE", "NAME", "NONE", "UNSET", "Obj", "Printer", "RowFunc", "age", "container_cells",
    "format_label_selector", "format_labels", "ingress_addresses", "integer", "is_deleting",
    "labels_of", "list_with_more", "metadata", "name", "pod_template_spec", "selector_string",
    "spec", "status",
]
