"""Telegram error codes (delivery/errors.py) as operators read them, in their language."""

from __future__ import annotations

from predlagator.bot.texts import t, tn
from predlagator.telegram_errors import ErrorClass, classify


def error_label(lang: str, code: str) -> str:
    """What went wrong, in words; a code we have no words for is shown as it is."""
    labels = {
        "CHAT_WRITE_FORBIDDEN": t(lang, "the account may not post there"),
        "CHANNEL_PRIVATE": t(lang, "the channel is private, or the account was removed from it"),
        "USER_BANNED_IN_CHANNEL": t(lang, "the account is banned there"),
        "CHANNEL_INVALID": t(lang, "the channel can't be found"),
        "PEER_ID_INVALID": t(lang, "the channel can't be found"),
        "USERNAME_NOT_OCCUPIED": t(lang, "no channel has this username"),
        "USERNAME_INVALID": t(lang, "the username is not valid"),
        "CHAT_RESTRICTED": t(lang, "the chat is restricted"),
        "INVITE_HASH_EXPIRED": t(lang, "the invite link has expired"),
        "INVITE_HASH_INVALID": t(lang, "the invite link is not valid"),
        "TIMEOUT": t(lang, "Telegram did not answer in time"),
        "NETWORK": t(lang, "network errors"),
        "SERVER": t(lang, "Telegram server errors"),
        "UNKNOWN": t(lang, "unexpected errors"),
    }
    return labels.get(code, code)


def deactivation_label(lang: str, reason: str | None) -> str:
    """Why a channel was switched off: a permanent error, or repeated errors ("TIMEOUT ×5")."""
    code, _, times = (reason or "").partition(" ×")
    if not code:
        return t(lang, "no reason recorded")
    label = error_label(lang, code)
    if times.isdigit() and classify(code) is ErrorClass.TRANSIENT:
        return tn(
            lang,
            "{label}, {n} time in a row",
            "{label}, {n} times in a row",
            int(times),
            label=label,
        )
    return label
