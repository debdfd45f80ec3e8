"""The virtual clock: ordering, de-duplication, cancellation, timestamps and persistence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from playground.engine.clock import Clock, Timer


def recording_clock() -> tuple[Clock, list[tuple[str, str, float]]]:
    clock = Clock()
    fired: list[tuple[str, str, float]] = []

    def handler(target: str) -> Callable[[str], None]:
        return lambda key: fired.append((target, key, clock.now))

    for target in ("a", "b", "c"):
        clock.register(target, handler(target))
    return clock, fired


def test_step_fires_in_time_order_and_moves_now() -> None:
    clock, fired = recording_clock()
    clock.schedule(30, "a", "x")
    clock.schedule(10, "b", "y")
    clock.schedule(20, "c", "z")
    assert clock.peek() == 10
    assert clock.step() == Timer(10, 2, "b", "y")
    assert clock.now == 10
    clock.step()
    clock.step()
    assert fired == [("b", "y", 10), ("c", "z", 20), ("a", "x", 30)]
    assert clock.step() is None and clock.peek() is None
    assert clock.now == 30


def test_same_instant_fires_in_scheduling_order() -> None:
    clock, fired = recording_clock()
    for key in ("k1", "k2", "k3", "k4"):
        clock.schedule(5, "a", key)
    clock.schedule(0, "b", "first")
    while clock.step():
        pass
    assert [key for _, key, _ in fired] == ["first", "k1", "k2", "k3", "k4"]


def test_earlier_pending_timer_wins_over_a_later_request() -> None:
    clock, fired = recording_clock()
    first = clock.schedule(10, "a", "key")
    again = clock.schedule(50, "a", "key")
    assert again is first
    while clock.step():
        pass
    assert fired == [("a", "key", 10)]


def test_earlier_request_replaces_a_later_pending_timer() -> None:
    clock, fired = recording_clock()
    clock.schedule(50, "a", "key")
    clock.schedule(10, "a", "key")
    assert clock.pending() == [Timer(10, 2, "a", "key")]
    while clock.step():
        pass
    assert fired == [("a", "key", 10)]


def test_different_keys_and_targets_are_not_deduplicated() -> None:
    clock, _ = recording_clock()
    clock.schedule(10, "a", "key")
    clock.schedule(10, "b", "key")
    clock.schedule(10, "a", "other")
    assert len(clock.pending()) == 3


def test_cancel_forgets_the_timer() -> None:
    clock, fired = recording_clock()
    clock.schedule(10, "a", "x")
    clock.schedule(20, "a", "y")
    clock.cancel("a", "x")
    clock.cancel("a", "never-scheduled")
    assert clock.peek() == 20
    while clock.step():
        pass
    assert fired == [("a", "y", 20)]


def test_negative_delay_means_now_and_fire_due_does_not_move_time() -> None:
    clock, fired = recording_clock()
    clock.advance_to(100)
    clock.schedule(-5, "a", "late")
    clock.schedule(1, "a", "soon")
    assert clock.fire_due() == 1
    assert fired == [("a", "late", 100)]
    assert clock.now == 100
    clock.advance_to(50)  # never backwards
    assert clock.now == 100


def test_timer_without_a_handler_is_dropped_quietly() -> None:
    clock = Clock()
    clock.schedule(1, "nobody", "k")
    assert clock.step() is not None
    assert clock.pending() == []


def test_timestamps_are_rfc3339_from_the_epoch() -> None:
    clock = Clock(datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC))
    assert clock.timestamp() == "2026-03-04T05:06:07Z"
    clock.advance_to(86400 + 3600 + 61.25)
    assert clock.timestamp() == "2026-03-05T06:07:08Z"
    assert clock.micro_timestamp() == "2026-03-05T06:07:08.250000Z"
    assert clock.timestamp(0) == "2026-03-04T05:06:07Z"
    assert clock.seconds_at("2026-03-05T06:07:08Z") == 86400 + 3600 + 61


def test_epoch_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Clock(datetime(2026, 1, 1))


def test_restore_round_trips_pending_timers() -> None:
    clock, _ = recording_clock()
    clock.schedule(30, "a", "x")
    clock.schedule(10, "b", "y")
    clock.schedule(10, "c", "z")
    clock.schedule(5, "a", "x")  # replaces the 30 s one
    clock.cancel("c", "z")
    clock.step()
    saved_now, saved = clock.now, clock.pending()

    again, fired = recording_clock()
    again.restore(saved_now, saved)
    assert again.now == saved_now == 5
    assert again.pending() == saved
    # new timers continue the sequence, so same-instant order survives a restart
    later = again.schedule(5, "c", "after-restore")
    assert later.seq > max(t.seq for t in saved)
    while again.step():
        pass
    assert fired == [("b", "y", 10), ("c", "after-restore", 10)]
