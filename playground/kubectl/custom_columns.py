"""`-o custom-columns=NAME:.metadata.name,...` and `-o custom-columns-file=<file>`.

A column is a header (printed as written, not upper-cased) and a relaxed JSONPath
(`.metadata.name`, `{.spec.replicas}`, `metadata.name`). A cell joins every value its path
yields with commas (each printed as Go's `%v` prints it), or shows `<none>` when the path yields
nothing. The header line prints even when there are no objects, as kubectl's printer does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from playground.kubectl.jsonpath import (
    JSONPathError,
    Template,
    compile_template,
    go_value,
    relaxed,
)
from playground.kubectl.table import tabwrite


class CustomColumnsError(Exception):
    """A column spec kubectl refuses; the text is kubectl's."""


@dataclass(frozen=True)
class CustomColumn:
    """One column: its header and the template that fills its cells."""

    header: str
    template: Template


def _column(header: str, path: str) -> CustomColumn:
    try:
        return CustomColumn(header, compile_template(relaxed(path)))
    except JSONPathError as exc:
        raise CustomColumnsError(f"error: {exc}") from exc


def parse_spec(spec: str) -> list[CustomColumn]:
    """Columns from `HEADER:path,HEADER:path`."""
    if not spec:
        raise CustomColumnsError("error: custom-columns format specified but no custom columns "
                                 "given")
    columns = []
    for part in spec.split(","):
        header, colon, path = part.partition(":")
        if not colon:
            raise CustomColumnsError(f"error: unexpected custom-columns spec: {part}, expected "
                                     "<header>:<json-path-expr>")
        columns.append(_column(header, path))
    return columns


def parse_template_file(text: str) -> list[CustomColumn]:
    """Columns from a custom-columns file: a line of headers, then a line of paths."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) != 2:
        raise CustomColumnsError(f"error: invalid template, expected two lines in the template, "
                                 f"saw {len(lines)}")
    headers, paths = lines[0].split(), lines[1].split()
    if len(headers) != len(paths):
        raise CustomColumnsError(f"error: number of headers ({len(headers)}) and field "
                                 f"specifications ({len(paths)}) don't match")
    return [_column(h, p) for h, p in zip(headers, paths, strict=True)]


def cell(column: CustomColumn, obj: Mapping[str, Any]) -> str:
    """One cell: the path's values joined with commas, or `<none>`."""
    groups = column.template.results(dict(obj))
    if not groups or not groups[0]:
        return "<none>"
    return ",".join(go_value(value) for values in groups for value in values)


def render(columns: list[CustomColumn], objects: Iterable[Mapping[str, Any]],
           no_headers: bool = False) -> str:
    """The aligned text kubectl prints for these objects."""
    lines = [] if no_headers else ["\t".join(c.header for c in columns)]
    lines += ["\t".join(cell(c, obj) for c in columns) for obj in objects]
    if not lines:
        return ""
    return tabwrite("\n".join(lines) + "\n")
