"""kubectl's generic describer, used for kinds without a dedicated one (Events, Leases,
Ingresses…): name, namespace, labels, annotations, then every other field of the object,
sorted, with camel-case keys turned into words (`apiVersion` → `API Version`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from playground.engine.cluster import Cluster
from playground.kubectl.describe.events import describe_events, events_for
from playground.kubectl.describe.writer import (
    Obj,
    PrefixWriter,
    annotations_multiline,
    labels_multiline,
)

_SKIP = {".metadata.managedFields", ".metadata.name", ".metadata.namespace",
         ".metadata.labels", ".metadata.annotations"}
_ACRONYMS = {"API", "URL", "UID", "GUID"}


def _camel_split(text: str) -> list[str]:
    runs: list[tuple[list[str], int]] = []
    for ch in text:
        kind = 1 if ch.islower() else 2 if ch.isupper() else 3 if ch.isdigit() else 4
        if runs and runs[-1][1] == kind:
            runs[-1][0].append(ch)
        else:
            runs.append(([ch], kind))
    for i in range(len(runs) - 1):
        if runs[i][1] == 2 and runs[i + 1][1] == 1 and runs[i][0]:
            runs[i + 1][0].insert(0, runs[i][0].pop())
    return ["".join(chars) for chars, _ in runs if chars]


def smart_label(field: str) -> str:
    """A field name as words: `creationTimestamp` → `Creation Timestamp`, `uid` → `UID`."""
    if any(not (ch.isalpha() or ch == "-") for ch in field):
        return field
    parts = _camel_split(field)
    merged: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        if (i < len(parts) - 1 and len(part) >= 2 and part.isupper()
                and parts[i + 1][:1].isupper()):
            merged.append(part + parts[i + 1])
            i += 2
            continue
        merged.append(part)
        i += 1
    words = []
    for part in merged:
        if part == "_":
            continue
        if part.upper() in _ACRONYMS:
            part = part.upper()
        elif part.lower() == part:
            part = part[:1].upper() + part[1:]
        words.append(part)
    return " ".join(words)


def _go_value(value: Any) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    return str(value)


def print_content(w: PrefixWriter, level: int, content: Obj, prefix: str) -> None:
    """Every field of a JSON object, sorted, nested objects and lists indented."""
    for field in sorted(content):
        value = content[field]
        path = f"{prefix}.{field}"
        if path in _SKIP:
            continue
        if isinstance(value, dict):
            w.write(level, f"{smart_label(field)}:\n")
            print_content(w, level + 1, value, path)
        elif isinstance(value, list):
            w.write(level, f"{smart_label(field)}:\n")
            for item in value:
                if isinstance(item, dict):
                    print_content(w, level + 1, item, path)
                else:
                    w.write(level + 1, f"{_go_value(item)}\n")
        else:
            w.write(level, f"{smart_label(field)}:\t{_go_value(value)}\n")


def describe_generic(cluster: Cluster, obj: Obj, show_events: bool, now: datetime) -> str:
    """The generic describer's text."""
    meta = obj.get("metadata") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    print_content(w, 0, obj, "")
    if show_events:
        describe_events(w, events_for(cluster, obj, kind=str(obj.get("kind", ""))), now)
    return w.text()
