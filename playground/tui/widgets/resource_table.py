"""A live `kubectl get` table: rows keyed by object, updated by key, filterable, sortable.

The panes for pods, Services and Events are this table with their own cells. It owns the
model: every object of its type in the namespace and the shown rows in sort order (kept
sorted by bisection, so a batch of changes costs O(changes · log rows)); the virtual table
under it draws only the rows on screen. Cells are formatted when a row is drawn (or when a
filter or a sort by a printed column needs them) and kept until the object changes or a new
second makes AGE move, so opening on 10,000 pods formats a screenful, and a batch of changes
formats only the changed rows that are on screen. Columns grow to fit the rows drawn. The shown
order is recomputed only when the person changes the namespace, the filter or the sort column.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.reactive import reactive, var

from playground.tui.messages import ChangeKey, ObjectSelected
from playground.tui.model import STYLE_COLOURS, ObjectRef, RowFilter, status_style
from playground.tui.widgets.virtual_table import VirtualTable

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
    """The row key of (namespace, name)."""
    return f"{key[0]}/{key[1]}"


class ResourceTable(VirtualTable):
    """One resource type's rows in the current namespace."""

    resource: ClassVar[str] = ""
    pane_id: ClassVar[str] = ""
    status_column: ClassVar[int | None] = None
    age_columns: ClassVar[tuple[int, ...]] = ()

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("O", "cycle_sort", "Sort", id="table.sort", show=False),
    ]

    namespace: var[str] = var("default", init=False)
    """The namespace whose objects the table shows."""
    row_filter: var[RowFilter] = var(RowFilter(), init=False)
    """The `/` filter: text or `-l selector`."""
    highlighted: reactive[frozenset[str]] = reactive(frozenset(), init=False)
    """Row keys to mark (pods behind the selected Service, an event's object)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.objects: dict[str, Obj] = {}
        """Every object of this type in the namespace, shown or filtered out."""
        self.cells: dict[str, list[str]] = {}
        """Formatted cells of the objects that needed them (see `cells_of`)."""
        self.formatted = 0
        """How many times a row was formatted (benchmarks and tests count them)."""
        self.sort_column: int = 0
        self.sort_reverse: bool = False
        self.now: datetime = datetime.fromtimestamp(0, UTC)
        """The virtual time AGE is counted to (set by every load and batch)."""
        # The shown rows in ascending sort order, with their sort values beside them for
        # bisection: a change moves one row in O(log n) plus a list shift, never a sort.
        self._order: list[str] = []
        self._values: list[Any] = []
        self._value_of: dict[str, Any] = {}
        self._reported: str | None = None

    # -- cells ----------------------------------------------------------------------------
    def cells_for(self, obj: Obj, now: datetime) -> list[str]:
        """The plain cells of one object (subclasses use the kubectl printers)."""
        raise TypeError(f"{type(self).__name__} must override cells_for")

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

    # -- the rows as the virtual table sees them ------------------------------------------
    @property
    def descending(self) -> bool:
        """Whether rows show in descending sort order (AGE sorts by creation time, reversed)."""
        return self.sort_reverse != (self.sort_column in self.age_columns)

    @property
    def row_count(self) -> int:
        return len(self._order)

    def _at(self, index: int) -> int:
        return len(self._order) - 1 - index if self.descending else index

    def row_key_at(self, index: int) -> str:
        return self._order[self._at(index)]

    def row_cells_at(self, index: int) -> list[Text]:
        key = self.row_key_at(index)
        return self.styled(key, self.cells_of(key))

    def cells_of(self, key: str) -> list[str]:
        """The plain cells of a row, formatted now unless kept from before."""
        cells = self.cells.get(key)
        if cells is None:
            cells = self.cells_for(self.objects[key], self.now)
            self.formatted += 1
            self.cells[key] = cells
            self.grow_widths(cells)
        return cells

    def _lazy_cells(self, key: str) -> Iterator[str]:
        yield from self.cells_of(key)

    def prepare_rows(self, rows: range) -> None:
        for index in rows:
            self.cells_of(self.row_key_at(index))

    def row_index(self, key: str) -> int | None:
        """Where a shown row is, or None."""
        value = self._value_of.get(key)
        if value is None:
            return None
        position = bisect_left(self._values, value)
        return self._at(position)

    @property
    def ordered_keys(self) -> list[str]:
        """The shown row keys, top to bottom."""
        return self._order[::-1] if self.descending else list(self._order)

    def _show(self, key: str, value: Any) -> None:
        position = bisect_left(self._values, value)
        self._values.insert(position, value)
        self._order.insert(position, key)
        self._value_of[key] = value

    def _hide(self, key: str) -> None:
        value = self._value_of.pop(key, None)
        if value is None:
            return
        position = bisect_left(self._values, value)
        del self._values[position]
        del self._order[position]

    def remove_key(self, key: str) -> None:
        """Forget an object (deleted, or out of the namespace)."""
        self.objects.pop(key, None)
        self.cells.pop(key, None)
        self._hide(key)

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
        self.rebuild()

    def rebuild(self) -> None:
        """Recompute the shown order from the cached objects and cells, keeping the cursor."""
        current = self.current_key()
        self.reset_widths()
        pairs = []
        for key, obj in self.objects.items():
            if self.row_filter.matches(obj, self._lazy_cells(key)):
                pairs.append((self.sort_value(key), key))
        pairs.sort()
        self._values = [value for value, _ in pairs]
        self._order = [key for _, key in pairs]
        self._value_of = {key: value for value, key in pairs}
        self._after_change(current)

    def _after_change(self, current: str | None) -> None:
        """Keep the cursor on the row it was on, redraw, report a new row under it."""
        index = self.row_index(current) if current is not None else None
        self.rows_changed()
        if index is not None and index != self.cursor_row:
            self.move_cursor(row=index, scroll=False)
        else:
            self.cursor_moved()

    def apply_changes(self, changes: dict[ChangeKey, Obj | None], now: datetime) -> None:
        """Add, update or remove the rows of changed objects; untouched rows stay as they are."""
        self.now = now
        current = self.current_key()
        for change_key, obj in changes.items():
            key = row_key(change_key)
            if obj is None or not self.includes(obj):
                if key in self.objects:
                    self.remove_key(key)
                continue
            self.objects[key] = obj
            self.cells.pop(key, None)
            shown = key in self._value_of
            if not self.row_filter.matches(obj, self._lazy_cells(key)):
                if shown:
                    self._hide(key)
                continue
            value = self.sort_value(key)
            if shown and self._value_of[key] == value:
                continue
            self._hide(key)
            self._show(key, value)
        self._after_change(current)

    def sort_value(self, key: str) -> Any:
        """What a row sorts by in the current sort column (NAME and AGE without formatting
        the row: AGE sorts by creation time)."""
        if self.sort_column in self.age_columns:
            obj = self.objects.get(key) or {}
            return (str(obj.get("metadata", {}).get("creationTimestamp", "")), key)
        if self.sort_column == 0:
            return (key.partition("/")[2], key)
        cells = self.cells_of(key)
        if self.sort_column >= len(cells):
            return ("", key)
        return (cells[self.sort_column], key)

    def refresh_ages(self, now: datetime) -> None:
        """AGE moved with virtual time: format the rows on screen again (redrawing only if a
        cell changed) and forget the other rows' cells (formatted again when drawn)."""
        self.now = now
        old, self.cells = self.cells, {}
        changed = False
        for index in self.visible_range():
            key = self.row_key_at(index)
            if self.cells_of(key) != old.get(key):
                changed = True
        if changed:
            self.rows_changed()

    # -- reactives ------------------------------------------------------------------------
    def watch_row_filter(self) -> None:
        self.rebuild()

    def watch_highlighted(self) -> None:
        self.refresh()

    # -- selection and sorting ------------------------------------------------------------
    def current_key(self) -> str | None:
        """The row key under the cursor, if any."""
        if not self._order or not 0 <= self.cursor_row < len(self._order):
            return None
        return self.row_key_at(self.cursor_row)

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
        index = self.row_index(key)
        if index is None:
            return False
        self.move_cursor(row=index)
        return True

    def cursor_moved(self) -> None:
        key = self.current_key()
        if key != self._reported:
            self._reported = key
            self.post_message(ObjectSelected(self.current_ref(), self.pane_id))

    def on_virtual_table_header_selected(self, event: VirtualTable.HeaderSelected) -> None:
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
