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

NORMAL, WARNING = "Normal", "Warning"

_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class EventRecorder:
    """Writes and aggregates Events in the store."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._identical: dict[tuple[Any, ...], tuple[str, str]] | None = None
        self._identity_of: dict[tuple[str, str], tuple[Any, ...]] = {}
        # similar-event key -> (distinct messages seen, virtual time of the last one)
        self._similar: dict[tuple[Any, ...], tuple[set[str], float]] = {}
        self._aggregate: dict[tuple[Any, ...], tuple[str, str]] = {}
        self._serial = 0
        clock.register(TTL_TIMER, self._expire)

    def _index(self) -> dict[tuple[Any, ...], tuple[str, str]]:
        if self._identical is None:
            self._identical = {}
            for event in self.store.iter("events"):
                where = (event["metadata"]["namespace"], event["metadata"]["name"])
                self._identical[_identity(event)] = where
                self._identity_of[where] = _identity(event)
        return self._identical

    def record(self, obj: Obj, type_: str, reason: str, message: str, component: str, *,
               host: str = "", field_path: str = "", actor: Actor | None = None) -> Obj:
        """Record one occurrence; returns the Event object as stored."""
        meta = obj["metadata"]
        involved: dict[str, Any] = {
            "kind": obj.get("kind", ""),
            "namespace": meta.get("namespace") or "",
            "name": meta["name"],
            "uid": meta.get("uid", ""),
            "apiVersion": obj.get("apiVersion", ""),
            "resourceVersion": meta.get("resourceVersion", ""),
        }
        if not involved["namespace"]:
            del involved["namespace"]
        if field_path:
            involved["fieldPath"] = field_path
        source: dict[str, str] = {"component": component}
        if host:
            source["host"] = host
        writer = actor or Actor("controller" if not host else "kubelet", host or component)
        now = self.clock.now
        similar_key = (component, host, involved["uid"], involved.get("fieldPath", ""), type_,
                       reason)
        messages, last = self._similar.get(similar_key, (set(), now))
        if now - last > AGGREGATE_WINDOW:
            messages = set()
        messages.add(message)
        self._similar[similar_key] = (messages, now)
        identity = (component, host, involved["uid"], involved.get("fieldPath", ""), type_,
                    reason, message)
        if len(messages) >= AGGREGATE_MAX:
            # keep the set below the limit (client-go pops one); dropping the newest keeps
            # the first nine messages counting on their own Events, deterministically
            messages.discard(message)
            message = COMBINED_PREFIX + message
            identity = identity[:-1] + ("<combined>",)
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
        self._index()[identity] = (namespace, name)
        self._identity_of[(namespace, name)] = identity
        if identity[-1] == "<combined>":
            self._aggregate[similar_key] = (namespace, name)
        self.clock.schedule(EVENT_TTL, TTL_TIMER, f"{namespace}/{name}")
        return stored

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
        identity = self._identity_of.pop((namespace, name), None)
        if self._identical is not None and identity is not None and \
                self._identical.get(identity) == (namespace, name):
            del self._identical[identity]


def _identity(event: Obj) -> tuple[Any, ...]:
    src = event.get("source") or {}
    inv = event.get("involvedObject") or {}
    message = event.get("message", "")
    if message.startswith(COMBINED_PREFIX):
        message = "<combined>"
    return (src.get("component", ""), src.get("host", ""), inv.get("uid", ""),
            inv.get("fieldPath", ""), event.get("type", ""), event.get("reason", ""), message)


def _unix_nanos(instant: datetime) -> int:
    """Nanoseconds since the Unix epoch, in integers (a float loses the low digits)."""
    return (instant - _UNIX_EPOCH) // timedelta(microseconds=1) * 1000


def _event_uid(name: str) -> str:
    import hashlib

    digest = hashlib.sha1(name.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-a{digest[17:20]}-{digest[20:32]}"
