"""The recurring rule: typed values, and when each round starts in several zones (with DST)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from predlagator import recurrence
from predlagator.recurrence import BadValue, Kind, Rule


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_every_hours_counts_elapsed_time_across_a_dst_change() -> None:
    rule = Rule(kind=Kind.HOURS, every=6, rounds=5)
    # Europe/Berlin springs forward on 2026-03-29 at 02:00 local (01:00 UTC).
    due = utc(2026, 3, 28, 22)
    assert recurrence.following(rule, 1, due, "Europe/Berlin") == utc(2026, 3, 29, 4)


def test_every_days_keeps_the_wall_clock_time_across_dst() -> None:
    rule = Rule(kind=Kind.DAYS, every=1)
    due = utc(2026, 3, 28, 8)  # 09:00 in Berlin (CET)
    nxt = recurrence.following(rule, 1, due, "Europe/Berlin")
    assert nxt == utc(2026, 3, 29, 7)  # 09:00 CEST
    # New York falls back on 2026-11-01.
    due = utc(2026, 10, 31, 13)  # 09:00 EDT
    assert recurrence.following(rule, 3, due, "America/New_York") == utc(2026, 11, 1, 14)


def test_weekdays_at_a_time_in_the_zone() -> None:
    rule = Rule(kind=Kind.WEEKDAYS, weekdays=(0, 3), at=time(9, 0))  # Mon, Thu 09:00
    start = utc(2026, 12, 2, 12)  # a Wednesday
    first = recurrence.first_at(rule, start, "Asia/Tokyo")
    assert first == utc(2026, 12, 3, 0)  # Thu 09:00 JST
    assert recurrence.following(rule, 1, first, "Asia/Tokyo") == utc(2026, 12, 7, 0)  # Mon
    # The same day, when the time is still ahead there.
    assert recurrence.first_at(rule, utc(2026, 12, 2, 23), "Asia/Tokyo") == utc(2026, 12, 3, 0)


def test_weekdays_at_a_time_the_clocks_skip_moves_on_by_the_gap() -> None:
    rule = Rule(kind=Kind.WEEKDAYS, weekdays=(6,), at=time(2, 30))  # Sundays 02:30
    first = recurrence.first_at(rule, utc(2026, 3, 27), "Europe/Berlin")
    assert first == utc(2026, 3, 29, 1, 30)  # 03:30 CEST: 02:30 does not exist that day


def test_rounds_and_until_end_the_series() -> None:
    rule = Rule(kind=Kind.HOURS, every=1, rounds=3)
    assert recurrence.following(rule, 2, utc(2026, 1, 1), "UTC") == utc(2026, 1, 1, 1)
    assert recurrence.following(rule, 3, utc(2026, 1, 1), "UTC") is None
    until = Rule(kind=Kind.DAYS, every=1, until=date(2026, 1, 2))
    # Jan 2 00:00 UTC is 03:00 in Moscow, the last day; 23:00 UTC on Jan 1 is already Jan 2
    # there, so the round after it (Jan 3) is past the date.
    assert recurrence.following(until, 1, utc(2026, 1, 1, 0), "Europe/Moscow") is not None
    assert recurrence.following(until, 2, utc(2026, 1, 1, 23), "Europe/Moscow") is None


def test_stored_and_read_back() -> None:
    rule = Rule(
        kind=Kind.WEEKDAYS, weekdays=(1, 4), at=time(18, 15), rounds=10, delete_previous=True
    )
    assert recurrence.from_json(rule.to_json()) == rule
    assert recurrence.from_json(None) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("abc", "not_a_number"),
        ("0", "every_range"),
        ("-2", "not_a_number"),
        ("1000", "every_range"),
    ],
)
def test_bad_every(text: str, code: str) -> None:
    with pytest.raises(BadValue) as caught:
        recurrence.parse_every(text, Kind.HOURS)
    assert caught.value.code == code


def test_typed_values() -> None:
    assert recurrence.parse_every(" 12 ", Kind.HOURS) == 12
    assert recurrence.parse_rounds("10") == 10
    assert recurrence.parse_time("9") == time(9)
    assert recurrence.parse_time("21.05") == time(21, 5)
    assert recurrence.parse_until("31.12.2026", date(2026, 12, 2)) == date(2026, 12, 31)
    for text, code in [("25:00", "time_range"), ("noon", "time_format")]:
        with pytest.raises(BadValue) as caught:
            recurrence.parse_time(text)
        assert caught.value.code == code
    for text, code in [("1.12.2026", "until_past"), ("soon", "date_format")]:
        with pytest.raises(BadValue) as caught:
            recurrence.parse_until(text, date(2026, 12, 2))
        assert caught.value.code == code
    with pytest.raises(BadValue) as caught:
        recurrence.parse_rounds("1")
    assert caught.value.code == "rounds_range"
