"""The bot and the worker's login steps over one database: the world login tests run in.

Operator updates go through the real Dispatcher (recording Bot API session); a real
Procrastinate worker runs the login steps (delivery queue) and their outcomes (notifications
queue); the steps' real TelegramClient talks to the fake Telegram.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, LiteralString

import procrastinate
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Message
from telethon import TelegramClient

from predlagator.bot import notifications
from predlagator.bot.accounts import login_notices
from predlagator.bot.fsm_storage import PostgresStorage
from predlagator.db.pool import Pool
from predlagator.delivery import tasks
from predlagator.delivery.login_steps import LoginDeps
from predlagator.queue import names
from predlagator.queue.app import make_app
from predlagator.session_vault import Vault, new_key
from tests.fakes.bot_api import BotHarness, bot_harness, make_message_update
from tests.fakes.telethon_fake import FakeTelegram, fake_client

PHONE = "+49 170 1234567"
DIGITS = "491701234567"
RATE = 20.0


@dataclass
class LoginWorld:
    """The bot side and the worker side over one database, with the fake Telegram."""

    chat: BotHarness
    telegram: FakeTelegram
    app: procrastinate.App
    deps: LoginDeps
    vault: Vault

    async def send(self, user_id: int, text: str | None, **kwargs: Any) -> Message:
        """Feed a message through the dispatcher; return it (its id is what gets deleted)."""
        update = make_message_update(user_id, text, **kwargs)
        await self.chat.dp.feed_update(self.chat.bot, update)
        assert update.message is not None
        return update.message

    async def press(self, user_id: int, data: str, **kwargs: Any) -> None:
        await self.chat.press(user_id, data, **kwargs)

    async def run_due(self) -> None:
        """Run a real worker until no job is due now: login steps, then their outcomes."""
        context = {
            **notifications.make_bot_worker_context(self.chat.bot, self.chat.pool),
            "login_deps": self.deps,
        }
        await self.app.run_worker_async(
            queues=[names.DELIVERY_QUEUE, names.NOTIFICATIONS_QUEUE],
            wait=False,
            install_signal_handlers=False,
            additional_context=context,
        )

    def said(self, chat_id: int) -> list[str]:
        """Texts the bot sent to `chat_id`, in order."""
        return [
            str(p["text"])
            for p in self.chat.session.of("sendMessage")
            if int(p["chat_id"]) == chat_id
        ]

    def last(self, chat_id: int) -> str:
        return self.said(chat_id)[-1]

    def deleted(self, chat_id: int) -> list[int]:
        """Ids of the messages the bot deleted in `chat_id`."""
        return [
            int(p["message_id"])
            for p in self.chat.session.of("deleteMessage")
            if int(p["chat_id"]) == chat_id
        ]

    async def rows(self, sql: LiteralString, *params: Any) -> list[dict[str, Any]]:
        return await self.chat.rows(sql, *params)

    async def state(self, user_id: int) -> str | None:
        key = StorageKey(bot_id=self.chat.bot.id, chat_id=user_id, user_id=user_id)
        return await PostgresStorage(self.chat.pool).get_state(key)


@asynccontextmanager
async def open_login_world(
    pool: Pool, telegram: FakeTelegram | None = None
) -> AsyncIterator[LoginWorld]:
    """The world; the bot and the worker share one SESSION_KEY."""
    telegram = telegram if telegram is not None else FakeTelegram()
    key = new_key()
    async with bot_harness(pool, session_key=key, default_rate_per_minute=RATE) as chat:

        def build(session: str) -> TelegramClient:
            return fake_client(telegram, session=session)

        deps = LoginDeps(pool=pool, settings=chat.settings, build=build)
        app = make_app(tasks.blueprint, login_notices.blueprint)
        await app.open_async(pool=pool)
        try:
            yield LoginWorld(chat=chat, telegram=telegram, app=app, deps=deps, vault=Vault(key))
        finally:
            await app.close_async()
