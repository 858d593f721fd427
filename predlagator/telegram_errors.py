"""The Telegram error vocabulary: every code's class (DESIGN.md's taxonomy), action and words.

The worker classifies with it and the bot speaks with it: `describe` says one error in the
operator's language, `count_label` labels a number of them (`describe_action` and
`action_count_label` the same for an action over a post). The words are in telegram_words.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

from predlagator.telegram_words import ACTION_WORDS, SPAN, UNKNOWN_CODE, WORDS, Words


class ErrorClass(StrEnum):
    """What the engine does about an error."""

    ACCOUNT_FLOOD = "account_flood"
    SLOWMODE = "slowmode"
    TRANSIENT = "transient"
    CHANNEL_PERMANENT = "channel_permanent"
    NEEDS_OPERATOR = "needs_operator"
    ACCOUNT_FATAL = "account_fatal"
    ALREADY_SENT = "already_sent"


class Action(StrEnum):
    """What happens after an error of a class (DESIGN.md, "what happens")."""

    WAIT_ACCOUNT = "wait_account"  # the account's campaigns wait out the flood, then resume
    RETRY_AFTER_WAIT = "retry_after_wait"  # only this delivery, after the chat's slow mode
    RETRY = "retry"  # backoff up to the retry limit; the channel's error count grows
    FAIL_AND_DEACTIVATE = "fail_and_deactivate"  # failed at once, the channel switched off
    FAIL = "fail"  # failed at once, for the operator to fix
    STOP_ACCOUNT = "stop_account"  # the account stops, its campaigns pause for good
    COUNT_AS_SENT = "count_as_sent"  # the post went out before


ACTIONS = {
    ErrorClass.ACCOUNT_FLOOD: Action.WAIT_ACCOUNT,
    ErrorClass.SLOWMODE: Action.RETRY_AFTER_WAIT,
    ErrorClass.TRANSIENT: Action.RETRY,
    ErrorClass.CHANNEL_PERMANENT: Action.FAIL_AND_DEACTIVATE,
    ErrorClass.NEEDS_OPERATOR: Action.FAIL,
    ErrorClass.ACCOUNT_FATAL: Action.STOP_ACCOUNT,
    ErrorClass.ALREADY_SENT: Action.COUNT_AS_SENT,
}


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
            "CHAT_SEND_GIFS_FORBIDDEN",
            # A forum topic closed, or a discussion group that takes posts from members only.
            "TOPIC_CLOSED",
            "CHAT_GUEST_SEND_FORBIDDEN",
            # Answers to an action over a post already out (edit, delete, pin): a retry cannot
            # change them. Some mean the action is done (delivery/action_outcomes.py decides).
            "MESSAGE_NOT_MODIFIED",
            "MESSAGE_EDIT_TIME_EXPIRED",
            "MESSAGE_ID_INVALID",
            "MESSAGE_DELETE_FORBIDDEN",
            "MESSAGE_AUTHOR_REQUIRED",
            "CHAT_NOT_MODIFIED",
            "PIN_RESTRICTED",
            # Ours: a post out without a message id (Telegram gave none back), so no action
            # can reach it.
            "MESSAGE_ID_UNKNOWN",
            # A login's answers: the operator types the number, code or password again.
            "PHONE_NUMBER_INVALID",
            "PHONE_NUMBER_BANNED",
            "PHONE_NUMBER_FLOOD",
            "PHONE_CODE_INVALID",
            "PHONE_CODE_EXPIRED",
            "SESSION_PASSWORD_NEEDED",
            "PASSWORD_HASH_INVALID",
            # The engine's own reasons for a campaign no account can carry on.
            "NO_ACTIVE_ACCOUNT",
            "ACCOUNT_PAUSED",
            "ACCOUNTS_UNAVAILABLE",
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
            # Telegram limited the account for spam: every further post would fail too.
            "USER_RESTRICTED",
            # Ours, never Telegram's: an operator pressed Stop under the account (/accounts).
            "OPERATOR_STOPPED",
        ],
        ErrorClass.ACCOUNT_FATAL,
    ),
    "RANDOM_ID_DUPLICATE": ErrorClass.ALREADY_SENT,
    # Transient, as any code not named here; named for their words. Ours first: the engine's
    # names for a call that got no answer from Telegram, or an answer it could not read.
    **dict.fromkeys(
        [
            "TIMEOUT",
            "NETWORK",
            "SERVER",
            "UNKNOWN",
            "MSG_WAIT_FAILED",
            # A file Telegram lost or refused: uploaded again once, then retried as any other.
            "FILE_REFERENCE_EXPIRED",
            "FILE_REFERENCE_INVALID",
            "MEDIA_EMPTY",
            "FILE_PARTS_INVALID",
            "FILE_PART_MISSING",
        ],
        ErrorClass.TRANSIENT,
    ),
}
# Every code the taxonomy knows by name; each has its words (tests/test_telegram_errors.py).
CODES = frozenset(_CLASSES)

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


def action(code: str) -> Action:
    """What happens after an error with this code."""
    return ACTIONS[classify(code)]


def describe(code: str, lang: str, number: int | None = None) -> str:
    """One error in the operator's words: 'The account may not post in this channel'.

    `number` is the X of CODE_X (a wait in seconds, a price in Stars); a code given whole
    ("FLOOD_WAIT_30") is split first. Languages other than Russian get English.
    """
    words, code, number = _words(code, number)
    ru = lang == "ru"
    if number is not None and words.numbered_en:
        text = words.numbered_ru if ru else words.numbered_en
        return text.format(n=number, wait=_span(number, lang))
    return (words.event_ru if ru else words.event_en).format(code=code)


def count_label(code: str, lang: str, n: int) -> str:
    """A number of errors with this code: 'not allowed to post: 3'."""
    words, code, _ = _words(code, None)
    label = words.count_ru if lang == "ru" else words.count_en
    return f"{label.format(code=code)}: {n}"


def describe_action(action: str, code: str, lang: str, number: int | None = None) -> str:
    """One error of an action over a post (a PostAction's value: edit, delete, pin, unpin,
    reach) in the operator's words: the action's own where a post's would mislead."""
    words = ACTION_WORDS.get((action, parse(code).code))
    if words is None:
        return describe(code, lang, number)
    return words.event_ru if lang == "ru" else words.event_en


def action_count_label(action: str, code: str, lang: str, n: int) -> str:
    """A number of an action's errors with this code: 'only admins may delete: 3'."""
    words = ACTION_WORDS.get((action, parse(code).code))
    if words is None:
        return count_label(code, lang, n)
    return f"{words.count_ru if lang == 'ru' else words.count_en}: {n}"


def _words(code: str, number: int | None) -> tuple[Words, str, int | None]:
    if code not in WORDS:
        parsed = parse(code)
        if parsed.code in WORDS:
            return WORDS[parsed.code], parsed.code, parsed.seconds
    return WORDS.get(code, UNKNOWN_CODE), code, number


def _span(seconds: int, lang: str) -> str:
    """A wait as it is said: '30 s', '5 min', '1 h 5 min'."""
    short, minutes, hours = SPAN["ru" if lang == "ru" else "en"]
    if seconds < 60:
        return short.format(s=seconds)
    h, m = divmod(math.ceil(seconds / 60), 60)
    return hours.format(h=h, m=m) if h else minutes.format(m=m)
