"""Notifications-queue tasks of a login from the chat: a step's outcome, and its expiry."""

from __future__ import annotations

import logging
from typing import Any

import procrastinate
from aiogram import Bot
from aiogram.fsm.storage.base import StorageKey
from procrastinate import JobContext

from predlagator.bot import notifications
from predlagator.bot.accounts.login_keys import AddTelegramAccount
from predlagator.bot.accounts.login_texts import FINAL, outcome_text
from predlagator.bot.fsm_storage import PostgresStorage
from predlagator.db import account_logins
from predlagator.db.pool import Pool
from predlagator.queue import names

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()


@blueprint.task(name=names.LOGIN_RESULT, **notifications.TASK)
async def login_result(
    context: JobContext,
    chat_id: int,
    user_id: int,
    lang: str,
    login_id: int,
    name: str,
    outcome: dict[str, Any],
) -> None:
    """Tell the operator how a login step went; a final outcome ends the dialog."""
    bot, pool = notifications.deps(context)
    if outcome.get("kind") in FINAL:
        await end_dialog(bot, pool, chat_id, user_id, login_id)
    text, keyboard = outcome_text(lang, name, outcome)
    await notifications.say(context, bot, chat_id, text, reply_markup=keyboard)


@blueprint.task(name=names.LOGIN_EXPIRY, **notifications.TASK)
async def login_expiry(context: JobContext, login_id: int) -> None:
    """Drop a login not finished in time (its sealed state goes with its row), and say so."""
    bot, pool = notifications.deps(context)
    async with pool.connection() as conn:
        login = await account_logins.expire(conn, login_id)
    if login is None:
        return  # it ended in time
    log.info("login expired", extra={"login_id": login_id})
    await end_dialog(bot, pool, login.chat_id, login.user_id, login_id)
    text, _ = outcome_text(login.lang, login.name, {"kind": "expired"})
    await notifications.say(context, bot, login.chat_id, text)


async def end_dialog(bot: Bot, pool: Pool, chat_id: int, user_id: int, login_id: int) -> None:
    """End the operator's dialog if it is still this login's (they may have moved on)."""
    storage = PostgresStorage(pool)
    key = StorageKey(bot_id=bot.id, chat_id=chat_id, user_id=user_id)
    state = await storage.get_state(key)
    data = await storage.get_data(key)
    if state == AddTelegramAccount.login.state and data.get("login_id") == login_id:
        await storage.set_state(key, None)
        await storage.set_data(key, {})
