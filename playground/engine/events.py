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

Expiry is one queue, not a timer per Event (`EventTTLQueue`): every new Event's check is due
an hour after it was written, so checks come due in the order Events were written, and one
clock timer for the queue's head, re-armed as it drains, fires each check exactly where a timer
of its own would have. An Event written again since lives on: its check is queued again for an
hour after that write, as the per-Event timer was re-scheduled.

Events are most of a busy cluster's objects (five or six per pod), so the recorder keeps them
small without changing a byte of what they say: Events from one component on one host share
one `source` dict, Events about one object at one resourceVersion and fieldPath (a
container's Pulled, Created, Started) share one `involvedObject`, and repeated messages are
one string. Stored objects are read-only, so sharing is safe (see `store`).
"""

from __future__ import annotations

import hashlib
import heapq
from array import array
from datetime import UTC, datetime, timedelta
from typing import Any

from playground.engine.clock import Clock
from playground.engine.store import Actor, Obj, Store

EVENT_TTL = 3600.0
AGGREGATE_WINDOW = 600.0
AGGREGATE_MAX = 10
COMBINED_PREFIX = "(combined from similar events): "
TTL_TIMER = "event-ttl"
TTL_RECORD = "event-ttl"
TTL_BLOCK = 4096
_LATER = "later"
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
        self._writers: dict[tuple[str, str], Actor] = {}
        self._epoch: tuple[datetime, int] | None = None
        self.ttl = EventTTLQueue(store, clock, self._expire_event)

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
        writer = actor or self._writer(component, host)
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
        nanos = self._epoch_nanos() + round(now * 1e9) + self._serial
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
        self.ttl.add(namespace, name)
        return stored

    def _writer(self, component: str, host: str) -> Actor:
        writer = self._writers.get((component, host))
        if writer is None:
            writer = Actor("controller" if not host else "kubelet", host or component)
            self._writers[(component, host)] = writer
        return writer

    def _epoch_nanos(self) -> int:
        epoch = self.clock.epoch
        if self._epoch is None or self._epoch[0] is not epoch:
            self._epoch = (epoch, _unix_nanos(epoch))
        return self._epoch[1]

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
        self.ttl.refresh(where[0], where[1])
        return stored

    def _expire_event(self, namespace: str, name: str) -> float | None:
        """The TTL check of one Event: removes it an hour after its last write; otherwise
        returns how long until then."""
        event = self.store.get("events", namespace, name)
        if event is None:
            return None
        age = self.clock.now - self.clock.seconds_at(event["lastTimestamp"])
        if age + 1e-6 < EVENT_TTL:
            return EVENT_TTL - age
        self.store.remove("events", namespace, name, _APISERVER, "event TTL expired")
        identity = _identity(event)
        if self._identical is not None and self._identical.get(identity) == (namespace, name):
            del self._identical[identity]
        return None


_APISERVER = Actor("apiserver", "kube-apiserver")


class EventTTLQueue:
    """Pending TTL checks of Events, due in write order, behind one clock timer.

    A check is (due, seq, namespace, name): `seq` is reserved from the clock when the check is
    queued, so the head's timer sorts among other timers due at the same instant exactly as a
    timer of the check's own would. Checks queued on writes are due an hour after them, so
    they are appended in order (parallel arrays: a few dozen bytes each); checks queued again
    for Events written since go to a small heap. Each firing runs one check.

    The queue is persistent state: blocks of `TTL_BLOCK` checks and the heap are records
    (`~event-ttl`), journalled by a flusher when changed and reloaded when the clock is
    restored. Timers of a state saved before the queue existed (one per Event, keyed
    `namespace/name`) still fire and are honoured.
    """

    def __init__(self, store: Store, clock: Clock,
                 check: Any) -> None:
        self.store = store
        self.clock = clock
        self._check = check
        self._when = array("d")
        self._seq = array("q")
        self._namespaces: list[str] = []
        self._names: list[str] = []
        self._head = 0  # index of the first live check in the arrays
        self._base = 0  # position (since the queue began) of index 0
        self._later: list[tuple[float, int, str, str]] = []
        self._queued: set[str] = set()  # names of Events with a check pending
        self._dirty: set[int] = set()
        self._later_dirty = False
        self._loaded = False
        clock.register(TTL_TIMER, self._fire)
        clock.on_restore(self._restored)
        store.flushers.append(self._flush)

    def __len__(self) -> int:
        self._load()
        return len(self._when) - self._head + len(self._later)

    # -- queueing -------------------------------------------------------------------------
    def add(self, namespace: str, name: str) -> None:
        """Queue the check of an Event written now, due in an hour."""
        self._load()
        was_empty = self._head == len(self._when) and not self._later
        position = self._base + len(self._when)
        self._when.append(self.clock.now + EVENT_TTL)
        self._seq.append(self.clock.reserve_seq())
        self._namespaces.append(namespace)
        self._names.append(name)
        self._queued.add(name)
        self._dirty.add(position // TTL_BLOCK)
        if was_empty:
            self._arm()

    def refresh(self, namespace: str, name: str) -> None:
        """An Event written again: its pending check (due no later than an hour from now)
        will find it younger and queue itself again; one with no check pending (written by
        someone else, or restored from a snapshot) gets one now."""
        self._load()
        if name not in self._queued:
            self.add(namespace, name)

    # -- firing ---------------------------------------------------------------------------
    def _fire(self, key: str) -> None:
        if key:  # a per-Event timer of a state saved before this queue
            self._fire_legacy(key)
            return
        self._load()
        check = self._pop()
        if check is not None:
            _when, _seq, namespace, name = check
            remaining = self._check(namespace, name)
            if remaining is None:
                self._queued.discard(name)
            else:
                heapq.heappush(self._later, (self.clock.now + max(0.0, remaining),
                                             self.clock.reserve_seq(), namespace, name))
                self._later_dirty = True
        self._arm()

    def _fire_legacy(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        remaining = self._check(namespace, name)
        if remaining is None:
            self._queued.discard(name)
        else:
            self.clock.schedule(remaining, TTL_TIMER, key)

    def _peek(self) -> tuple[float, int] | None:
        first: tuple[float, int] | None = None
        if self._head < len(self._when):
            first = (self._when[self._head], self._seq[self._head])
        if self._later and (first is None or self._later[0][:2] < first):
            first = self._later[0][:2]
        return first

    def _pop(self) -> tuple[float, int, str, str] | None:
        first = self._peek()
        if first is None:
            return None
        if self._later and self._later[0][:2] == first:
            self._later_dirty = True
            return heapq.heappop(self._later)
        i = self._head
        check = (self._when[i], self._seq[i], self._namespaces[i], self._names[i])
        self._dirty.add((self._base + i) // TTL_BLOCK)
        self._head = i + 1
        if self._head >= TTL_BLOCK and 2 * self._head >= len(self._when):
            del self._when[:self._head]
            del self._seq[:self._head]
            del self._namespaces[:self._head]
            del self._names[:self._head]
            self._base += self._head
            self._head = 0
        return check

    def _arm(self) -> None:
        first = self._peek()
        if first is None:
            self.clock.cancel(TTL_TIMER, "")
        else:
            self.clock.schedule_exact(first[0], first[1], TTL_TIMER, "")

    # -- persistence ----------------------------------------------------------------------
    def _flush(self) -> None:
        """Journal the blocks and the heap changed since the last flush."""
        if not self._loaded:
            return
        start, end = self._base + self._head, self._base + len(self._when)
        for block in sorted(self._dirty):
            low, high = max(start, block * TTL_BLOCK), min(end, (block + 1) * TTL_BLOCK)
            if low >= high:
                self.store.remove_record(TTL_RECORD, str(block))
                continue
            i, j = low - self._base, high - self._base
            self.store.put_record(TTL_RECORD, str(block), {
                "start": low, "due": list(self._when[i:j]), "seq": list(self._seq[i:j]),
                "namespace": self._namespaces[i:j], "name": self._names[i:j]})
        self._dirty.clear()
        if self._later_dirty:
            if self._later:
                self.store.put_record(TTL_RECORD, _LATER,
                                      {"checks": [list(c) for c in sorted(self._later)]})
            else:
                self.store.remove_record(TTL_RECORD, _LATER)
            self._later_dirty = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        records = self.store.records(TTL_RECORD)
        blocks = sorted((int(k), v) for k, v in records.items() if k != _LATER)
        if blocks:
            self._base = int(blocks[0][1]["start"])
        for _, block in blocks:
            self._when.extend(float(w) for w in block["due"])
            self._seq.extend(int(q) for q in block["seq"])
            self._namespaces.extend(block["namespace"])
            self._names.extend(block["name"])
        later = records.get(_LATER)
        self._later = [(float(w), int(q), str(ns), str(n))
                       for w, q, ns, n in (later or {}).get("checks", ())]
        heapq.heapify(self._later)
        self._queued = set(self._names)
        self._queued.update(c[3] for c in self._later)
        if len(self._seq):
            self.clock.reserve_through(max(self._seq))
        if self._later:
            self.clock.reserve_through(max(c[1] for c in self._later))

    def _restored(self) -> None:
        """The clock was restored (a cluster reopened): reload the queue from the records,
        and note the Events that still have timers of their own."""
        self.__init_state()
        self._load()
        for timer in self.clock.pending():
            if timer.target == TTL_TIMER and timer.key:
                self._queued.add(timer.key.partition("/")[2])

    def __init_state(self) -> None:
        self._when, self._seq = array("d"), array("q")
        self._namespaces, self._names = [], []
        self._head = self._base = 0
        self._later, self._queued, self._dirty = [], set(), set()
        self._later_dirty = False
        self._loaded = False


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
    digest = hashlib.sha1(name.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-a{digest[17:20]}-{digest[20:32]}"
