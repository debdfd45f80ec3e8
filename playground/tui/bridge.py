"""The one bridge between the engine and the widgets: watches, pacing and saving.

The engine knows nothing of Textual. The bridge subscribes once to every change in the store
(`store.watch(None, …)`), keeps only the latest object per key, and once per frame hands the
batch to the app as one coalescing `ClusterChanged` message. The same frame timer paces
virtual time: the target follows the wall clock × speed from an anchor that moves whenever the
speed changes, so pausing and resuming never makes time jump. When the engine cannot keep up
(a 10,000-pod rollout at 60×) virtual time slows down instead of freezing the interface: a frame
spends about `ENGINE_SECONDS_PER_FRAME` on the engine, instant by instant, and the header says
"catching up".
Saving goes through the engine's persistence about once a second when anything changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from playground.engine.cluster import Cluster
from playground.engine.store import DELETED, WatchEvent
from playground.tui.messages import ChangeKey, ClusterChanged, Obj, TimeAdvanced

SPEEDS: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 60.0)
"""Speeds `+`/`-` step through; pause is separate."""

FRAME_SECONDS = 1 / 15
ENGINE_SECONDS_PER_FRAME = 0.008
"""Engine work a frame may start (it stops at the first instant past this; one instant's work
is never split, so a frame can overrun by one instant)."""
SAVE_EVERY = 1.0


class Saver(Protocol):
    """What the bridge needs from the state: save everything journalled."""

    def save(self) -> None: ...


class Poster(Protocol):
    """Where batches go (the app)."""

    def post_message(self, message: Any) -> bool: ...


class EngineBridge:
    """Turns engine changes into per-frame messages and paces virtual time."""

    def __init__(self, cluster: Cluster, saver: Saver | None = None, *, paused: bool = False,
                 wall: Callable[[], float] = time.monotonic) -> None:
        self.cluster = cluster
        self.saver = saver
        self.wall = wall
        self.paused = paused
        self.speed_index = 0
        self.busy = False
        """True while a worker drives the engine; frames then neither pace nor flush."""
        self.target: Poster | None = None
        self.run_until: Callable[[float], None] = cluster.run_until
        """How virtual time moves: the cluster's own, or a running scenario's (which fires step
        events at their instants on the way)."""
        self.next_outside: Callable[[], float | None] = lambda: None
        """The next instant something outside the engine's clock is due (a running scenario's
        step event); `step` stops there too."""
        self._pending: dict[str, dict[ChangeKey, Obj | None]] = {}
        self._anchor_wall = wall()
        self._anchor_virtual = cluster.now
        self._last_now = cluster.now
        self._dirty = False
        self._last_save = wall()
        self._stop_watch = cluster.store.watch(None, self._on_change)
        self.frames = 0
        self.behind = False
        """True while the engine cannot keep up with the speed (the header says so)."""

    # -- watch ----------------------------------------------------------------------------
    def _on_change(self, event: WatchEvent) -> None:
        meta = event.obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        self._pending.setdefault(event.resource, {})[key] = (
            None if event.type == DELETED else event.obj)
        self._dirty = True

    def close(self) -> None:
        """Stop watching the store."""
        self._stop_watch()

    # -- speed ----------------------------------------------------------------------------
    @property
    def speed(self) -> float:
        """Virtual seconds per wall second while running."""
        return SPEEDS[self.speed_index]

    def _reanchor(self) -> None:
        self._anchor_wall = self.wall()
        self._anchor_virtual = self.cluster.now

    def set_paused(self, paused: bool) -> None:
        """Pause or resume virtual time."""
        self._reanchor()
        self.paused = paused

    def faster(self) -> None:
        """Next speed up."""
        self._reanchor()
        self.speed_index = min(self.speed_index + 1, len(SPEEDS) - 1)

    def slower(self) -> None:
        """Next speed down."""
        self._reanchor()
        self.speed_index = max(self.speed_index - 1, 0)

    def next_due(self) -> float | None:
        """The next instant anything is due: an engine timer or a scenario's step event."""
        due = [t for t in (self.cluster.clock.peek(), self.next_outside()) if t is not None]
        return max(min(due), self.cluster.now) if due else None

    def step(self) -> float | None:
        """Run to the next engine event or scenario step event (while paused); returns its
        time, or None if nothing is due."""
        self.cluster.settle()
        when = self.next_due()
        if when is not None:
            self.run_until(when)
        self._reanchor()
        self.flush()
        return when

    # -- frames ---------------------------------------------------------------------------
    def frame(self) -> None:
        """One frame: let virtual time catch up with the wall clock, then flush."""
        if self.busy:
            return
        self.frames += 1
        if not self.paused:
            target = self._anchor_virtual + (self.wall() - self._anchor_wall) * self.speed
            # never more than two frames' worth at once, so one frame's engine work is bounded
            target = min(target, self.cluster.now + 2 * FRAME_SECONDS * self.speed)
            if target > self.cluster.now:
                self.behind = not self._run_towards(target)
                if self.behind:
                    self._reanchor()  # the engine is behind: slow time, keep the UI alive
        self.flush()
        if self._dirty and self.saver is not None and \
                self.wall() - self._last_save >= SAVE_EVERY:
            self.save()

    def _run_towards(self, target: float) -> bool:
        """Run instant by instant towards `target` until the frame's engine budget is spent;
        True when `target` was reached."""
        deadline = time.perf_counter() + ENGINE_SECONDS_PER_FRAME
        clock = self.cluster.clock
        while True:
            next_at = clock.peek()
            if next_at is None or next_at > target:
                self.run_until(target)
                return True
            self.run_until(next_at)
            if time.perf_counter() > deadline:
                return self.cluster.now >= target

    def after_command(self) -> None:
        """A person changed the cluster: let controllers react at once and show it."""
        self.cluster.settle()
        self.flush()

    def flush(self) -> None:
        """Post what changed since the last flush (if anything) and the time."""
        if self.target is None:
            return
        if self._pending:
            batch, self._pending = self._pending, {}
            self.target.post_message(ClusterChanged(batch))
        if self.cluster.now != self._last_now:
            self._last_now = self.cluster.now
            self._dirty = True
            self.target.post_message(TimeAdvanced(self.cluster.now))

    def take_pending(self) -> dict[str, dict[ChangeKey, Obj | None]]:
        """The changes not yet flushed (used by tests and after loading)."""
        batch, self._pending = self._pending, {}
        return batch

    def save(self) -> None:
        """Persist everything journalled since the last save."""
        if self.saver is None:
            return
        self.saver.save()
        self._dirty = False
        self._last_save = self.wall()
