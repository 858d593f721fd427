"""A recurring campaign's rule: what the operator typed, and when each round starts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

# Bounds that keep a rule sane: a round at most hourly for a year, at most 1,000 rounds.
MAX_EVERY_HOURS = 24 * 7
MAX_EVERY_DAYS = 365
MAX_ROUNDS = 1000


class Kind(StrEnum):
    """How rounds follow one another."""

    HOURS = "hours"  # every N hours of elapsed time
    DAYS = "days"  # every N days at the same wall-clock time in the zone
    WEEKDAYS = "weekdays"  # on chosen weekdays at a time of day in the zone


class Rule(BaseModel):
    """When a campaign's rounds start, how many there are, and whether the last post goes."""

    model_config = ConfigDict(frozen=True)

    kind: Kind
    every: int = 1  # hours or days; unused for weekdays
    weekdays: tuple[int, ...] = ()  # 0 Monday … 6 Sunday
    at: time | None = None  # weekdays' time of day
    rounds: int | None = None  # how many rounds in all (the first included)
    until: date | None = None  # no round starts after this day (in the zone)
    delete_previous: bool = False

    def to_json(self) -> dict[str, Any]:
        """The rule as stored in campaigns.repeat."""
        return self.model_dump(mode="json")


class BadValue(ValueError):
    """A typed value the rule cannot take; `code` names what was wrong, for the bot's words."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def from_json(raw: dict[str, Any] | None) -> Rule | None:
    """The stored rule, or None for a campaign sent once."""
    return None if raw is None else Rule.model_validate(raw)


def parse_every(text: str, kind: Kind) -> int:
    """N of "every N hours/days", typed as a whole number."""
    value = _whole(text)
    top = MAX_EVERY_HOURS if kind is Kind.HOURS else MAX_EVERY_DAYS
    if not 1 <= value <= top:
        raise BadValue("every_range")
    return value


def parse_rounds(text: str) -> int:
    """How many rounds in all: 2 or more (one round is a campaign sent once)."""
    value = _whole(text)
    if not 2 <= value <= MAX_ROUNDS:
        raise BadValue("rounds_range")
    return value


def parse_time(text: str) -> time:
    """A time of day: 9, 9:30, 09.30 or 21:05."""
    match = re.fullmatch(r"\s*(\d{1,2})(?:[:.](\d{2}))?\s*", text)
    if match is None:
        raise BadValue("time_format")
    hour, minute = int(match[1]), int(match[2] or 0)
    if hour > 23 or minute > 59:
        raise BadValue("time_range")
    return time(hour, minute)


def parse_until(text: str, today: date) -> date:
    """The last day a round may start: 2026-12-31 or 31.12.2026, today or later."""
    raw = text.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            day = datetime.strptime(raw, fmt).replace(tzinfo=UTC).date()
        except ValueError:
            continue
        if day < today:
            raise BadValue("until_past")
        return day
    raise BadValue("date_format")


def _whole(text: str) -> int:
    raw = text.strip()
    if not raw.isdigit():
        raise BadValue("not_a_number")
    return int(raw)


def first_at(rule: Rule, start: datetime, tz: str) -> datetime:
    """When round 1 starts for a campaign started (or scheduled) at `start`."""
    if rule.kind is Kind.WEEKDAYS:
        return _next_weekday(rule, start - timedelta(microseconds=1), ZoneInfo(tz))
    return start


def following(rule: Rule, round_no: int, due: datetime, tz: str) -> datetime | None:
    """When the round after round `round_no` (due at `due`) starts; None if none comes.

    Rounds follow their due times, not their actual starts, so a late start never drifts the
    rest; days and weekdays keep their wall-clock time in `tz` across daylight-saving changes.
    """
    if rule.rounds is not None and round_no >= rule.rounds:
        return None
    zone = ZoneInfo(tz)
    if rule.kind is Kind.HOURS:
        nxt = due + timedelta(hours=rule.every)
    elif rule.kind is Kind.DAYS:
        local = due.astimezone(zone)
        day = local.date() + timedelta(days=rule.every)
        nxt = _at_local(day, local.time().replace(tzinfo=None), zone)
    else:
        nxt = _next_weekday(rule, due, zone)
    if rule.until is not None and nxt.astimezone(zone).date() > rule.until:
        return None
    return nxt


def _next_weekday(rule: Rule, after: datetime, zone: ZoneInfo) -> datetime:
    """The first chosen weekday at the rule's time strictly after `after`."""
    assert rule.weekdays and rule.at is not None
    day = after.astimezone(zone).date()
    for step in range(8):
        candidate_day = day + timedelta(days=step)
        if candidate_day.weekday() in rule.weekdays:
            moment = _at_local(candidate_day, rule.at, zone)
            if moment > after:
                return moment
    raise AssertionError("a chosen weekday comes within 8 days")


def _at_local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`day` at wall-clock `at` in `zone`, as a UTC moment. A time the clocks skip (spring
    forward) moves on by the gap (02:30 becomes 03:30); a time they pass twice is the first."""
    return datetime.combine(day, at).replace(tzinfo=zone).astimezone(UTC)
