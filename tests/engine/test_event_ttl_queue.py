"""Event TTLs behind one queue expire exactly as one clock timer per Event did, also across a
restart, while the clock holds a single timer for them."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from playground.engine.clock import Clock, Timer
from playground.engine.events import EVENT_TTL, EventRecorder
from playground.engine.store import Store, WatchEvent

OLD = "event-ttl-per-event"


class PerEventTimers:
    """The expiry as it was: a timer of its own per Event, re-armed while it is younger."""

    def __init__(self, recorder: EventRecorder) -> None:
        self.recorder = recorder
        recorder.clock.register(OLD, self._fire)

    def add(self, namespace: str, name: str) -> None:
        self.recorder.clock.schedule(EVENT_TTL, OLD, f"{namespace}/{name}")

    refresh = add

    def _fire(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        remaining = self.recorder._expire_event(namespace, name)
        if remaining is not None:
            self.recorder.clock.schedule(remaining, OLD, key)


class World:
    def __init__(self, reference: bool, state: tuple[Any, ...] | None = None) -> None:
        self.store = Store()
        self.clock = Clock()
        self.store.time = lambda: self.clock.now
        self.recorder = EventRecorder(self.store, self.clock)
        if reference:
            self.recorder.ttl = PerEventTimers(self.recorder)  # type: ignore[assignment]
        self.log: list[tuple[Any, ...]] = []
        self.store.watch("events", self._seen)
        self.clock.register("other", lambda key: self.log.append(
            ("timer", self.clock.now, key)))
        if state is not None:
            now, timers, objects = state
            for resource, obj in objects:
                self.store.load(resource, obj)
            self.clock.restore(now, [Timer(*t) for t in timers])

    def _seen(self, event: WatchEvent) -> None:
        self.log.append((event.type, self.clock.now, event.obj["metadata"]["name"],
                         event.obj["count"], event.resource_version))

    def state(self) -> tuple[Any, ...]:
        objects = [(r, o) for r, o in self.store.all_objects()]
        timers = [(t.when, t.seq, t.target, t.key) for t in self.clock.pending()]
        return self.clock.now, timers, objects

    def run(self, op: tuple[Any, ...]) -> None:
        kind = op[0]
        if kind == "record":
            _, pod, reason = op
            obj = {"kind": "Pod", "apiVersion": "v1",
                   "metadata": {"name": f"pod-{pod}", "namespace": "default",
                                "uid": f"uid-{pod}", "resourceVersion": "1"}}
            self.recorder.record(obj, "Normal", reason, f"{reason} happened", "tester")
        elif kind == "timer":
            self.clock.schedule(op[1], "other", f"t{len(self.log)}")
        else:
            target = self.clock.now + op[1]
            while (when := self.clock.peek()) is not None and when <= target:
                self.clock.step()
            self.clock.advance_to(target)


ops = st.lists(st.one_of(
    st.tuples(st.just("record"), st.integers(0, 3), st.sampled_from(["Pulled", "BackOff"])),
    st.tuples(st.just("timer"), st.sampled_from([0.0, 1.0, 600.0, 1800.0, EVENT_TTL])),
    st.tuples(st.just("advance"), st.sampled_from([0.0, 0.5, 1.0, 600.0, 1800.0, EVENT_TTL,
                                                   EVENT_TTL + 0.25]))),
    max_size=40)


@settings(max_examples=120, deadline=None)
@given(ops, st.integers(0, 40))
def test_the_queue_expires_events_exactly_as_timers_of_their_own(
        steps: list[tuple[Any, ...]], restart_at: int) -> None:
    queued, reference = World(False), World(True)
    for i, op in enumerate(steps + [("advance", 3 * EVENT_TTL)]):
        if i == restart_at:
            queued = World(False, queued.state())
            reference = World(True, reference.state())
        queued.run(op)
        reference.run(op)
    assert queued.log == reference.log
    assert list(queued.store.history) == list(reference.store.history)
    assert queued.store.count("events") == 0


def test_one_clock_timer_holds_every_pending_expiry() -> None:
    world = World(False)
    for pod in range(500):
        world.run(("record", pod, "Pulled"))
        world.run(("advance", 1.0))
    assert len(world.recorder.ttl) == 500  # type: ignore[arg-type]
    assert len([t for t in world.clock.pending() if t.target == "event-ttl"]) == 1
    world.run(("advance", EVENT_TTL - 250))
    assert world.store.count("events") == 249
    assert len(world.recorder.ttl) == 249  # type: ignore[arg-type]


def test_a_state_saved_with_timers_per_event_still_expires_them() -> None:
    old = World(True)
    old.run(("record", 1, "Pulled"))
    now, timers, objects = old.state()
    timers = [(w, s, "event-ttl" if t == OLD else t, k) for w, s, t, k in timers]
    reopened = World(False, (now, timers, objects))
    reopened.run(("advance", 1800.0))
    reopened.run(("record", 1, "Pulled"))  # seen again: its own timer re-checks it
    reopened.run(("advance", 1800.0))
    assert reopened.store.count("events") == 1
    reopened.run(("advance", 1800.0))
    assert reopened.store.count("events") == 0
    assert len(reopened.recorder.ttl) == 0  # type: ignore[arg-type]
