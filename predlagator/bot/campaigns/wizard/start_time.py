"""Start times typed by operators ("HH:MM" or "YYYY-MM-DD HH:MM") in the configured zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

# Further ahead than this is almost certainly a typo in the year.
MAX_AHEAD = timedelta(days=365)

_CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})$")
_FULL = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2})[:.](\d{2})$")


class Refusal(StrEnum):
    """Why a typed time was not taken."""

    FORMAT = "format"  # neither HH:MM nor YYYY-MM-DD HH:MM
    NO_SUCH_TIME = "no_such_time"  # 25:00, February 30th
    SKIPPED = "skipped"  # inside the hour the clocks jump over
    PAST = "past"
    TOO_FAR = "too_far"


@dataclass(frozen=True)
class Parsed:
    """A typed time: the moment (aware, in the zone) or why it was refused."""

    at: datetime | None = None
    refusal: Refusal | None = None


def parse_start(text: str, now: datetime, zone: ZoneInfo) -> Parsed:
    """Read "HH:MM" (today, or tomorrow once past) or "YYYY-MM-DD HH:MM" in `zone`."""
    text = " ".join(text.split())
    local_now = now.astimezone(zone)
    clock = _CLOCK.match(text)
    full = _FULL.match(text)
    try:
        if clock:
            wall = time(int(clock[1]), int(clock[2]))
            day = local_now.date()
        elif full:
            day = date(int(full[1]), int(full[2]), int(full[3]))
            wall = time(int(full[4]), int(full[5]))
        else:
            return Parsed(refusal=Refusal.FORMAT)
    except ValueError:
        return Parsed(refusal=Refusal.NO_SUCH_TIME)
    at = _local(day, wall, zone)
    if clock and (at is None or at <= now):
        at = _local(day + timedelta(days=1), wall, zone)
    return check_start(at, now) if at is not None else Parsed(refusal=Refusal.SKIPPED)


def check_start(at: datetime, now: datetime) -> Parsed:
    """Accept a moment that is ahead of `now`, but not absurdly far."""
    if at <= now:
        return Parsed(refusal=Refusal.PAST)
    if at - now > MAX_AHEAD:
        return Parsed(refusal=Refusal.TOO_FAR)
    return Parsed(at=at)


def _local(day: date, wall: time, zone: ZoneInfo) -> datetime | None:
    """The wall-clock time in `zone`, or None if the clocks skip it (spring forward)."""
    at = datetime.combine(day, wall, tzinfo=zone)
    back = at.astimezone(UTC).astimezone(zone)
    return at if (back.date(), back.time()) == (day, wall) else None


def show(at: datetime, zone: ZoneInfo) -> str:
    """A moment as operators read it: "2025-03-01 14:00 Europe/Moscow"."""
    return f"{at.astimezone(zone):%Y-%m-%d %H:%M} {zone.key}"


def suggestions(now: datetime, zone: ZoneInfo) -> list[datetime]:
    """Handy start times: the next full hour, and tomorrow at 09:00 (if that is not the same)."""
    local = now.astimezone(zone)
    next_hour = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    morning = _local(local.date() + timedelta(days=1), time(9, 0), zone)
    # Normalised through UTC: in the hour the clocks skip, the wall time moves to a real one.
    found = [next_hour.astimezone(UTC).astimezone(zone)]
    if morning is not None and morning != found[0]:
        found.append(morning)
    return found
