"""Who may use the bot: owners from settings, operators from the table; strangers are refused.

A stranger gets one refusal a day (kept in PostgreSQL, so every bot process agrees): what they
send in between gets no message, their button presses a silent answer, and the log one line per
refusal with the count of updates ignored since the previous one. Strangers cannot spend the
bot's own Telegram limits or fill its log.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, User

from predlagator.bot.texts import N_, lang_of, t
from predlagator.config import Settings
from predlagator.db import operators, strangers
from predlagator.db.pool import Pool
from predlagator.models import Operator, Role

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

REFUSAL = N_("This is a private bot. Ask its owner to add you.")
# How often one stranger is told; strangers refused longer ago than KEEP are forgotten.
REFUSE_EVERY = timedelta(days=1)
KEEP = timedelta(days=7)


async def sync_owners(pool: Pool, settings: Settings) -> None:
    """Make every id in OWNER_IDS an owner; run at startup so the setting stays the truth."""
    async with pool.connection() as conn:
        for user_id in settings.owner_ids:
            await operators.ensure_owner(conn, user_id)


def is_editor(_: TelegramObject, operator: Operator) -> bool:
    """Filter: the operator may change things (owners and operators)."""
    return operator.role is not Role.VIEWER


class AccessMiddleware(BaseMiddleware):
    """Outer middleware: let operators through with `operator` and `lang`, refuse the rest."""

    def __init__(self, pool: Pool, settings: Settings) -> None:
        self.pool = pool
        self.owner_ids = frozenset(settings.owner_ids)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            return None  # channel posts and service updates have no operator behind them
        lang = lang_of(user.language_code)
        operator = await self._operator(user.id, lang)
        if operator is None:
            await self._refuse(event, user.id, lang)
            return None
        data["operator"] = operator
        data["lang"] = lang
        return await handler(event, data)

    async def _operator(self, user_id: int, lang: str) -> Operator | None:
        async with self.pool.connection() as conn:
            operator = await operators.get(conn, user_id)
            if operator is None and user_id in self.owner_ids:
                # An owner added to OWNER_IDS since startup needs no restart.
                operator = await operators.ensure_owner(conn, user_id)
            if operator is not None and operator.language != lang:
                # The worker's messages (cards, reports) follow the operator's language.
                await operators.set_language(conn, user_id, lang)
            return operator

    async def _refuse(self, event: TelegramObject, user_id: int, lang: str) -> None:
        if isinstance(event, CallbackQuery):
            # Pressing a button of someone else's message: stop the spinner, say nothing.
            async with self.pool.connection() as conn:
                await strangers.note_ignored(conn, user_id)
            await event.answer()
            return
        async with self.pool.connection() as conn:
            refuse, ignored = await strangers.note_message(conn, user_id, REFUSE_EVERY)
            if refuse:
                await strangers.prune(conn, KEEP)
        if refuse and isinstance(event, Message):
            log.info("stranger refused", extra={"user_id": user_id, "ignored": ignored})
            await event.answer(t(lang, REFUSAL))
