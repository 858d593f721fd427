"""The Telegram error taxonomy of DESIGN.md: one place decides what each error means."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class ErrorClass(StrEnum):
    """What the engine does about an error."""

    ACCOUNT_FLOOD = "account_flood"
    SLOWMODE = "slowmode"
    TRANSIENT = "transient"
    CHANNEL_PERMANENT = "channel_permanent"
    NEEDS_OPERATOR = "needs_operator"
    ACCOUNT_FATAL = "account_fatal"
    ALREADY_SENT = "already_sent"


class TelegramFailure(Exception):
    """A send or resolve that did not succeed, named by Telegram's error code.

    `code` is Telegram's name with any number taken out (FLOOD_WAIT, not FLOOD_WAIT_30), or one
    of our own: NETWORK, TIMEOUT, SERVER, UNKNOWN. `seconds` carries the X of *_WAIT_X.
    """

    def __init__(self, code: str, seconds: int | None = None, text: str = "") -> None:
        self.code = code
        self.seconds = seconds
        self.text = text or code
        super().__init__(f"{code}: {self.text}" if text else code)


_CLASSES: dict[str, ErrorClass] = {
    **dict.fromkeys(["FLOOD_WAIT", "FLOOD_PREMIUM_WAIT"], ErrorClass.ACCOUNT_FLOOD),
    "SLOWMODE_WAIT": ErrorClass.SLOWMODE,
    **dict.fromkeys(
        [
            "CHAT_WRITE_FORBIDDEN",
            "CHANNEL_PRIVATE",
            "USER_BANNED_IN_CHANNEL",
            "CHANNEL_INVALID",
            "PEER_ID_INVALID",
            "USERNAME_NOT_OCCUPIED",
            "USERNAME_INVALID",
            "CHAT_RESTRICTED",
            "INVITE_HASH_EXPIRED",
            "INVITE_HASH_INVALID",
        ],
        ErrorClass.CHANNEL_PERMANENT,
    ),
    **dict.fromkeys(
        [
            "CHAT_ADMIN_REQUIRED",
            "CHAT_SEND_PLAIN_FORBIDDEN",
            # A media post where the channel takes no media of that kind, or a caption longer
            # than this account may send, or a template whose file is missing.
            "CHAT_SEND_MEDIA_FORBIDDEN",
            "CHAT_SEND_PHOTOS_FORBIDDEN",
            "CHAT_SEND_VIDEOS_FORBIDDEN",
            "CHAT_SEND_DOCS_FORBIDDEN",
            "MEDIA_CAPTION_TOO_LONG",
            "MEDIA_MISSING",
            "ALLOW_PAYMENT_REQUIRED",
            "MESSAGE_TOO_LONG",
            "ENTITY_BOUNDS_INVALID",
            "INVITE_NOT_JOINED",
        ],
        ErrorClass.NEEDS_OPERATOR,
    ),
    **dict.fromkeys(
        [
            "PEER_FLOOD",
            "AUTH_KEY_UNREGISTERED",
            "SESSION_REVOKED",
            "USER_DEACTIVATED",
            "USER_DEACTIVATED_BAN",
            "AUTH_KEY_DUPLICATED",
        ],
        ErrorClass.ACCOUNT_FATAL,
    ),
    "RANDOM_ID_DUPLICATE": ErrorClass.ALREADY_SENT,
}

_NUMBER = re.compile(r"^(?P<name>[A-Z_]+?)_(?P<n>\d+)$")


@dataclass(frozen=True)
class Parsed:
    """A Telegram error message split into its name and number."""

    code: str
    seconds: int | None


def parse(message: str) -> Parsed:
    """Split 'FLOOD_WAIT_30' into ('FLOOD_WAIT', 30); leave other names whole."""
    match = _NUMBER.match(message)
    if match:
        return Parsed(match["name"], int(match["n"]))
    return Parsed(message, None)


def classify(code: str) -> ErrorClass:
    """Return the class of an error code; anything unknown is transient (retried, bounded)."""
    return _CLASSES.get(code, ErrorClass.TRANSIENT)
