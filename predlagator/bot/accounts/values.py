"""What operators type about an account: a pace, a daily cap, a name, a simulation; each valid
or refused with why."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from predlagator.bot.texts import echo, t
from predlagator.db.accounts import MAIN_ACCOUNT

T = TypeVar("T")

# The same bound as DEFAULT_RATE_PER_MINUTE's: beyond 100 a second no pacing is meant.
PACE_MAX = 6000.0
CAP_MAX = 1_000_000
NAME_MAX = 32
LATENCY_MAX_MS = 60_000
DEFAULT_LATENCY_MS = 300
DEFAULT_FAILURE_SHARE = 0.05

_NUMBER = re.compile(r"^\d{1,6}([.,]\d{1,3})?$")
_WHOLE = re.compile(r"^\d{1,7}$")
# The chat login's rule (login.py): a name shows on buttons, in logs and in lock keys.
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_SHARE = re.compile(r"^(\d{1,3}([.,]\d{1,4})?)(%?)$")


@dataclass(frozen=True)
class Answer(Generic[T]):
    """A parsed answer, or the reason (operator text) it was refused."""

    value: T | None = None
    refusal: str | None = None


def pace(text: str, lang: str) -> Answer[float]:
    """Posts a minute: above 0, at most 6000; "0,5" reads like "0.5"."""
    text = text.strip()
    if not _NUMBER.match(text):
        return Answer(
            refusal=t(
                lang,
                "«{text}» is not a number. Send the pace in posts a minute, e.g. 20.",
                text=echo(text),
            )
        )
    value = float(text.replace(",", "."))
    if not 0 < value <= PACE_MAX:
        return Answer(
            refusal=t(
                lang,
                "The pace must be above 0 and at most {max} posts a minute.",
                max=f"{PACE_MAX:g}",
            )
        )
    return Answer(value=value)


def cap(text: str, lang: str) -> Answer[int]:
    """Posts a day at most: a whole number from 1."""
    text = text.strip()
    value = int(text) if _WHOLE.match(text) else None
    if value is None or not 1 <= value <= CAP_MAX:
        return Answer(
            refusal=t(
                lang,
                "The daily cap must be a whole number from 1 to {max}, or press No cap.",
                max=CAP_MAX,
            )
        )
    return Answer(value=value)


def name(text: str, lang: str) -> Answer[str]:
    """A new account's name: Latin letters, digits, _ and -, as the chat login takes."""
    value = text.strip()
    if not value:
        return Answer(refusal=t(lang, "A name can't be empty. Send the account's name."))
    if len(value) > NAME_MAX:
        return Answer(
            refusal=t(
                lang,
                "The name is too long: {n} characters, at most {max}.",
                n=len(value),
                max=NAME_MAX,
            )
        )
    if not _NAME.match(value):
        return Answer(
            refusal=t(
                lang,
                "«{name}» is not a name: only Latin letters, digits, _ and -.",
                name=echo(value),
            )
        )
    if value.lower() == MAIN_ACCOUNT:
        return Answer(
            refusal=t(
                lang,
                "«{name}» is kept for the account of TG_SESSION. Choose another name.",
                name=MAIN_ACCOUNT,
            )
        )
    return Answer(value=value)


def simulation(text: str, lang: str) -> Answer[tuple[int, float]]:
    """ "300 0.05" or "300 5%": latency in ms, then the share of sends that fail (optional)."""
    words = text.replace("/", " ").split()
    refusal = t(
        lang,
        "Send the latency in ms and the share of sends that fail, e.g. «300 0.05» or "
        "«300 5%» (latency from 0 to {max} ms, share from 0 to 1), or press Defaults.",
        max=LATENCY_MAX_MS,
    )
    if not 1 <= len(words) <= 2 or not _WHOLE.match(words[0]):
        return Answer(refusal=refusal)
    latency = int(words[0])
    share = DEFAULT_FAILURE_SHARE
    if len(words) == 2:
        match = _SHARE.match(words[1])
        if match is None:
            return Answer(refusal=refusal)
        share = float(match[1].replace(",", ".")) / (100 if match[3] else 1)
    if latency > LATENCY_MAX_MS or not 0 <= share <= 1:
        return Answer(refusal=refusal)
    return Answer(value=(latency, share))
