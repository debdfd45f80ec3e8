"""The pods pane: `kubectl get pods -o wide`'s NAME READY STATUS RESTARTS AGE IP NODE, live."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from playground.tui.model import POD_COLUMNS, pod_cells
from playground.tui.widgets.resource_table import Obj, ResourceTable


class PodsTable(ResourceTable):
    """Pods of the current namespace."""

    resource: ClassVar[str] = "pods"
    pane_id: ClassVar[str] = "pods"
    columns_shown: ClassVar[tuple[str, ...]] = POD_COLUMNS
    status_column: ClassVar[int | None] = 2
    age_columns: ClassVar[tuple[int, ...]] = (4,)

    def cells_for(self, obj: Obj, now: datetime) -> list[str]:
        return pod_cells(obj, now)
