"""`--sort-by`: ordering objects by a JSONPath field the way kubectl's sorter does.

The field is a relaxed JSONPath (`.metadata.creationTimestamp`, `{.status.phase}`); each
object is ranked by the first value the path yields. Numbers compare as numbers; strings that
are both resource quantities (`500m`, `1Gi`, `2`) compare by value, other strings in natural
order (`web-2` before `web-10`); objects without the field come first. When no object has the
field at all, kubectl refuses: `couldn't find any field with path "{.x}" in the list of objects`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, TypeVar

from playground.engine.api.quantity import QuantityError, parse_quantity
from playground.kubectl.jsonpath import JSONPathError, compile_template, go_type, relaxed

T = TypeVar("T")

_DIGITS = re.compile(r"\d+|\D+")
_SAFE_EXPONENT = re.compile(r"[eE][+-]?\d{3,}$")


class SortError(Exception):
    """A `--sort-by` kubectl cannot honour; the text is what it prints."""


def natural_less(a: str, b: str) -> bool:
    """Natural string order: runs of digits compare as numbers (`a2` < `a10`)."""
    return _natural_cmp(a, b) < 0


def _natural_cmp(a: str, b: str) -> int:
    parts_a, parts_b = _DIGITS.findall(a), _DIGITS.findall(b)
    for x, y in zip(parts_a, parts_b, strict=False):
        if x.isdigit() and y.isdigit():
            vx, vy = int(x), int(y)
            if vx != vy:
                return -1 if vx < vy else 1
            if len(x) != len(y):
                return -1 if len(x) < len(y) else 1
        elif x != y:
            return -1 if x < y else 1
    return (len(parts_a) > len(parts_b)) - (len(parts_a) < len(parts_b))


def _quantity(text: str) -> Fraction | None:
    if _SAFE_EXPONENT.search(text):
        return None
    try:
        return parse_quantity(text)
    except (QuantityError, ValueError, ZeroDivisionError):
        return None


def compare(a: Any, b: Any) -> int:
    """-1, 0 or 1: kubectl's ordering of two field values."""
    if isinstance(a, bool) and isinstance(b, bool):
        return (a > b) - (a < b)
    numeric = (int, float)
    if isinstance(a, numeric) and isinstance(b, numeric) and \
            not isinstance(a, bool) and not isinstance(b, bool):
        return (a > b) - (a < b)
    if isinstance(a, str) and isinstance(b, str):
        qa, qb = _quantity(a), _quantity(b)
        if qa is not None and qb is not None:
            return (qa > qb) - (qa < qb)
        return _natural_cmp(a, b)
    if a is None or b is None:
        return (a is not None) - (b is not None)
    kinds = {go_type(a), go_type(b)}
    if kinds & {"map[string]interface {}", "[]interface {}"}:
        kind = "map" if "map[string]interface {}" in kinds else "slice"
        raise SortError(f"unsortable type: {kind}")
    return _natural_cmp(str(a), str(b))


def sort_objects(objects: Sequence[T], field: str, obj_of: Any = None) -> list[T]:
    """`objects` ordered by `field` (stable); `obj_of` maps an item to its object dict."""
    if len(objects) <= 1:
        return list(objects)
    try:
        template = compile_template(relaxed(field))
    except JSONPathError as exc:
        raise SortError(f"error: {exc}") from exc
    keyed: list[tuple[list[Any], T]] = []
    for item in objects:
        obj: Mapping[str, Any] = obj_of(item) if obj_of else item  # type: ignore[assignment]
        try:
            groups = template.results(dict(obj))
        except JSONPathError as exc:
            raise SortError(f"error: {exc}") from exc
        keyed.append((groups[0] if groups else [], item))
    if not any(values for values, _ in keyed):
        raise SortError(f"error: couldn't find any field with path \"{relaxed(field)}\" in the "
                        "list of objects")

    def cmp(x: tuple[list[Any], T], y: tuple[list[Any], T]) -> int:
        if not x[0]:
            return 0 if not y[0] else -1
        if not y[0]:
            return 1
        try:
            return compare(x[0][0], y[0][0])
        except SortError as exc:
            raise SortError(f"error: field \"{relaxed(field)}\" has an {exc}") from exc

    return [item for _, item in sorted(keyed, key=functools.cmp_to_key(cmp))]
