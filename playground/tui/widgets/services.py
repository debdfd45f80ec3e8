"""The Services pane: `kubectl get services` plus ENDPOINTS (ready/total) for each Service.

Endpoint counts come from the Service's EndpointSlices when there are any, else from the pods
its selector matches; they are recomputed when pods or EndpointSlices of the namespace change.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from playground.engine.cluster import Cluster
from playground.tui.messages import ChangeKey
from playground.tui.model import SERVICE_COLUMNS, endpoint_counts, service_cells
from playground.tui.widgets.resource_table import Obj, ResourceTable


class ServicesTable(ResourceTable):
    """Services of the current namespace with their endpoint counts."""

    resource: ClassVar[str] = "services"
    pane_id: ClassVar[str] = "services"
    columns_shown: ClassVar[tuple[str, ...]] = (*SERVICE_COLUMNS, "ENDPOINTS")
    age_columns: ClassVar[tuple[int, ...]] = (5,)

    def __init__(self, cluster: Cluster, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cluster = cluster

    def cells_for(self, obj: Obj, now: datetime) -> list[str]:
        ready, total = endpoint_counts(self.cluster, obj)
        return [*service_cells(obj, now), f"{ready}/{total}"]

    def endpoints_changed(self, now: datetime) -> None:
        """Pods or EndpointSlices changed: refresh every Service's counts."""
        changes: dict[ChangeKey, Obj | None] = {
            (str(obj["metadata"].get("namespace", "")), obj["metadata"]["name"]): obj
            for obj in self.objects.values()}
        self.apply_changes(changes, now)
