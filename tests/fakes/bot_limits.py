"""Telegram's length limits on what a bot sends, refused the way Telegram refuses them.

Both Bot API fakes (the recording session and the HTTP server) check every call here, so any
test whose reply would be too long for Telegram fails as the real bot would (with a 400).
Telegram counts the text after parsing its HTML (tags off, entities read), in UTF-16 code units.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any, Final

MAX_TEXT: Final = 4096
MAX_CAPTION: Final = 1024
MAX_CALLBACK_ANSWER: Final = 200

_TAG = re.compile(r"<[^>]*>")

# Methods whose field is limited, with the limit and Telegram's answer when it is exceeded.
_LIMITS: Final[dict[str, tuple[str, int, str]]] = {
    "sendMessage": ("text", MAX_TEXT, "Bad Request: message is too long"),
    "editMessageText": ("text", MAX_TEXT, "Bad Request: message is too long"),
    "sendPhoto": ("caption", MAX_CAPTION, "Bad Request: message caption is too long"),
    "sendVideo": ("caption", MAX_CAPTION, "Bad Request: message caption is too long"),
    "sendDocument": ("caption", MAX_CAPTION, "Bad Request: message caption is too long"),
    "sendAnimation": ("caption", MAX_CAPTION, "Bad Request: message caption is too long"),
    "editMessageCaption": ("caption", MAX_CAPTION, "Bad Request: message caption is too long"),
    "answerCallbackQuery": ("text", MAX_CALLBACK_ANSWER, "Bad Request: MESSAGE_TOO_LONG"),
}


def visible_length(text: str, parse_mode: object) -> int:
    """The length Telegram counts: HTML parsed when the parse mode says so, UTF-16 units."""
    if str(getattr(parse_mode, "value", parse_mode)).lower() == "html":
        text = html.unescape(_TAG.sub("", text))
    return len(text.encode("utf-16-le")) // 2


def too_long(method: str, params: Mapping[str, Any]) -> str | None:
    """Telegram's error description if the call exceeds a limit, else None."""
    limit = _LIMITS.get(method)
    if limit is None:
        return None
    field, most, description = limit
    value = params.get(field)
    if not isinstance(value, str):
        return None
    return description if visible_length(value, params.get("parse_mode")) > most else None
