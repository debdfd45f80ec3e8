"""The Services pane: `kubectl get services` plus ENDPOINTS (ready/total) for each Service.

Endpoint counts come from the Service's EndpointSlices when there are any, else from the pods
its selector matches. A batch of changes recounts only the Services whose EndpointSlices
changed (the pane remembers which Service each slice belongs to, since a deleted slice arrives
without its labels), plus, when pods changed, the few Services that have no slices and count
pods instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from playground.engine.cluster import Cluster
from playground.tui.messages import ChangeKey
from playground.tui.model import (
    SERVICE_COLUMNS,
    SERVICE_NAME_LABEL,
    endpoint_counts,
    service_cells,
)
from playground.tui.widgets.resource_table import Obj, ResourceTable, row_key

ENDPOINT_SLICES = "endpointslices.discovery.k8s.io"


class ServicesTable(ResourceTable):
    """Services of the current namespace with their endpoint counts."""

    resource: ClassVar[str] = "services"
    pane_id: ClassVar[str] = "services"
    columns_shown: ClassVar[tuple[str, ...]] = (*SERVICE_COLUMNS, "ENDPOINTS")
    age_columns: ClassVar[tuple[int, ...]] = (5,)

    def __init__(self, cluster: Cluster, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cluster = cluster
        self.slice_service: dict[ChangeKey, str] = {}
        """EndpointSlice (namespace, name) → the name of the Service it belongs to."""

    def cells_for(self, obj: Obj, now: datetime) -> list[str]:
        ready, total = endpoint_counts(self.cluster, obj)
        return [*service_cells(obj, now), f"{ready}/{total}"]

    def load(self, objects: Iterable[Obj], now: datetime) -> None:
        self.slice_service = {}
        for endpoint_slice in self.cluster.store.iter(ENDPOINT_SLICES):
            self._remember(endpoint_slice)
        super().load(objects, now)

    def _remember(self, endpoint_slice: Obj) -> str | None:
        meta = endpoint_slice["metadata"]
        service = (meta.get("labels") or {}).get(SERVICE_NAME_LABEL)
        if service:
            self.slice_service[(str(meta.get("namespace", "")), meta["name"])] = service
        return service

    def endpoints_changed(self, changes: dict[str, dict[ChangeKey, Obj | None]],
                          now: datetime) -> None:
        """Recount the Services whose EndpointSlices (or, lacking slices, pods) changed."""
        keys: set[str] = set()
        for slice_key, endpoint_slice in changes.get(ENDPOINT_SLICES, {}).items():
            before = self.slice_service.pop(slice_key, None)
            if before:
                keys.add(row_key((slice_key[0], before)))
            if endpoint_slice is not None:
                after = self._remember(endpoint_slice)
                if after:
                    keys.add(row_key((slice_key[0], after)))
        if changes.get("pods"):
            with_slices = {row_key((namespace, service))
                           for (namespace, _), service in self.slice_service.items()}
            keys.update(key for key in self.objects if key not in with_slices)
        recount: dict[ChangeKey, Obj | None] = {}
        for key in keys:
            obj = self.objects.get(key)
            if obj is not None:
                recount[(str(obj["metadata"].get("namespace", "")), obj["metadata"]["name"])] = obj
        if recount:
            self.apply_changes(recount, now)
