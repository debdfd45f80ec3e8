"""Tables as `kubectl get` lays them out, character for character.

A printer first builds a `Table`: column definitions (priority 1 marks `-o wide` columns,
format `name` marks the column that gets a `kind/` prefix) and rows that keep the object they
came from, so the TUI can show the same rows as widgets. `format_table` then turns a table into
text exactly as kubectl's table printer does: upper-cased headers, no header when there are no
rows, cells cut at the first line break with `...`, and Go's `text/tabwriter` as kubectl
configures it (minimum cell width 6, padding 3, pad with spaces, last cell of a line unpadded).

`tabwrite` is that tabwriter on its own, for other aligned output (`kubectl top` ends its
lines with a tab, which is why those lines carry trailing spaces).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Cell = str | int | bool | None

TABWRITER_MIN_WIDTH = 6
TABWRITER_PADDING = 3

_CELL_BREAK_CHARS = "\f\n\r"


@dataclass(frozen=True)
class Column:
    """One column definition; priority 1 columns show only with `-o wide`."""

    name: str
    priority: int = 0
    format: str = ""

    @property
    def header(self) -> str:
        """The header text kubectl prints: the name upper-cased."""
        return self.name.upper()


@dataclass
class Row:
    """The cells of one object, and the object itself."""

    cells: list[Cell]
    object: dict[str, Any] = field(default_factory=dict)


@dataclass
class Table:
    """Columns and rows, before any text layout."""

    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    kind_prefix: str = ""
    """`kind.group` of the type the rows show (`deployment.apps`), when the table knows it."""

    def visible_columns(self, wide: bool) -> list[int]:
        """Indexes of the columns shown with or without `-o wide`."""
        return [i for i, c in enumerate(self.columns) if wide or c.priority == 0]


def format_labels(labels: Mapping[str, str] | None) -> str:
    """apimachinery `labels.FormatLabels`: `app=web,tier=fe` sorted by key, or `<none>`."""
    if not labels:
        return "<none>"
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels))


def cell_text(cell: Cell) -> str:
    """A cell value as Go's fmt prints it: nil empty, booleans `true`/`false`."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    return str(cell)


def _sanitize(text: str) -> str:
    """Cut at the first line break (adding `...`) and make escape characters visible."""
    cut = min((i for i in (text.find(ch) for ch in _CELL_BREAK_CHARS) if i >= 0), default=-1)
    if cut >= 0:
        text = text[:cut] + "..."
    return text.replace("\x1b", "^[")


def kind_prefix(obj: Mapping[str, Any]) -> str:
    """The `kind.group` prefix kubectl puts before names when several kinds print together."""
    kind = str(obj.get("kind", "")).lower()
    api_version = str(obj.get("apiVersion", ""))
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    return f"{kind}.{group}" if group else kind


def format_table(
    table: Table,
    wide: bool = False,
    no_headers: bool = False,
    show_kind_prefix: bool | str | None = None,
) -> str:
    """The text kubectl prints for one table; empty when the table has no rows.

    `show_kind_prefix` True prefixes the name column with the table's `kind.group/` (or, when
    the table does not know its type, each row object's); a string is used as the prefix for
    every row (`deployment.apps`)."""
    if not table.rows:
        return ""
    visible = table.visible_columns(wide)
    name_column = next(
        (i for i, c in enumerate(table.columns) if c.format == "name"), -1
    ) if show_kind_prefix else -1
    lines: list[str] = []
    if not no_headers:
        lines.append("\t".join(table.columns[i].header for i in visible))
    for row in table.rows:
        texts: list[str] = []
        for i in visible:
            text = cell_text(row.cells[i]) if i < len(row.cells) else ""
            if i == name_column:
                if isinstance(show_kind_prefix, str):
                    prefix = show_kind_prefix
                else:
                    prefix = table.kind_prefix or kind_prefix(row.object)
                if prefix:
                    text = f"{prefix}/{text}"
            texts.append(_sanitize(text))
        lines.append("\t".join(texts))
    return tabwrite("\n".join(lines) + "\n")


def format_tables(
    tables: Iterable[Table],
    wide: bool = False,
    no_headers: bool = False,
    show_kind_prefix: bool | str | None = None,
) -> str:
    """Several tables one after another, as `kubectl get all` prints them: each laid out on
    its own, one blank line between tables that printed something (none with no headers)."""
    out: list[str] = []
    for table in tables:
        text = format_table(table, wide=wide, no_headers=no_headers,
                            show_kind_prefix=show_kind_prefix)
        if not text:
            continue
        if out and not no_headers:
            out.append("\n")
        out.append(text)
    return "".join(out)


def tabwrite(
    text: str,
    min_width: int = TABWRITER_MIN_WIDTH,
    padding: int = TABWRITER_PADDING,
) -> str:
    """Go's `text/tabwriter` (left-aligned, space padding, no flags) applied to `text`.

    Cells are tab-terminated; the text after a line's last tab is not part of any column.
    A column block is a run of consecutive lines that have a cell in that column; its width
    is the widest such cell plus padding, never less than `min_width`."""
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []
    _format(lines, out, [], 0, len(lines), min_width, padding)
    return "\n".join(out)


def _format(
    lines: Sequence[list[str]],
    out: list[str],
    widths: list[int],
    line0: int,
    line1: int,
    min_width: int,
    padding: int,
) -> None:
    column = len(widths)
    this = line0
    while this < line1:
        if column >= len(lines[this]) - 1:
            this += 1
            continue
        _write_lines(lines, out, widths, line0, this)
        line0 = this
        width = min_width
        while this < line1 and column < len(lines[this]) - 1:
            width = max(width, len(lines[this][column]) + padding)
            this += 1
        widths.append(width)
        _format(lines, out, widths, line0, this, min_width, padding)
        widths.pop()
        line0 = this
    _write_lines(lines, out, widths, line0, line1)


def _write_lines(
    lines: Sequence[list[str]], out: list[str], widths: list[int], line0: int, line1: int
) -> None:
    for cells in lines[line0:line1]:
        parts: list[str] = []
        for j, cell in enumerate(cells):
            parts.append(cell)
            if j < len(widths):
                parts.append(" " * (widths[j] - len(cell)))
        out.append("".join(parts))
