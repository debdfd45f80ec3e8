"""`kubectl get` tables for every kind: the registry from store key to printer, and the
decoration kubectl adds on the client side.

Each module of this package owns the columns and cell logic of a group of kinds, learned from
kubectl's own printers; `print_table` picks the printer by the type's store key (`pods`,
`deployments.apps`), fills one row per object in the order given, and adds what kubectl adds
itself: a leading NAMESPACE column for `-A`, one column per `-L` key and LABELS for
`--show-labels`. `name_line` is the `-o name` form (`deployment.apps/web`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from playground.engine.api.resources import ResourceType, by_key, for_object
from playground.kubectl.printers import (
    config,
    events,
    misc,
    nodes,
    pods,
    services,
    storage,
    workloads,
)
from playground.kubectl.printers.common import Printer, labels_of, metadata
from playground.kubectl.table import Column, Row, Table, format_labels, kind_prefix

PRINTERS: dict[str, Printer] = {
    **pods.PRINTERS,
    **workloads.PRINTERS,
    **services.PRINTERS,
    **nodes.PRINTERS,
    **config.PRINTERS,
    **storage.PRINTERS,
    **events.PRINTERS,
    **misc.PRINTERS,
}


def printer_for(resource: str) -> Printer:
    """The printer of a store key; kinds without one print NAME and AGE."""
    return PRINTERS.get(resource, misc.GENERIC_PRINTER)


def label_column_header(key: str) -> str:
    """A `-L` column's header: the part after the last `/`, upper-cased."""
    return key.rsplit("/", 1)[-1].upper()


def print_table(
    objects: Iterable[Mapping[str, Any]],
    resource: str,
    now: datetime,
    *,
    wide: bool = False,
    show_namespace: bool = False,
    show_labels: bool = False,
    label_columns: Sequence[str] = (),
) -> Table:
    """The table `kubectl get <resource>` prints for these objects at time `now`.

    With `wide` the table keeps the `-o wide` (priority 1) columns; without, it drops them."""
    printer = printer_for(resource)
    keep = [i for i, column in enumerate(printer.columns) if wide or column.priority == 0]
    columns = [printer.columns[i] for i in keep]
    if show_namespace:
        columns.insert(0, Column("NAMESPACE"))
    columns.extend(Column(label_column_header(key)) for key in label_columns)
    if show_labels:
        columns.append(Column("LABELS"))
    rows = []
    for obj in objects:
        full = printer.row(obj, now)
        cells = [full[i] for i in keep]
        if show_namespace:
            cells.insert(0, str(metadata(obj).get("namespace", "")))
        labels = labels_of(obj)
        cells.extend(str(labels.get(key, "")) for key in label_columns)
        if show_labels:
            cells.append(format_labels(labels))
        rows.append(Row(cells, dict(obj)))
    try:
        prefix = type_prefix({}, resource)
    except KeyError:
        prefix = ""
    return Table(columns, rows, kind_prefix=prefix)


def _resource_type(obj: Mapping[str, Any],
                   resource_type: ResourceType | str | None) -> ResourceType | None:
    if isinstance(resource_type, ResourceType):
        return resource_type
    if isinstance(resource_type, str):
        return by_key(resource_type)
    return for_object(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))


def type_prefix(obj: Mapping[str, Any], resource_type: ResourceType | str | None = None) -> str:
    """kubectl's `kind.group` for an object: `deployment.apps`, `pod`, `endpoints`."""
    rt = _resource_type(obj, resource_type)
    if rt is None:
        return kind_prefix(obj)
    kind = rt.kind.lower()
    return f"{kind}.{rt.group}" if rt.group else kind


def name_line(obj: Mapping[str, Any], resource_type: ResourceType | str | None = None) -> str:
    """The `-o name` line of an object: `deployment.apps/web`, `pod/web-x`."""
    return f"{type_prefix(obj, resource_type)}/{metadata(obj).get('name', '')}"


__all__ = [
    "PRINTERS", "label_column_header", "name_line", "print_table", "printer_for",
    "type_prefix",
]
