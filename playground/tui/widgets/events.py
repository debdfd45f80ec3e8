"""The events log: newest first (or tailing, oldest first), Warnings in colour, with counts.

Only the most recent `LIMIT` events are kept as rows, so a 10,000-pod rollout's flood of
events never slows the screen; `kubectl get events` (the command bar) still shows them all.
The table's objects are kept in arrival order (an event seen again moves to the end), so the
oldest row to drop is always the first one: nothing is re-sorted as events stream in. A batch
of more than `LIMIT` events keeps only its newest `LIMIT` before touching the rows.
"""

from __future__ import annotations

import heapq
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.reactive import var

from playground.tui.messages import ChangeKey
from playground.tui.model import EVENT_COLUMNS, event_cells, event_last_seen
from playground.tui.widgets.resource_table import Obj, ResourceTable, row_key

LIMIT = 500


class EventsTable(ResourceTable):
    """Events of the current namespace (all namespaces' node events included)."""

    resource: ClassVar[str] = "events"
    pane_id: ClassVar[str] = "events"
    columns_shown: ClassVar[tuple[str, ...]] = EVENT_COLUMNS
    status_column: ClassVar[int | None] = 1

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("t", "toggle_tail", "Tail", id="events.tail"),
    ]

    tailing: var[bool] = var(False, init=False)
    """False: newest first. True: oldest first, following the end."""

    def cells_for(self, obj: Obj, now: datetime) -> list[str]:
        return event_cells(obj, now)

    def includes(self, obj: Obj) -> bool:
        namespace = str(obj["metadata"].get("namespace", ""))
        involved = obj.get("involvedObject") or {}
        return namespace == self.namespace or involved.get("kind") == "Node"

    def styled(self, key: str, cells: list[str]) -> list[Text]:
        out = super().styled(key, cells)
        if len(cells) > 1 and cells[1] == "Warning":
            out = [Text(t.plain, style="bold red" if i == 1 else "red", no_wrap=True,
                        overflow="ellipsis") for i, t in enumerate(out)]
        return out

    def sort_value(self, key: str) -> Any:
        if self.sort_column == 0:
            obj = self.objects.get(key)
            return (event_last_seen(obj) if obj else "", key)
        return super().sort_value(key)

    def load(self, objects: Any, now: datetime) -> None:
        recent = sorted(heapq.nlargest(LIMIT, (o for o in objects if self.includes(o)),
                                       key=event_last_seen), key=event_last_seen)  # oldest first
        self.sort_reverse = not self.tailing
        super().load(recent, now)
        self._follow()

    def apply_changes(self, changes: dict[ChangeKey, Obj | None], now: datetime) -> None:
        if len(changes) > LIMIT:
            # a flood (a rollout of thousands of pods writes tens of thousands of events in
            # one frame): only the newest LIMIT can be shown, and they push out every row
            # shown before, so the rest of the batch is never inserted at all
            newest = heapq.nlargest(LIMIT, ((key, obj) for key, obj in changes.items()
                                            if obj is not None),
                                    key=lambda item: event_last_seen(item[1]))
            newest.sort(key=lambda item: event_last_seen(item[1]))
            flood: dict[ChangeKey, Obj | None] = {
                key: None for key, obj in changes.items()
                if obj is None and row_key(key) in self.objects}
            flood.update(newest)
            changes = flood
        for change_key, obj in changes.items():
            if obj is not None:
                self.objects.pop(row_key(change_key), None)  # re-added last: newest
        super().apply_changes(changes, now)
        if len(self.objects) > LIMIT:
            current = self.current_key()
            for key in list(self.objects)[:len(self.objects) - LIMIT]:
                self.remove_key(key)
            self._after_change(current)
        if any(obj is not None for obj in changes.values()):
            self._follow()

    def _follow(self) -> None:
        if self.tailing and self.row_count:
            self.move_cursor(row=self.row_count - 1)

    def watch_tailing(self) -> None:
        self.sort_column = 0
        self.sort_reverse = not self.tailing
        self.rebuild()
        self._follow()

    def action_toggle_tail(self) -> None:
        """Newest first ↔ tailing."""
        self.tailing = not self.tailing

    def key_of(self, event: Obj) -> str:
        """Row key of an event."""
        return row_key((str(event["metadata"].get("namespace", "")), event["metadata"]["name"]))
