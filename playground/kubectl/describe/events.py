"""The `Events:` section every describer ends with, and the search that fills it.

kubectl asks for events whose involvedObject names the described object (by name, namespace,
kind and uid), sorts them by last timestamp, oldest first, and prints Type, Reason, Age
(`10m (x8 over 10m)` for repeated events), From (source component) and the message, prefixed
with the field path (`spec.containers{nginx}: `) since 1.35.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from playground.engine.cluster import Cluster
from playground.kubectl.describe.writer import Obj, PrefixWriter
from playground.kubectl.duration import parse_timestamp, translate_timestamp_since


def events_for(cluster: Cluster, obj: Obj, *, kind: str | None = None,
               extra_uids: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Events about one object (kubectl's field-selector search), in server order."""
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace") or ""
    uids = {meta.get("uid"), *extra_uids}
    found: list[dict[str, Any]] = []
    for event in cluster.api.list("events", namespace or None):
        involved = event.get("involvedObject") or {}
        if (event.get("metadata") or {}).get("namespace", "") != namespace and namespace:
            continue
        if involved.get("name") != meta.get("name"):
            continue
        if kind is not None and involved.get("kind") != kind:
            continue
        if involved.get("uid") and involved.get("uid") not in uids:
            continue
        found.append(event)
    return found


def _last_seen(event: Obj) -> datetime:
    # kubectl sorts on lastTimestamp alone; events without one (zero time) come first
    stamp = event.get("lastTimestamp")
    return parse_timestamp(stamp) if stamp else datetime.min.replace(tzinfo=UTC)


def describe_events(w: PrefixWriter, events: list[dict[str, Any]], now: datetime) -> None:
    """`Events:  <none>` or the events table."""
    if not events:
        w.write(0, "Events:\t<none>\n")
        return
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    for event in sorted(events, key=_last_seen):
        if event.get("eventTime"):
            first = translate_timestamp_since(event["eventTime"], now)
        else:
            first = translate_timestamp_since(event.get("firstTimestamp"), now)
        series = event.get("series")
        count = int(event.get("count") or 0)
        if series:
            age = (f"{translate_timestamp_since(series.get('lastObservedTime'), now)} "
                   f"(x{series.get('count', 0)} over {first})")
        elif count > 1:
            age = (f"{translate_timestamp_since(event.get('lastTimestamp'), now)} "
                   f"(x{count} over {first})")
        else:
            age = first
        source = (event.get("source") or {}).get("component") or \
            event.get("reportingComponent") or ""
        message = str(event.get("message", "")).strip()
        field_path = (event.get("involvedObject") or {}).get("fieldPath")
        if field_path:
            message = f"{field_path}: {message}"
        w.write(1, f"{event.get('type', '')}\t{event.get('reason', '')}\t{age}\t{source}\t"
                   f"{message}\n")
