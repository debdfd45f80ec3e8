"""Ages as kubectl prints them: `119s`, `4m5s`, `150m`, `5h30m`, `30h`, `3d4h`, `400d`, `3y20d`.

apimachinery's `duration.HumanDuration` gives two to three significant figures and switches
units at fixed thresholds; `ShortHumanDuration` keeps one unit. Both work on Go's integer
nanoseconds and truncate toward zero, and both tolerate a clock that is up to one second
ahead (`0s`) before answering `<invalid>`. The AGE, LAST SEEN, DURATION and RESTARTS
`(… ago)` cells all come from here. "Now" is always handed in: this module never reads a clock.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

_NS_PER_SECOND = 1_000_000_000
_NS_PER_MINUTE = 60 * _NS_PER_SECOND
_NS_PER_HOUR = 60 * _NS_PER_MINUTE
# Go's time.Duration is an int64; time.Since saturates at its bounds.
_MAX_DURATION_NS = 2**63 - 1
_MIN_DURATION_NS = -(2**63)

UNKNOWN = "<unknown>"
INVALID = "<invalid>"


def _go_div(a: int, b: int) -> int:
    """Go's integer division, which truncates toward zero (Python's `//` floors)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _nanoseconds(seconds: float) -> int | None:
    """Seconds as a Go Duration; None when the value is not a number at all."""
    if math.isnan(seconds):
        return None
    if seconds >= _MAX_DURATION_NS / _NS_PER_SECOND:
        return _MAX_DURATION_NS
    if seconds <= _MIN_DURATION_NS / _NS_PER_SECOND:
        return _MIN_DURATION_NS
    ns = math.trunc(seconds * _NS_PER_SECOND)
    return max(_MIN_DURATION_NS, min(_MAX_DURATION_NS, ns))


def human_duration_ns(d: int) -> str:
    """apimachinery `HumanDuration` of a duration in integer nanoseconds."""
    seconds = _go_div(d, _NS_PER_SECOND)
    if seconds < -1:
        return INVALID
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = d // _NS_PER_MINUTE
    if minutes < 10:
        s = seconds % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = d // _NS_PER_HOUR
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if dy == 0 else f"{years}y{dy}d"
    return f"{hours // 24 // 365}y"


def short_human_duration_ns(d: int) -> str:
    """apimachinery `ShortHumanDuration` of a duration in integer nanoseconds."""
    seconds = _go_div(d, _NS_PER_SECOND)
    if seconds < -1:
        return INVALID
    if seconds < 0:
        return "0s"
    if seconds < 60:
        return f"{seconds}s"
    minutes = d // _NS_PER_MINUTE
    if minutes < 60:
        return f"{minutes}m"
    hours = d // _NS_PER_HOUR
    if hours < 24:
        return f"{hours}h"
    if hours < 24 * 365:
        return f"{hours // 24}d"
    return f"{hours // 24 // 365}y"


def human_duration(seconds: float) -> str:
    """kubectl's age text for a duration in seconds (`4m5s`, `3d4h`, `<invalid>`)."""
    ns = _nanoseconds(seconds)
    return INVALID if ns is None else human_duration_ns(ns)


def short_human_duration(seconds: float) -> str:
    """The one-unit variant (`4m`, `3d`) for a duration in seconds."""
    ns = _nanoseconds(seconds)
    return INVALID if ns is None else short_human_duration_ns(ns)


def parse_timestamp(value: str) -> datetime:
    """An RFC 3339 API timestamp (`2026-11-27T01:16:01Z`, MicroTime too) as an aware datetime."""
    parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _delta_ns(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * _NS_PER_SECOND + delta.microseconds * 1_000


def since(start: datetime, now: datetime) -> str:
    """HumanDuration of `now - start`, exact to the microsecond."""
    ns = _delta_ns(now - start)
    return human_duration_ns(max(_MIN_DURATION_NS, min(_MAX_DURATION_NS, ns)))


def translate_timestamp_since(timestamp: str | None, now: datetime) -> str:
    """kubectl's `translateTimestampSince`: `<unknown>` for a missing timestamp, else its age."""
    if not timestamp:
        return UNKNOWN
    return since(parse_timestamp(timestamp), now)


def between(start: str, end: str) -> str:
    """HumanDuration of the span between two API timestamps (a Job's DURATION)."""
    return since(parse_timestamp(start), parse_timestamp(end))
