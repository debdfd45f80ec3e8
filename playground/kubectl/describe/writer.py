"""kubectl's describe layout: a prefix writer over one Go tabwriter (padding 2, no minimum).

Every describer in kubectl writes lines such as `Name:\tweb\n` at an indentation level (two
spaces a level) into a single `text/tabwriter`, so consecutive lines that carry a tab share a
column width. `PrefixWriter` collects those writes and `text()` lays them out; the helpers
below are the shared pieces (labels, annotations, taints, tolerations, timestamps and
quantities) that several describers print the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from playground.engine.api.quantity import QuantityError, parse_quantity
from playground.kubectl.duration import parse_timestamp
from playground.kubectl.table import tabwrite

DESCRIBE_PADDING = 2
MAX_ANNOTATION_LENGTH = 140
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Obj = Mapping[str, Any]


class PrefixWriter:
    """Collects indented, tab-separated writes; `text()` aligns them as kubectl does."""

    def __init__(self, indent: int = 0, parent: PrefixWriter | None = None) -> None:
        self._parts: list[str] = [] if parent is None else parent._parts
        self._indent = indent

    def write(self, level: int, text: str) -> None:
        """Text prefixed by two spaces per level (the prefix goes before the text only)."""
        self._parts.append("  " * (level + self._indent) + text)

    def line(self, text: str = "") -> None:
        """Text and a newline with no indentation (Go's `WriteLine`)."""
        self._parts.append(("  " * self._indent if self._indent else "") + text + "\n")

    def nested(self, indent: int) -> PrefixWriter:
        """A writer into the same output whose levels start `indent` deeper."""
        return PrefixWriter(self._indent + indent, self)

    def text(self) -> str:
        """The aligned output."""
        return tabwrite("".join(self._parts), min_width=0, padding=DESCRIBE_PADDING)


def rfc1123(timestamp: str | None) -> str:
    """An API timestamp as Go's RFC1123Z (`Fri, 27 Nov 2026 01:16:01 +0000`); Go's zero time
    when missing."""
    if not timestamp:
        return "Mon, 01 Jan 0001 00:00:00 +0000"
    return format_rfc1123(parse_timestamp(timestamp))


def format_rfc1123(moment: datetime) -> str:
    """A datetime as Go's RFC1123Z."""
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return (f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} "
            f"{moment.year:04d} {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} "
            f"{sign}{minutes // 60:02d}{minutes % 60:02d}")


def labels_multiline(w: PrefixWriter, title: str, labels: Mapping[str, str] | None,
                     initial_indent: str = "") -> None:
    """`Labels:` with one `key=value` a line, sorted, aligned under the first; `<none>`."""
    w.write(0, f"{initial_indent}{title}:\t")
    if not labels:
        w.line("<none>")
        return
    for i, key in enumerate(sorted(labels)):
        if i:
            w.write(0, f"{initial_indent}\t")
        w.write(0, f"{key}={labels[key]}\n")


