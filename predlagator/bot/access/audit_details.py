"""An audit entry's details in words: "batch #2, 20/min, starts 2030-03-05 09:00", not reprs."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from predlagator import telegram_errors
from predlagator.bot.texts import KIND, N_, ROLE, cut, duration, plain

# Details are a hint, not a report: long ones are cut so a page stays readable.
SHOWN = 100

# Each detail as the operator reads it, in this order; any other key follows as "key: value".
WORDS = {
    "name": N_("«{v}»"),
    "ref": N_("channel {v}"),
    "target": N_("to {v}"),
    "account": N_("account {v}"),
    "batch_id": N_("batch #{v}"),
    "template_id": N_("template #{v}"),
    "account_id": N_("account #{v}"),
    "more_accounts": N_("more accounts: #{v}"),
    "pace_uncapped": N_("no cap on the pace: {v}"),
    "rate": N_("{v}/min"),
    "rate_was": N_("was {v}/min"),
    "daily_cap": N_("daily cap {v}"),
    "no_cap": N_("no daily cap"),
    "latency_ms": N_("{v} ms a send"),
    "failure_share": N_("{v} of sends fail"),
    "retry_limit": N_("retry limit {v}"),
    "start_at": N_("starts {v}"),
    "at": N_("at {v}"),
    "seconds": N_("wait {v}"),
    "until": N_("until {v}"),
    "role": N_("role: {v}"),
    "kind": N_("kind: {v}"),
    "size": N_("size: {v}"),
    "channels": N_("channels: {v}"),
    "added": N_("added: {v}"),
    "in_batch": N_("already in it: {v}"),
    "new": N_("new channels: {v}"),
    "removed": N_("removed: {v}"),
    "not_in_batch": N_("not in it: {v}"),
    "invalid": N_("invalid: {v}"),
    "not_sent": N_("not sent: {v}"),
    "run": N_("run {v}"),
    "requeued": N_("queued again: {v}"),
    "reason": N_("reason: {v}"),
    "code": N_("reason: {v}"),
    "count": N_("in a row: {v}"),
    # Actions over a campaign's posts
    "campaign_id": N_("campaign #{v}"),
    "action_id": N_("action #{v}"),
    "posts": N_("posts: {v}"),
    "edit_of": N_("new version of template #{v}"),
    "silent": N_("silent: {v}"),
}
# A Telegram error code (said in words), as opposed to a reason written out.
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{2,}$")
_UNITS = (N_("{n} bytes"), N_("{n} KB"), N_("{n} MB"), N_("{n} GB"))


def details(lang: str, found: dict[str, Any], zone: ZoneInfo) -> str:
    """The details as plain text (not yet HTML-escaped), cut to a line; empty values left out."""
    given = {key: value for key, value in found.items() if value not in (None, "", [], {})}
    parts = []
    old, new = given.get("old"), given.get("new")
    if isinstance(old, str) and isinstance(new, str):  # a rename
        parts.append(plain(lang, "renamed «{old}» → «{new}»", old=old, new=new))
        del given["old"], given["new"]
    keys = [key for key in WORDS if key in given] + sorted(set(given) - set(WORDS))
    for key in keys:
        value = _value(lang, key, given[key], zone)
        words = WORDS.get(key)
        parts.append(plain(lang, words, v=value) if words else f"{key.replace('_', ' ')}: {value}")
    return cut(", ".join(parts), SHOWN)


def when(moment: datetime, zone: ZoneInfo) -> str:
    """A moment as the operator reads it, in the configured zone."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _value(lang: str, key: str, value: Any, zone: ZoneInfo) -> str:
    special: dict[str, Callable[[Any], str]] = {
        "seconds": lambda v: str(duration(lang, float(v) / 60)),
        "size": lambda v: _size(lang, int(v)),
        "role": lambda v: plain(lang, ROLE[v]) if v in ROLE else str(v),
        "kind": lambda v: plain(lang, KIND[v]) if v in KIND else str(v),
        "code": lambda v: telegram_errors.describe(str(v), lang),
        "reason": lambda v: telegram_errors.describe(v, lang) if _CODE.match(str(v)) else str(v),
    }
    if key in special and not isinstance(value, bool):
        try:
            return special[key](value)
        except (TypeError, ValueError):
            pass  # an entry written otherwise before: shown as it is
    if isinstance(value, bool):
        return plain(lang, "yes") if value else plain(lang, "no")
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        joiner = ", #" if key == "more_accounts" else ", "  # ids, each with its #
        return joiner.join(_value(lang, key, item, zone) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value(lang, k, v, zone)}" for k, v in value.items())
    if isinstance(value, str):
        return _moment(value, zone) or value
    return str(value)


def _moment(text: str, zone: ZoneInfo) -> str | None:
    """A stored ISO moment in the zone, or None if `text` is not one."""
    if len(text) < 16 or text[4:5] != "-" or "T" not in text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when(moment, zone) if moment.tzinfo is not None else None


def _size(lang: str, n: int) -> str:
    amount, unit = float(n), 0
    while amount >= 1024 and unit < len(_UNITS) - 1:
        amount, unit = amount / 1024, unit + 1
    shown = (
        f"{amount:.0f}" if unit == 0 or amount >= 10 else f"{amount:.1f}".rstrip("0").rstrip(".")
    )
    return plain(lang, _UNITS[unit], n=shown)
