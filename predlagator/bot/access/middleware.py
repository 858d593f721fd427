"""Who may use the bot: owners from settings, operators from the table; strangers are refused."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, User

from predlagator.bot.texts import lang_of, t
from predlagator.config import Settings
from predlagator.db import operators
from predlagator.db.pool import Pool
from predlagator.models import Operator, Role

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


async def sync_owners(pool: Pool, settings: Settings) -> None:
    """Make every id in OWNER_IDS an owner; run at startup so the setting stays the truth."""
    async with pool.connection() as conn:
        for user_id in settings.owner_ids:
            await operators.ensure_owner(conn, user_id)


def is_viewer(_: TelegramObject, operator: Operator) -> bool:
    """Filter: the operator may only look."""
    return operator.role is Role.VIEWER


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
            log.info("stranger refused", extra={"user_id": user.id})
            await _refuse(event, lang)
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


async def _refuse(event: TelegramObject, lang: str) -> None:
    if isinstance(event, Message):
        await event.answer(t(lang, "This is a private bot. Ask its owner to add you."))
    elif isinstance(event, CallbackQuery):
        await event.answer(
            t(lang, "This is a private bot. Ask its owner to add you."), show_alert=True
        )
