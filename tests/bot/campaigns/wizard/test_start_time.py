"""Typed start times: formats, today or tomorrow, the zone, the past and clock changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from predlagator.bot.campaigns.wizard.start_time import (
    Parsed,
    Refusal,
    parse_start,
    show,
    suggestions,
)

MOSCOW = ZoneInfo("Europe/Moscow")  # UTC+3, no daylight saving
BERLIN = ZoneInfo("Europe/Berlin")
UTC_ZONE = ZoneInfo("UTC")
NOW = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)  # 15:30 in Moscow


@pytest.mark.parametrize(
    ("text", "zone", "utc"),
    [
        ("16:00", MOSCOW, datetime(2025, 3, 1, 13, 0, tzinfo=UTC)),  # later today
        ("9:05", MOSCOW, datetime(2025, 3, 2, 6, 5, tzinfo=UTC)),  # past today: tomorrow
        ("15:30", MOSCOW, datetime(2025, 3, 2, 12, 30, tzinfo=UTC)),  # this very minute: tomorrow
        ("16.00", MOSCOW, datetime(2025, 3, 1, 13, 0, tzinfo=UTC)),
        (" 13:00 ", UTC_ZONE, datetime(2025, 3, 1, 13, 0, tzinfo=UTC)),
        ("2025-03-05 09:00", MOSCOW, datetime(2025, 3, 5, 6, 0, tzinfo=UTC)),
        ("2025-3-5 9:00", MOSCOW, datetime(2025, 3, 5, 6, 0, tzinfo=UTC)),
        ("2025-03-05T09:00", UTC_ZONE, datetime(2025, 3, 5, 9, 0, tzinfo=UTC)),
        ("2025-03-01  15:31", MOSCOW, datetime(2025, 3, 1, 12, 31, tzinfo=UTC)),
    ],
)
def test_accepted_times(text: str, zone: ZoneInfo, utc: datetime) -> None:
    parsed = parse_start(text, NOW, zone)
    assert parsed.refusal is None
    assert parsed.at == utc
    assert parsed.at is not None and parsed.at.tzinfo == zone  # shown in the operator's zone


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("now", Refusal.FORMAT),
        ("16", Refusal.FORMAT),
        ("16:0", Refusal.FORMAT),
        ("01.03.2025 16:00", Refusal.FORMAT),
        ("2025-03-05", Refusal.FORMAT),
        ("", Refusal.FORMAT),
        ("24:00", Refusal.NO_SUCH_TIME),
        ("12:60", Refusal.NO_SUCH_TIME),
        ("2025-02-30 10:00", Refusal.NO_SUCH_TIME),
        ("2025-03-01 15:30", Refusal.PAST),  # this minute has begun
        ("2025-02-28 23:00", Refusal.PAST),
        ("2024-12-31 10:00", Refusal.PAST),
        ("2026-03-02 10:00", Refusal.TOO_FAR),
    ],
)
def test_refused_times(text: str, refusal: Refusal) -> None:
    assert parse_start(text, NOW, MOSCOW) == Parsed(refusal=refusal)


def test_a_time_the_clocks_skip_is_refused() -> None:
    # Berlin moves from 02:00 to 03:00 on 2025-03-30.
    now = datetime(2025, 3, 29, 12, 0, tzinfo=UTC)
    assert parse_start("2025-03-30 02:30", now, BERLIN) == Parsed(refusal=Refusal.SKIPPED)
    assert parse_start("02:30", now, BERLIN) == Parsed(refusal=Refusal.SKIPPED)
    assert parse_start("2025-03-30 03:30", now, BERLIN).at == datetime(
        2025, 3, 30, 1, 30, tzinfo=UTC
    )


def test_show_names_the_zone() -> None:
    assert show(datetime(2025, 3, 1, 13, 0, tzinfo=UTC), MOSCOW) == "2025-03-01 16:00 Europe/Moscow"
    assert show(datetime(2025, 3, 1, 13, 0, tzinfo=UTC), UTC_ZONE) == "2025-03-01 13:00 UTC"


def test_suggestions() -> None:
    assert [show(at, MOSCOW) for at in suggestions(NOW, MOSCOW)] == [
        "2025-03-01 16:00 Europe/Moscow",
        "2025-03-02 09:00 Europe/Moscow",
    ]
    late = datetime(2025, 3, 2, 5, 10, tzinfo=UTC)  # 08:10 in Moscow: the next hour is 09:00
    assert [show(at, MOSCOW) for at in suggestions(late, MOSCOW)] == [
        "2025-03-02 09:00 Europe/Moscow",
        "2025-03-03 09:00 Europe/Moscow",
    ]
