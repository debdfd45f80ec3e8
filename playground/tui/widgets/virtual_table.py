"""A table that draws only the rows on screen, for panes that may hold 10,000 rows.

Textual's `DataTable` keeps every row as a widget-side structure and does O(rows) work on
each removal, reorder and cell update (it rebuilds its row-location map and its ordered-row
cache), which made a 10,000-pod rollout take seconds per keypress. This widget keeps no rows
at all: a subclass says how many rows there are and what row `i` shows (`row_count`,
`row_key_at`, `row_cells_at`), and `render_line` asks only for the lines in view. It owns the
cursor (a row index, kept on the same row key across changes by the subclass), keyboard and
mouse movement, header clicks, column widths (grow-only between rebuilds, so columns do not
jitter while a rollout runs) and the look, which follows DataTable's defaults.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

CELL_PADDING = 1


@lru_cache(maxsize=256)
def _parsed(style: str) -> Style:
    return Style.parse(style)


class VirtualTable(ScrollView, can_focus=True):
    """Rows drawn on demand from a subclass's model; one header line that stays put."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header", "virtual-table--cursor",
    }
    DEFAULT_CSS = """
    VirtualTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        &:focus {
            background-tint: $foreground 5%;
            & > .virtual-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .virtual-table--header { background-tint: $foreground 5%; }
        }
        & > .virtual-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .virtual-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("up", "cursor_up", "Up", show=False, id="table.up"),
        Binding("down", "cursor_down", "Down", show=False, id="table.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("home,ctrl+home", "first_row", "First row", show=False, id="table.first"),
        Binding("end,ctrl+end", "last_row", "Last row", show=False, id="table.last"),
    ]

    columns_shown: ClassVar[tuple[str, ...]] = ()

    cursor_row: var[int] = var(0, init=False, always_update=True)
    """The row under the cursor (an index into the shown order)."""

    class HeaderSelected(Message):
        """A column header was clicked."""

        def __init__(self, column_index: int) -> None:
            super().__init__()
            self.column_index = column_index

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.widths: list[int] = [cell_len(name) for name in self.columns_shown]

    # -- the model a subclass provides ----------------------------------------------------
    @property
    def row_count(self) -> int:
        """How many rows are shown."""
        raise TypeError(f"{type(self).__name__} must override row_count")

    def row_key_at(self, index: int) -> str:
        """The key of the row at `index`."""
        raise TypeError(f"{type(self).__name__} must override row_key_at")

    def row_cells_at(self, index: int) -> list[Text]:
        """The styled cells of the row at `index` (called for rows on screen only)."""
        raise TypeError(f"{type(self).__name__} must override row_cells_at")

    def cursor_moved(self) -> None:
        """The cursor is on another row (subclasses report the object under it)."""

    # -- widths and size ------------------------------------------------------------------
    def reset_widths(self) -> None:
        """Columns as wide as their headers (before a rebuild)."""
        self.widths = [cell_len(name) for name in self.columns_shown]

    def grow_widths(self, cells: list[str]) -> None:
        """Widen columns to fit these cells."""
        widths = self.widths
        for index, cell in enumerate(cells[:len(widths)]):
            width = len(cell) if cell.isascii() else cell_len(cell)
            if width > widths[index]:
                widths[index] = width

    def rows_changed(self) -> None:
        """The rows or their order changed: resize, keep the cursor in range, redraw."""
        width = sum(w + 2 * CELL_PADDING for w in self.widths)
        self.virtual_size = Size(width, self.row_count + 1)
        if self.cursor_row >= self.row_count:
            self.cursor_row = max(0, self.row_count - 1)
        self.refresh()

    @property
    def visible_rows(self) -> int:
        """Rows that fit under the header."""
        return max(1, self.scrollable_content_region.height - 1)

    def visible_range(self) -> range:
        """Indices of the rows on screen."""
        start = int(self.scroll_offset.y)
        return range(start, min(self.row_count, start + self.visible_rows + 1))

    # -- cursor ---------------------------------------------------------------------------
    def move_cursor(self, *, row: int, scroll: bool = True) -> None:
        """Put the cursor on a row (clamped) and scroll it into view."""
        row = max(0, min(row, self.row_count - 1))
        self.cursor_row = row
        if scroll:
            self.scroll_to_cursor()

    def scroll_to_cursor(self) -> None:
        """Scroll just enough for the cursor row to be on screen."""
        top = int(self.scroll_offset.y)
        row = self.cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + self.visible_rows:
            self.scroll_to(y=row - self.visible_rows + 1, animate=False, immediate=True)

    def watch_cursor_row(self, old: int, new: int) -> None:
        # only the two rows whose look changed are drawn again (a scroll redraws the rest)
        self.refresh_line(old + 1)
        self.refresh_line(new + 1)
        self.cursor_moved()

    def action_cursor_up(self) -> None:
        """One row up."""
        self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        """One row down."""
        self.move_cursor(row=self.cursor_row + 1)

    def action_page_up(self) -> None:
        """A screenful up."""
        self.move_cursor(row=self.cursor_row - self.visible_rows)

    def action_page_down(self) -> None:
        """A screenful down."""
        self.move_cursor(row=self.cursor_row + self.visible_rows)

    def action_first_row(self) -> None:
        """The first row."""
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        """The last row."""
        self.move_cursor(row=self.row_count - 1)

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            x = offset.x + int(self.scroll_offset.x)
            for index, width in enumerate(self.widths):
                x -= width + 2 * CELL_PADDING
                if x < 0:
                    self.post_message(self.HeaderSelected(index))
                    return
            return
        row = int(self.scroll_offset.y) + offset.y - 1
        if 0 <= row < self.row_count:
            self.move_cursor(row=row)

    def prepare_rows(self, rows: range) -> None:
        """Get these rows ready to draw (a subclass formats them and grows `widths`)."""

    # -- drawing --------------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        widths = list(self.widths)
        self.prepare_rows(self.visible_range())
        if self.widths != widths:  # the rows now on screen need wider columns: all lines
            self.rows_changed()  # are drawn again with them
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("virtual-table--header")
            cells = [Text(name) for name in self.columns_shown]
        else:
            row = int(self.scroll_offset.y) + y - 1
            if row >= self.row_count:
                return Strip.blank(width, base)
            style = base
            if row == self.cursor_row:
                style = base + self.get_component_rich_style("virtual-table--cursor")
            cells = self.row_cells_at(row)
        return self._line(cells, style, width)

    def _line(self, cells: list[Text], style: Style, width: int) -> Strip:
        pad = " " * CELL_PADDING
        segments = []
        for index, column_width in enumerate(self.widths):
            cell = cells[index] if index < len(cells) else Text("")
            plain = cell.plain
            if cell_len(plain) > column_width:
                plain = set_cell_size(plain, max(0, column_width - 1)) + "…"
            else:
                plain = set_cell_size(plain, column_width)
            own = cell.style
            if isinstance(own, str):
                own = _parsed(own) if own else None
            cell_style = style + own if own else style
            segments.append(Segment(pad + plain + pad, cell_style))
        strip = Strip(segments)
        return strip.crop_extend(int(self.scroll_offset.x),
                                 int(self.scroll_offset.x) + width, style)
