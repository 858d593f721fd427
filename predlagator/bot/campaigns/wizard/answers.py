"""Typed answers of the wizard: a name, a pace, a retry limit; each valid or refused with why."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from predlagator.bot.campaigns.wizard.start_time import Parsed, Refusal
from predlagator.bot.texts import t

T = TypeVar("T")

NAME_MAX = 100
# A user account posting faster than once a second gets limited by Telegram; slower than one
# post in ten minutes is almost certainly a typo.
RATE_MIN, RATE_MAX = 0.1, 60.0
RETRY_MIN, RETRY_MAX = 0, 10

_NUMBER = re.compile(r"^\d{1,6}([.,]\d{1,3})?$")
_WHOLE = re.compile(r"^\d{1,6}$")


@dataclass(frozen=True)
class Answer(Generic[T]):
    """A parsed answer, or the reason (operator text) it was refused."""

    value: T | None = None
    refusal: str | None = None


def name(text: str, lang: str) -> Answer[str]:
    """A campaign name: one line, not too long."""
    value = text.strip()
    if "\n" in value:
        return Answer(refusal=t(lang, "The name must be one line."))
    if len(value) > NAME_MAX:
        return Answer(
            refusal=t(
                lang,
                "The name is too long: {n} characters, at most {max}.",
                n=len(value),
                max=NAME_MAX,
            )
        )
    return Answer(value=value)


def rate_max(accounts: int) -> float:
    """The highest pace (or cap) a campaign over `accounts` accounts may be given."""
    # Each account is held to its own safe pace; the campaign's cap can add them up.
    return RATE_MAX * max(accounts, 1)


def rate(text: str, lang: str, top: float = RATE_MAX) -> Answer[float]:
    """Posts per minute, within the sane range (up to `top`); "0,5" is read like "0.5"."""
    text = text.strip()
    value = float(text.replace(",", ".")) if _NUMBER.match(text) else None
    if value is None or not RATE_MIN <= value <= top:
        return Answer(refusal=rate_range(lang, top))
    return Answer(value=value)


def rate_range(lang: str, top: float = RATE_MAX) -> str:
    """What a pace may be."""
    return t(
        lang,
        "Rate must be between {min} and {max} posts per minute.",
        min=f"{RATE_MIN:g}",
        max=f"{top:g}",
    )


def retry_limit(text: str, lang: str) -> Answer[int]:
    """Retries after a temporary error: a whole number within the range."""
    text = text.strip()
    value = int(text) if _WHOLE.match(text) else None
    if value is None or not RETRY_MIN <= value <= RETRY_MAX:
        return Answer(
            refusal=t(
                lang,
                "Retries must be a whole number from {min} to {max}.",
                min=RETRY_MIN,
                max=RETRY_MAX,
            )
        )
    return Answer(value=value)


def start(parsed: Parsed, text: str, zone: ZoneInfo, lang: str) -> Answer[datetime]:
    """A typed or pressed start time, or why it can't be used (the zone always named)."""
    if parsed.at is not None:
        return Answer(value=parsed.at)
    formats = t(
        lang, "Send the time as HH:MM or YYYY-MM-DD HH:MM ({zone}), or press Now.", zone=zone.key
    )
    if parsed.refusal is Refusal.PAST:
        reason = t(lang, "{text} is in the past ({zone}).", text=text, zone=zone.key)
    elif parsed.refusal is Refusal.TOO_FAR:
        reason = t(lang, "{text} is more than a year ahead.", text=text)
    elif parsed.refusal is Refusal.SKIPPED:
        reason = t(
            lang, "{text} does not exist in {zone}: the clocks skip it.", text=text, zone=zone.key
        )
    elif parsed.refusal is Refusal.NO_SUCH_TIME:
        reason = t(lang, "There is no such date or time: {text}.", text=text)
    else:
        return Answer(refusal=formats)
    return Answer(refusal=f"{reason} {formats}")
