"""HumanDuration and ShortHumanDuration, threshold by threshold, against apimachinery."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playground.kubectl.duration import (
    between,
    human_duration,
    short_human_duration,
    translate_timestamp_since,
)

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
YEAR = 365 * DAY


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (1, "1s"),
        (59, "59s"),
        (119, "119s"),
        (119.999, "119s"),
        (120, "2m"),
        (121, "2m1s"),
        (4 * MINUTE + 5, "4m5s"),
        (9 * MINUTE + 59, "9m59s"),
        (10 * MINUTE, "10m"),
        (10 * MINUTE + 59, "10m"),
        (150 * MINUTE, "150m"),
        (2 * HOUR + 59 * MINUTE + 59, "179m"),
        (3 * HOUR, "3h"),
        (3 * HOUR + 1 * MINUTE, "3h1m"),
        (5 * HOUR + 30 * MINUTE, "5h30m"),
        (7 * HOUR + 59 * MINUTE + 59, "7h59m"),
        (8 * HOUR, "8h"),
        (30 * HOUR, "30h"),
        (47 * HOUR + 59 * MINUTE, "47h"),
        (48 * HOUR, "2d"),
        (3 * DAY + 4 * HOUR, "3d4h"),
        (7 * DAY + 23 * HOUR, "7d23h"),
        (8 * DAY, "8d"),
        (400 * DAY, "400d"),
        (2 * YEAR - 1, "729d"),
        (2 * YEAR, "2y"),
        (3 * YEAR + 20 * DAY, "3y20d"),
        (8 * YEAR - 1, "7y364d"),
        (8 * YEAR, "8y"),
        (9 * YEAR + 100 * DAY, "9y"),
    ],
)
def test_human_duration_thresholds(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(-0.5, "0s"), (-1, "0s"), (-1.999, "0s"), (-2, "<invalid>"), (-3600, "<invalid>")],
)
def test_small_clock_skew_reads_as_now_and_larger_is_invalid(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text
    assert short_human_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(59, "59s"), (60, "1m"), (59 * MINUTE + 59, "59m"), (HOUR, "1h"), (23 * HOUR, "23h"),
     (DAY, "1d"), (364 * DAY, "364d"), (YEAR, "1y"), (3 * YEAR, "3y")],
)
def test_short_human_duration(seconds: float, text: str) -> None:
    assert short_human_duration(seconds) == text


def test_non_numbers_do_not_raise() -> None:
    assert human_duration(float("nan")) == "<invalid>"
    assert human_duration(float("-inf")) == "<invalid>"
    assert human_duration(float("inf")) == "292y"


NOW = datetime(2026, 11, 27, 1, 16, 1, tzinfo=UTC)


def test_translate_timestamp_since() -> None:
    assert translate_timestamp_since(None, NOW) == "<unknown>"
    assert translate_timestamp_since("", NOW) == "<unknown>"
    assert translate_timestamp_since("2026-11-27T01:14:01Z", NOW) == "2m"
    assert translate_timestamp_since("2026-11-27T01:14:02Z", NOW) == "119s"
    # MicroTime (events.k8s.io eventTime) and explicit offsets parse too.
    assert translate_timestamp_since("2026-11-27T01:16:00.500000Z", NOW) == "0s"
    assert translate_timestamp_since("2026-11-27T02:16:01+01:00", NOW) == "0s"
    assert translate_timestamp_since("2026-11-27T01:16:04Z", NOW) == "<invalid>"


def test_between_two_timestamps() -> None:
    assert between("2026-11-27T01:00:00Z", "2026-11-27T01:00:11Z") == "11s"
    assert between("2026-11-27T01:00:00Z", "2026-11-27T01:04:05Z") == "4m5s"


_UNIT_SECONDS = {"y": YEAR, "d": DAY, "h": HOUR, "m": MINUTE, "s": 1}


def _granularity(whole_seconds: int) -> int:
    """The smallest unit HumanDuration resolves in each range."""
    for limit, unit in ((10 * MINUTE, 1), (8 * HOUR, MINUTE), (8 * DAY, HOUR),
                        (8 * YEAR, DAY)):
        if whole_seconds < limit:
            return unit
    return YEAR


@given(st.integers(min_value=0, max_value=200 * YEAR))
def test_human_duration_reads_back_within_one_unit(whole_seconds: int) -> None:
    text = human_duration(whole_seconds)
    assert re.fullmatch(r"(\d+y)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?", text), text
    parts = re.findall(r"(\d+)([ydhms])", text)
    assert 1 <= len(parts) <= 2
    shown = sum(int(n) * _UNIT_SECONDS[u] for n, u in parts)
    assert shown <= whole_seconds < shown + _granularity(whole_seconds)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_human_duration_never_raises(seconds: float) -> None:
    assert isinstance(human_duration(seconds), str)
    assert isinstance(short_human_duration(seconds), str)


@given(st.integers(min_value=0, max_value=10 * YEAR), st.integers(min_value=0, max_value=999_999))
def test_timestamp_age_agrees_with_seconds(whole_seconds: int, micros: int) -> None:
    created = NOW - timedelta(seconds=whole_seconds, microseconds=micros)
    stamp = created.isoformat().replace("+00:00", "Z")
    assert translate_timestamp_since(stamp, NOW) == human_duration(whole_seconds)
