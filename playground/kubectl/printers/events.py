"""The events table: LAST SEEN, TYPE, REASON, OBJECT (`pod/web-x`), MESSAGE.

LAST SEEN falls back to the first sighting and then to `eventTime` (events written through the
events.k8s.io API carry only that); an event series reports its own last observation and
count. `-o wide` adds SUBOBJECT (the field path), SOURCE (`kubelet, worker-1`), FIRST SEEN,
COUNT and the event's NAME. Rows keep the server's order.
"""

from __future__ import annotations

from datetime import datetime

from playground.kubectl.duration import translate_timestamp_since
from playground.kubectl.printers.common import Obj, Printer, integer, name
from playground.kubectl.table import Cell, Column


def event_object(event: Obj) -> str:
    """The OBJECT cell: lower-case kind and name of the involved object."""
    involved = event.get("involvedObject") or {}
    kind = str(involved.get("kind", "")).lower()
    return f"{kind}/{involved['name']}" if involved.get("name") else kind


def event_source(event: Obj) -> str:
    """The SOURCE cell: component (or reporting controller), then host (or instance)."""
    source = event.get("source") or {}
    component = source.get("component") or event.get("reportingComponent") or ""
    host = source.get("host") or event.get("reportingInstance") or ""
    return f"{component}, {host}" if host else str(component)


def _event_row(event: Obj, now: datetime) -> list[Cell]:
    if event.get("firstTimestamp"):
        first_seen = translate_timestamp_since(event["firstTimestamp"], now)
    else:
        first_seen = translate_timestamp_since(event.get("eventTime"), now)
    last_seen = (translate_timestamp_since(event["lastTimestamp"], now)
                 if event.get("lastTimestamp") else first_seen)
    count = integer(event.get("count"))
    series = event.get("series")
    if series is not None:
        last_seen = translate_timestamp_since(series.get("lastObservedTime"), now)
        count = integer(series.get("count"))
    elif count == 0:
        count = 1
    involved = event.get("involvedObject") or {}
    return [
        last_seen, str(event.get("type", "")), str(event.get("reason", "")), event_object(event),
        str(involved.get("fieldPath", "")), event_source(event),
        str(event.get("message", "")).strip(), first_seen, count, name(event),
    ]


PRINTERS: dict[str, Printer] = {
    "events": Printer(
        (Column("LAST SEEN"), Column("TYPE"), Column("REASON"), Column("OBJECT"),
         Column("SUBOBJECT", 1), Column("SOURCE", 1), Column("MESSAGE"),
         Column("FIRST SEEN", 1), Column("COUNT", 1), Column("NAME", 1, format="name")),
        _event_row,
    ),
}
