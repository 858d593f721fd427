"""Viewers may look but not change: one middleware refuses every handler not marked read-only."""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, Message, TelegramObject

from predlagator.bot.access.middleware import Handler
from predlagator.bot.texts import N_, t
from predlagator.models import Operator, Role

# Handlers that only show something carry this flag (`flags=READ_ONLY` where they are
# registered); everything else changes data, so a handler is refused to viewers unless marked.
READ_ONLY = {"read_only": True}
REFUSAL = N_("You can look, but viewers can't change anything.")


class ViewersRefused(BaseMiddleware):
    """Inner middleware: a viewer reaching a handler that changes data gets one refusal."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Run the handler, unless a viewer would change something with it."""
        operator = data.get("operator")
        if not isinstance(operator, Operator) or operator.role is not Role.VIEWER:
            return await handler(event, data)
        if get_flag(data, "read_only"):
            return await handler(event, data)
        lang: str = data["lang"]
        # A viewer met a stale button or a dialog of its former role: the state goes too.
        state = data.get("state")
        if state is not None:
            await state.clear()
        if isinstance(event, CallbackQuery):
            await event.answer(t(lang, REFUSAL), show_alert=True)
        elif isinstance(event, Message):
            await event.answer(t(lang, REFUSAL))
        return None
