"""Input no handler can take: a NUL character, which PostgreSQL text cannot hold.

Checked once, before routing, on everything an update carries (text, caption, file names,
link addresses, command arguments, button data), so no feature has to remember it and no
lookup or insert fails halfway with a traceback.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject

from predlagator.bot.texts import N_, t

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

# Who sent it, where, and what it answers: Telegram's envelope, not what the operator wrote.
_ENVELOPE = {"from_user", "chat", "sender_chat", "reply_to_message", "external_reply", "via_bot"}

NUL_REFUSED = N_(
    "That message contains a NUL character, which can't be stored; send it again without it."
)
STALE_BUTTON = N_("This button is no longer valid")


def holds_nul(value: object) -> bool:
    """Whether any string in a (model-dumped) value holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(holds_nul(item) for item in value)
    return False


class NulRefused(BaseMiddleware):
    """Outer middleware after access: a message or press holding a NUL gets one answer."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Pass the update on, unless it holds a NUL character anywhere."""
        lang: str = data.get("lang", "en")
        if isinstance(event, Message) and holds_nul(event.model_dump(exclude=_ENVELOPE)):
            # The dialog, if any, stays where it was: the same question is still open.
            await event.answer(t(lang, NUL_REFUSED))
            return None
        if isinstance(event, CallbackQuery) and holds_nul(event.data):
            await event.answer(t(lang, STALE_BUTTON))  # we never make such a button
            return None
        return await handler(event, data)
