"""The event recorder: what every component uses to tell people what it did.

Events are core/v1 `Event` objects, written like client-go's recorder writes them: named
`<object>.<hex nanoseconds>`, with `source.component` (and `source.host` for kubelets),
`involvedObject` (with `fieldPath` such as `spec.containers{nginx}` for container events),
`firstTimestamp`/`lastTimestamp`/`count`.

Aggregation follows client-go's EventCorrelator: an identical event (same source, object,
type, reason, message) bumps `count` and `lastTimestamp` on the existing Event. Events that
differ only in message are "similar": once 10 distinct messages have been seen for one object
and reason, with no gap of more than 10 minutes between them, each further new message is
folded into one Event whose message starts `(combined from similar events): `. Repeats of an
identical event never count towards that limit. Events expire one hour after their last
occurrence, like the API server's event TTL.

Events are most of a busy cluster's objects (five or six per pod), so the recorder keeps them
small without changing a byte of what they say: Events from one component on one host share
one `source` dict, Events about one object at one resourceVersion and fieldPath (a
container's Pulled, Created, Started) share one `involvedObject`, and repeated messages are
one string. Stored objects are read-only, so sharing is safe (see `store`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from playground.engine.clock import Clock
from playground.engine.store import Actor, Obj, Store

EVENT_TTL = 3600.0
AGGREGATE_WINDOW = 600.0
AGGREGATE_MAX = 10
COMBINED_PREFIX = "(combined from similar events): "
TTL_TIMER = "event-ttl"
SHARED_LIMIT = 4096

NORMAL, WARNING = "Normal", "Warning"

_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class EventRecorder:
    """Writes and aggregates Events in the store."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        # (similar-event key, message) -> (namespace, name) of the Event counting it
        self._identical: dict[tuple[Any, ...], tuple[str, str]] | None = None
        # similar-event key -> (distinct messages seen: the one message itself while there
        # is only one, a set after that; virtual time of the last one). Entries older than
        # the aggregation window count as absent and are swept now and then.
        self._similar: dict[tuple[Any, ...], tuple[str | set[str], float]] = {}
        self._sweep_similar_at = SHARED_LIMIT
        self._aggregate: dict[tuple[Any, ...], tuple[str, str]] = {}
        self._serial = 0
        self._sources: dict[tuple[str, str], dict[str, str]] = {}
        self._involved: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._strings: dict[str, str] = {}
        clock.register(TTL_TIMER, self._expire)

    def _index(self) -> dict[tuple[Any, ...], tuple[str, str]]:
        if self._identical is None:
            self._identical = {}
            for event in self.store.iter("events"):
                where = (event["metadata"]["namespace"], event["metadata"]["name"])
                self._identical[_identity(event)] = where
        return self._identical

    def record(self, obj: Obj, type_: str, reason: str, message: str, component: str, *,
               host: str = "", field_path: str = "", actor: Actor | None = None) -> Obj:
        """Record one occurrence; returns the Event object as stored."""
        meta = obj["metadata"]
        involved = self._involved_object(obj, field_path)
        source = self._sources.get((component, host))
        if source is None:
            source = {"component": component}
            if host:
                source["host"] = host
            self._sources[(component, host)] = source
        message = self._strings.setdefault(message, message)
        if len(self._strings) > SHARED_LIMIT:
            self._strings.clear()
        writer = actor or Actor("controller" if not host else "kubelet", host or component)
        now = self.clock.now
        similar_key = (component, host, involved["uid"], involved.get("fieldPath", ""), type_,
                       reason)
        messages = self._seen(similar_key, message, now)
        identity = (similar_key, message)
        if type(messages) is set and len(messages) >= AGGREGATE_MAX:
            # keep the set below the limit (client-go pops one); dropping the newest keeps
            # the first nine messages counting on their own Events, deterministically
            messages.discard(message)
            message = COMBINED_PREFIX + message
            identity = (similar_key, "<combined>")
            existing = self._aggregate.get(similar_key)
            if existing is not None and self.store.get("events", *existing) is not None:
                return self._bump(existing, message, writer)
        existing = self._index().get(identity)
        if existing is not None and self.store.get("events", *existing) is not None:
            return self._bump(existing, message, writer)
        namespace = meta.get("namespace") or "default"
        self._serial += 1
        # client-go names an Event after the UnixNano of its first occurrence
        nanos = _unix_nanos(self.clock.epoch) + round(now * 1e9) + self._serial
        name = f"{meta['name']}.{nanos:x}"
        while self.store.get("events", namespace, name) is not None:  # after a restart
            self._serial += 1
            name = f"{meta['name']}.{nanos + self._serial:x}"
        stamp = self.clock.timestamp()
        event: Obj = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": stamp,
                         "uid": _event_uid(name)},
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "source": source,
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
            "type": type_,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": host or "",
        }
        stored = self.store.put("events", event, writer, reason)
        where = (namespace, name)
        self._index()[identity] = where
        if identity[-1] == "<combined>":
            self._aggregate[similar_key] = where
        self.clock.schedule(EVENT_TTL, TTL_TIMER, f"{namespace}/{name}")
        return stored

    def _seen(self, similar_key: tuple[Any, ...], message: str,
              now: float) -> str | set[str]:
        """Note one occurrence of `message` under a similar-event key; returns the distinct
        messages seen within the aggregation window (a str while there is one)."""
        entry = self._similar.get(similar_key)
        seen: str | set[str]
        if entry is None or now - entry[1] > AGGREGATE_WINDOW:
            seen = message
        elif isinstance(entry[0], str):
            seen = entry[0] if entry[0] == message else {entry[0], message}
        else:
            seen = entry[0]
            seen.add(message)
        self._similar[similar_key] = (seen, now)
        if len(self._similar) >= self._sweep_similar_at:
            stale = [k for k, (_, at) in self._similar.items() if now - at > AGGREGATE_WINDOW]
            for key in stale:
                del self._similar[key]
            self._sweep_similar_at = max(SHARED_LIMIT, 2 * len(self._similar))
        return seen

    def _involved_object(self, obj: Obj, field_path: str) -> dict[str, Any]:
        """The `involvedObject` for an Event about `obj`, shared with the other Events about
        the same object at the same resourceVersion and fieldPath."""
        meta = obj["metadata"]
        key = (obj.get("kind", ""), meta.get("namespace") or "", meta["name"],
               meta.get("uid", ""), obj.get("apiVersion", ""), meta.get("resourceVersion", ""),
               field_path)
        involved = self._involved.get(key)
        if involved is not None:
            return involved
        involved = {"kind": key[0], "namespace": key[1], "name": key[2], "uid": key[3],
                    "apiVersion": key[4], "resourceVersion": key[5]}
        if not involved["namespace"]:
            del involved["namespace"]
        if field_path:
            involved["fieldPath"] = field_path
        if len(self._involved) >= SHARED_LIMIT:
            self._involved.clear()
        self._involved[key] = involved
        return involved

    def _bump(self, where: tuple[str, str], message: str, writer: Actor) -> Obj:
        current = self.store.get("events", *where)
        assert current is not None
        event = dict(current)
        event["metadata"] = dict(current["metadata"])
        event["count"] = int(current.get("count") or 1) + 1
        event["lastTimestamp"] = self.clock.timestamp()
        event["message"] = message
        stored = self.store.put("events", event, writer, event["reason"])
        self.clock.schedule(EVENT_TTL, TTL_TIMER, f"{where[0]}/{where[1]}")
        return stored

    def _expire(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        event = self.store.get("events", namespace, name)
        if event is None:
            return
        age = self.clock.now - self.clock.seconds_at(event["lastTimestamp"])
        if age + 1e-6 < EVENT_TTL:
            self.clock.schedule(EVENT_TTL - age, TTL_TIMER, key)
            return
        self.store.remove("events", namespace, name, Actor("apiserver", "kube-apiserver"),
                          "event TTL expired")
        identity = _identity(event)
        if self._identical is not None and self._identical.get(identity) == (namespace, name):
            del self._identical[identity]


def _identity(event: Obj) -> tuple[Any, ...]:
    """(similar-event key, message) of a stored Event, as `record` keys it."""
    src = event.get("source") or {}
    inv = event.get("involvedObject") or {}
    message = event.get("message", "")
    if message.startswith(COMBINED_PREFIX):
        message = "<combined>"
    return ((src.get("component", ""), src.get("host", ""), inv.get("uid", ""),
             inv.get("fieldPath", ""), event.get("type", ""), event.get("reason", "")), message)


def _unix_nanos(instant: datetime) -> int:
    """Nanoseconds since the Unix epoch, in integers (a float loses the low digits)."""
    return (instant - _UNIX_EPOCH) // timedelta(microseconds=1) * 1000


def _event_uid(name: str) -> str:
    import hashlib

    digest = hashlib.sha1(name.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-a{digest[17:20]}-{digest[20:32]}"
