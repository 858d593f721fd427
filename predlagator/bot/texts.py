"""Operator-facing text: gettext lookups (aiogram's I18n over .po catalogs) and shared labels.

Messages are written in English in the code, `t(lang, "Sent {n}.", n=3)`; Russian lives in
locales/ru/LC_MESSAGES/messages.po. `python -m predlagator.bot.catalog` brings the catalog up to
date with the code, and tests/test_i18n.py fails on any message left untranslated.
"""

from __future__ import annotations

import html
import math

from predlagator import telegram_errors
from predlagator.bot.catalog import i18n

LANGUAGES = ("en", "ru")


class Html(str):
    """A parameter that is already HTML (rendered by us), so `t` does not escape it."""

    __slots__ = ()


def N_(message: str) -> str:
    """Mark a message for the catalog where it is defined; translate it later with `t`."""
    return message


# How much of something the operator typed (a name, a reference) a reply repeats: enough to
# recognise it, never enough to push the reply past Telegram's 4,096 characters.
ECHO_CHARS = 64


def echo(text: str, limit: int = ECHO_CHARS) -> str:
    """Operator input to repeat in a reply, cut to `limit` characters (see `cut`)."""
    return cut(text, limit)


def lang_of(language_code: str | None) -> str:
    """Pick the language for a Telegram user's `language_code`."""
    return "ru" if (language_code or "").lower().startswith("ru") else "en"


def t(lang: str, message: str, /, **params: object) -> str:
    """Translate `message` into `lang` and fill in params, HTML-escaped unless `Html`."""
    return _fill(i18n.gettext(message, locale=lang), params)


def plain(lang: str, message: str, /, **params: object) -> str:
    """Translate `message` and fill in params as they are: for text that is not HTML, or that
    is escaped later as a whole (after cutting, so no cut falls inside an escape)."""
    return i18n.gettext(message, locale=lang).format(**params)


def tn(lang: str, singular: str, plural: str, n: int, /, **params: object) -> str:
    """Translate a message whose form depends on `n` (passed on as the `n` param)."""
    return _fill(i18n.gettext(singular, plural, n, locale=lang), {"n": n, **params})


def _fill(template: str, params: dict[str, object]) -> str:
    """Format `template` with params, escaping every one that is not already HTML."""
    safe = {
        name: value if isinstance(value, Html | int | float) else html.escape(str(value))
        for name, value in params.items()
    }
    return template.format(**safe)


def duration(lang: str, minutes: float) -> Html:
    """Say a span of minutes in words (as HTML): "30 s" and "1 min 30 s" under two minutes,
    then whole minutes, "12 min", "2 h 5 min"."""
    seconds = max(minutes, 0) * 60
    if seconds < 120:
        mins, secs = divmod(math.floor(seconds), 60)
        if not mins:
            return Html(t(lang, "{n} s", n=secs))
        if not secs:
            return Html(t(lang, "{n} min", n=mins))
        return Html(t(lang, "{m} min {s} s", m=mins, s=secs))
    hours, mins = divmod(math.floor(seconds / 60 + 0.5), 60)
    if not hours:
        return Html(t(lang, "{n} min", n=mins))
    if not mins:
        return Html(t(lang, "{h} h", h=hours))
    return Html(t(lang, "{h} h {m} min", h=hours, m=mins))


def error(lang: str, code: str | None, number: int | None = None) -> Html:
    """A Telegram error code in the operator's words (telegram_errors), as HTML."""
    if not code:
        return Html(t(lang, "no reason recorded"))
    # Plain text in HTML: quotes need no escaping outside attributes, and read better bare.
    return Html(html.escape(telegram_errors.describe(code, lang, number), quote=False))


def switched_off(lang: str, code: str | None, count: int | None) -> Html:
    """Why a channel was switched off: one error, or the same one `count` times in a row."""
    if count is None or count <= 1 or not code:
        return error(lang, code)
    return Html(
        tn(
            lang,
            "{label}, {n} time in a row",
            "{label}, {n} times in a row",
            count,
            label=error(lang, code),
        )
    )


# How much of a name a button label shows: Telegram cuts long labels, and ids keep them apart.
LABEL = 40
_TRAILING = " \t\n,;:.·-–—"


def cut(text: str, limit: int = LABEL) -> str:
    """`text` if it fits in `limit` characters, else its first whole words and "…".

    When the last whole word would leave less than a third of the room, the long word after
    it is cut inside instead, or little of the label would be left.
    """
    if len(text) <= limit:
        return text
    head = text[: limit - 1]  # room for the ellipsis
    if not text[limit - 1].isspace():
        boundary = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
        if boundary >= limit // 3:
            head = head[:boundary]
    return (head.rstrip(_TRAILING) or head) + "…"


STATUS = {
    "draft": N_("📝 Draft"),
    "scheduled": N_("🕐 Starting"),
    "running": N_("🚀 Running"),
    "paused": N_("⏸ Paused"),
    "waiting": N_("⏳ Waiting (Telegram limit)"),
    "completed": N_("✅ Completed"),
    "cancelled": N_("⛔ Cancelled"),
}

# What a template holds, by its kind; and what an action over posts does (in the audit log).
KIND = {
    "text": N_("text"),
    "photo": N_("photo"),
    "video": N_("video"),
    "document": N_("document"),
    "edit": N_("edit"),
    "delete": N_("delete"),
    "pin": N_("pin"),
    "unpin": N_("unpin"),
}

ROLE = {"owner": N_("owner"), "operator": N_("operator"), "viewer": N_("viewer")}

# Why a line of a channel list was refused; keys come from channel_refs.
REASON = {
    "not_a_reference": N_("not a channel reference"),
    "username_chars": N_("a username has only letters, digits and _"),
    "username_length": N_("a username is 5 to 32 characters"),
    "username_start": N_("a username starts with a letter"),
    "username_underscores": N_("a username has no double or trailing _"),
    "invite_invalid": N_("not a valid invite link"),
    "numeric_id": N_("channel ids start with -100"),
}