def annotations_multiline(w: PrefixWriter, title: str,
                          annotations: Mapping[str, str] | None) -> None:
    """`Annotations:` as `key: value` lines; long or multi-line values go under their key."""
    w.write(0, f"{title}:\t")
    keys = sorted(k for k in (annotations or {}) if k != LAST_APPLIED)
    if not keys:
        w.line("<none>")
        return
    assert annotations is not None
    for i, key in enumerate(keys):
        if i:
            w.write(0, "\t")
        value = str(annotations[key]).removesuffix("\n")
        if len(value) + len(key) + 2 > MAX_ANNOTATION_LENGTH or "\n" in value:
            w.write(0, f"{key}:\n")
            for part in value.split("\n"):
                limit = MAX_ANNOTATION_LENGTH - 2
                shown = part[:limit] + "..." if len(part) > limit else part
                w.write(0, f"\t  {shown}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def taint_text(taint: Obj) -> str:
    """`key=value:Effect` (value and effect only when set)."""
    text = str(taint.get("key", ""))
    if taint.get("value"):
        text += f"={taint['value']}"
    if taint.get("effect"):
        text += f":{taint['effect']}"
    return text


def taints_multiline(w: PrefixWriter, title: str, taints: Sequence[Obj] | None) -> None:
    """`Taints:` sorted by effect then key."""
    w.write(0, f"{title}:\t")
    if not taints:
        w.line("<none>")
        return
    ordered = sorted(taints, key=lambda t: f"{t.get('effect', '')},{t.get('key', '')}")
    for i, taint in enumerate(ordered):
        if i:
            w.write(0, "\t")
        w.write(0, taint_text(taint) + "\n")


def tolerations_multiline(w: PrefixWriter, title: str, tolerations: Sequence[Obj] | None,
                          initial_indent: str = "") -> None:
    """`Tolerations:` as `key=value:Effect op=Exists for 300s`, sorted by key."""
    w.write(0, f"{initial_indent}{title}:\t")
    if not tolerations:
        w.line("<none>")
        return
    for i, tol in enumerate(sorted(tolerations, key=lambda t: str(t.get("key", "")))):
        if i:
            w.write(0, f"{initial_indent}\t")
        text = str(tol.get("key", ""))
        if tol.get("value"):
            text += f"={tol['value']}"
        if tol.get("effect"):
            text += f":{tol['effect']}"
        if tol.get("operator") == "Exists" and not tol.get("value"):
            text += " op=Exists" if (tol.get("key") or tol.get("effect")) else "op=Exists"
        if tol.get("tolerationSeconds") is not None:
            text += f" for {tol['tolerationSeconds']}s"
        w.write(0, text + "\n")


def format_labels(labels: Mapping[str, str] | None) -> str:
    """`a=b,c=d` sorted, or `<none>`."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def format_selector(selector: Obj | None) -> str:
    """metav1.FormatLabelSelector: `app=web,tier in (a,b)`; `<none>` for an empty one."""
    if selector is None:
        return "<none>"
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        op = str(expr.get("operator", ""))
        values = sorted(str(v) for v in expr.get("values") or [])
        key = expr.get("key", "")
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(str(key))
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts) if parts else "<none>"


def selector_string(selector: Obj | None) -> str:
    """labels.Selector.String() of a LabelSelector: requirements sorted by key, empty when
    it selects everything."""
    if not selector:
        return ""
    reqs: list[tuple[str, str]] = []
    for k, v in (selector.get("matchLabels") or {}).items():
        reqs.append((k, f"{k}={v}"))
    for expr in selector.get("matchExpressions") or []:
        key = str(expr.get("key", ""))
        values = ",".join(sorted(str(v) for v in expr.get("values") or []))
        text = {"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})",
                "Exists": key, "DoesNotExist": f"!{key}"}.get(str(expr.get("operator")), key)
        reqs.append((key, text))
    return ",".join(text for _, text in sorted(reqs, key=lambda r: r[0]))


_DECIMAL_SUFFIXES = ((18, "E"), (15, "P"), (12, "T"), (9, "G"), (6, "M"), (3, "k"), (0, ""),
                     (-3, "m"), (-6, "u"), (-9, "n"))
_BINARY_SUFFIXES = ((60, "Ei"), (50, "Pi"), (40, "Ti"), (30, "Gi"), (20, "Mi"), (10, "Ki"))


def quantity_format(text: object) -> str:
    """`BinarySI` for `Ki`…`Ei` quantities, else `DecimalSI`."""
    s = str(text)
    return "BinarySI" if s[-2:] in {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"} else "DecimalSI"


def canonical_quantity(value: object, fmt: str | None = None) -> str:
    """resource.Quantity.String(): the canonical form (`8388608Ki` → `8Gi`, `1000m` → `1`)."""
    try:
        amount = parse_quantity(value if isinstance(value, str | int | float) else str(value))
    except QuantityError:
        return str(value)
    return format_quantity(amount, fmt or quantity_format(value))


def format_quantity(amount: Any, fmt: str = "DecimalSI") -> str:
    """A numeric amount in Kubernetes' canonical quantity form for a format."""
    from fractions import Fraction

    amount = Fraction(amount)
    if amount == 0:
        return "0"
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if fmt == "BinarySI" and amount.denominator == 1 and amount >= 1024:
        for shift, suffix in _BINARY_SUFFIXES:
            if amount.numerator % (1 << shift) == 0:
                return f"{sign}{amount.numerator >> shift}{suffix}"
    if fmt == "BinarySI" and amount.denominator == 1:
        return f"{sign}{amount.numerator}"
    for exponent, suffix in _DECIMAL_SUFFIXES:
        scaled = amount / Fraction(10) ** exponent
        if scaled.denominator == 1:
            return f"{sign}{scaled.numerator}{suffix}"
    # below a nano: kubectl rounds up to whole nanos
    import math
    return f"{sign}{math.ceil(amount * 10**9)}n"
