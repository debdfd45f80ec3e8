"""A live `kubectl get` table: rows keyed by object, updated cell by cell, filterable, sortable.

The panes for pods, Services and Events are this table with their own cells. A batch of changes
touches only the rows it names (`update_cell`/`add_row`/`remove_row` by key); the whole table
is rebuilt only when the person changes the namespace or the filter. AGE cells are refreshed
for the rows on screen only, so a 10,000-row table costs what its visible rows cost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.reactive import reactive
from textual._two_way_dict import TwoWayDict
from textual.widgets import DataTable

from playground.tui.messages import ChangeKey, ObjectSelected
from playground.tui.model import STYLE_COLOURS, ObjectRef, RowFilter, status_style

Obj = dict[str, Any]

_DURATION_PART = re.compile(r"(\d+)([dhms])")
_UNIT = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def duration_seconds(text: str) -> float:
    """`3d4h`, `5m12s`, `<unknown>` → seconds, for sorting AGE-like columns."""
    parts = _DURATION_PART.findall(text)
    if not parts:
        return float("inf")
    return sum(int(n) * _UNIT[u] for n, u in parts)


def row_key(key: ChangeKey) -> str:
    """The DataTable row key of (namespace, name)."""
    return f"{key[0]}/{key[1]}"


class ResourceTable(DataTable[Any]):
    """One resource type's rows in the current namespace."""

    resource: ClassVar[str] = ""
    pane_id: ClassVar[str] = ""
    columns_shown: ClassVar[tuple[str, ...]] = ()
    status_column: ClassVar[int | None] = None
    age_columns: ClassVar[tuple[int, ...]] = ()

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("O", "cycle_sort", "Sort", id="table.sort", show=False),
    ]

    namespace: reactive[str] = reactive("default", init=False)
    """The namespace whose objects the table shows."""
    row_filter: reactive[RowFilter] = reactive(RowFilter(), init=False)
    """The `/` filter: text or `-l selector`."""
    highlighted: reactive[frozenset[str]] = reactive(frozenset(), init=False)
    """Row keys to mark (pods behind the selected Service, an event's object)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.objects: dict[str, Obj] = {}
        """Every object of this type in the namespace, shown or filtered out."""
        self.cells: dict[str, list[str]] = {}
        self.sort_column: int = 0
        self.sort_reverse: bool = False
        self.now: datetime | None = None

    def on_mount(self) -> None:
        for name in self.columns_shown:
            self.add_column(name, key=name)

    # -- cells ----------------------------------------------------------------------------
    def cells_for(self, obj: Obj, now: datetime) -> list[str]:
        """The plain cells of one object (subclasses use the kubectl printers)."""
        raise NotImplementedError

    def includes(self, obj: Obj) -> bool:
        """Whether the object belongs in this table (namespace check by default)."""
        return str(obj["metadata"].get("namespace", "")) == self.namespace

    def styled(self, key: str, cells: list[str]) -> list[Text]:
        """Cells as Rich text with status colours and the highlight mark."""
        out = []
        for index, cell in enumerate(cells):
            style = ""
            if index == self.status_column:
                style = STYLE_COLOURS[status_style(cell)]
            out.append(Text(cell, style=style, no_wrap=True, overflow="ellipsis"))
        if key in self.highlighted and out:
            out[0] = Text(cells[0], style="bold reverse", no_wrap=True, overflow="ellipsis")
        return out

    # -- loading and changes --------------------------------------------------------------
    def load(self, objects: Iterable[Obj], now: datetime) -> None:
        """Replace every row (on start, namespace change or filter change)."""
        self.now = now
        self.objects = {}
        self.cells = {}
        for obj in objects:
            if self.includes(obj):
                key = row_key((obj["metadata"].get("namespace", ""), obj["metadata"]["name"]))
                self.objects[key] = obj
                self.cells[key] = self.cells_for(obj, now)
        self.rebuild()

    def rebuild(self) -> None:
        """Refill the DataTable from the cached objects and cells, keeping the cursor."""
        current = self.current_key()
        self.clear()
        rows = [(key, cells) for key, cells in self.cells.items()
                if self.row_filter.matches(self.objects[key], cells)]
        rows.sort(key=lambda item: self.sort_value(item[0], item[1]), reverse=self.sort_reverse)
        for key, cells in rows:
            self.add_row(*self.styled(key, cells), key=key)
        if current is not None and current in self.rows:
            self.move_cursor(row=self.get_row_index(current))

    def apply_changes(self, changes: dict[ChangeKey, Obj | None], now: datetime) -> None:
        """Add, update or remove the rows of changed objects; untouched rows stay as they are."""
        self.now = now
        added = False
        for change_key, obj in changes.items():
            key = row_key(change_key)
            if obj is None or not self.includes(obj):
                if key in self.objects:
                    del self.objects[key]
                    del self.cells[key]
                    if key in self.rows:
                        self.remove_row(key)
                continue
            cells = self.cells_for(obj, now)
            self.objects[key] = obj
            old = self.cells.get(key)
            self.cells[key] = cells
            shown = key in self.rows
            if not self.row_filter.matches(obj, cells):
                if shown:
                    self.remove_row(key)
                continue
            if not shown:
                self.add_row(*self.styled(key, cells), key=key)
                added = True
            elif old != cells:
                styled = self.styled(key, cells)
                for index, name in enumerate(self.columns_shown):
                    if old is None or old[index] != cells[index]:
                        self.update_cell(key, name, styled[index])
        if added:
            self.resort()

    def sort_value(self, key: str, cells: list[str]) -> Any:
        """What a row sorts by in the current sort column."""
        if self.sort_column >= len(cells):
            return (0, "")
        if self.sort_column in self.age_columns:
            return (duration_seconds(cells[self.sort_column]), key)
        return (cells[self.sort_column], key)

    def resort(self) -> None:
        """Put rows back in sort order (after rows were added), without rebuilding them."""
        if self.row_count < 2:
            return
        order = sorted(self.rows, key=lambda rk: self.sort_value(
            str(rk.value), self.cells.get(str(rk.value), [])), reverse=self.sort_reverse)
        # DataTable.sort hands the key function cell values only, never the row key; the
        # row order is this one mapping, so set it the way DataTable.sort does.
        self._row_locations = TwoWayDict({rk: index for index, rk in enumerate(order)})
        self._update_count += 1
        self.refresh()

    def refresh_ages(self, now: datetime) -> None:
        """Recompute the rows on screen (AGE moves with virtual time)."""
        self.now = now
        if not self.row_count:
            return
        start = max(0, int(self.scroll_offset.y))
        end = min(self.row_count, start + self.size.height + 1)
        for index in range(start, end):
            key = self.ordered_rows[index].key.value
            if key is None or key not in self.objects:
                continue
            cells = self.cells_for(self.objects[key], now)
            old = self.cells[key]
            if cells != old:
                self.cells[key] = cells
                styled = self.styled(key, cells)
                for column, name in enumerate(self.columns_shown):
                    if old[column] != cells[column]:
                        self.update_cell(key, name, styled[column])

    # -- reactives ------------------------------------------------------------------------
    def watch_row_filter(self) -> None:
        self.rebuild()

    def watch_highlighted(self, old: frozenset[str], new: frozenset[str]) -> None:
        for key in old ^ new:
            if key in self.rows and key in self.cells:
                cells = self.cells[key]
                self.update_cell(key, self.columns_shown[0], self.styled(key, cells)[0])

    # -- selection and sorting ------------------------------------------------------------
    def current_key(self) -> str | None:
        """The row key under the cursor, if any."""
        if not self.row_count or self.cursor_row < 0 or self.cursor_row >= self.row_count:
            return None
        return self.ordered_rows[self.cursor_row].key.value

    def current_object(self) -> Obj | None:
        """The object under the cursor."""
        key = self.current_key()
        return self.objects.get(key) if key is not None else None

    def current_ref(self) -> ObjectRef | None:
        """The reference of the object under the cursor."""
        obj = self.current_object()
        return ObjectRef.of(self.resource, obj) if obj is not None else None

    def select_key(self, key: str) -> bool:
        """Move the cursor to a row; False when it is not shown."""
        if key not in self.rows:
            return False
        self.move_cursor(row=self.get_row_index(key))
        return True

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(ObjectSelected(self.current_ref(), self.pane_id))

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        column = event.column_index
        if column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = column, False
        self.rebuild()

    def action_cycle_sort(self) -> None:
        """Sort by the next column."""
        self.sort_column = (self.sort_column + 1) % len(self.columns_shown)
        self.sort_reverse = False
        self.rebuild()
