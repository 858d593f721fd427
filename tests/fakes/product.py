"""The whole product in the test's process: the bot long-polling the HTTP fake Bot API and the
worker posting through the real TelegramClient to the fake Telegram, over one database.

`Chat` plays the operator's phone: it writes to the bot, presses inline buttons by their
label, and waits for what the bot says, all over real HTTP (`FakeBotApi`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from predlagator.bot.runner import run_bot
from predlagator.config import Settings
from predlagator.db.pool import Pool, open_pool
from predlagator.delivery.login_steps import LoginDeps
from predlagator.delivery.sender import ManagedSender
from predlagator.delivery.telethon_sender import TelethonSender
from predlagator.delivery.worker import run_worker
from predlagator.models import Account
from tests.fakes.bot_api_server import FakeBotApi, Params
from tests.fakes.telethon_fake import FakeTelegram, fake_client

SENT = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendVideo"})


@dataclass
class Product:
    """What a test reaches: the Bot API fake, the Telegram fake and the database."""

    api: FakeBotApi
    telegram: FakeTelegram
    pool: Pool
    settings: Settings

    def chat(self, user_id: int, lang: str = "en") -> Chat:
        """The private chat of `user_id` with the bot."""
        return Chat(self.api, user_id, lang)


class Chat:
    """One operator's chat with the bot, driven over HTTP."""

    def __init__(self, api: FakeBotApi, user_id: int, lang: str) -> None:
        self.api = api
        self.user_id = user_id
        self.lang = lang
        self.mark = 0  # index in api.calls from which the next wait looks

    def say(self, text: str) -> None:
        """Write `text` to the bot."""
        self.mark = len(self.api.calls)
        self.api.push_message(self.user_id, text, self.lang)

    def push(self, push: Callable[[], Any]) -> None:
        """Send something richer (a document, a photo) through one of the fake's pushers."""
        self.mark = len(self.api.calls)
        push()

    async def reply(self, method: str = "sendMessage", timeout: float = 15.0) -> Params:  # noqa: ASYNC109
        """Wait for the bot's next message of `method` in this chat since the last action."""

        def matches(name: str, params: Params) -> bool:
            return name == method and params.get("chat_id") == self.user_id

        _, params = await self.api.wait_for(matches, timeout, since=self.mark)
        return params

    async def said(self, fragment: str, timeout: float = 30.0) -> Params:  # noqa: ASYNC109
        """Wait for a message or edit in this chat whose text or caption holds `fragment`."""

        def matches(name: str, params: Params) -> bool:
            text = str(params.get("text") or params.get("caption") or "")
            return params.get("chat_id") == self.user_id and fragment in text

        _, params = await self.api.wait_for(matches, timeout, since=self.mark)
        return params

    def button(self, label: str) -> tuple[int, str]:
        """The newest message in this chat carrying a button whose text holds `label`."""
        for message_id in sorted(self._bot_message_ids(), reverse=True):
            message = self.api.message(self.user_id, message_id) or {}
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            for row in rows:
                for key in row:
                    if label in key["text"] and "callback_data" in key:
                        return message_id, key["callback_data"]
        raise AssertionError(f"no button {label!r} in the chat")

    async def press(self, label: str, timeout: float = 15.0) -> str | None:  # noqa: ASYNC109
        """Press the newest button labelled `label`; return the bot's answer to the press."""
        message_id, data = self.button(label)
        self.mark = len(self.api.calls)
        self.api.push_callback(self.user_id, data, message_id, self.lang)

        def answered(name: str, params: Params) -> bool:
            return name == "answerCallbackQuery"

        _, params = await self.api.wait_for(answered, timeout, since=self.mark)
        text = params.get("text")
        return str(text) if text is not None else None

    def _bot_message_ids(self) -> list[int]:
        return [m["message_id"] for m in self.api.sent_messages(self.user_id)]


@asynccontextmanager
async def running_product(
    database_url: str,
    *,
    channels: list[str],
    telegram: FakeTelegram | None = None,
    api: FakeBotApi | None = None,
    **settings: Any,
) -> AsyncIterator[Product]:
    """Start the bot and a worker against fresh fakes (or the `telegram` and Bot `api` of an
    earlier run, for a restart); stop both on exit."""
    if telegram is None:
        telegram = FakeTelegram()
        for ref in channels:
            telegram.add_channel(ref)
    async with contextlib.AsyncExitStack() as stack:
        if api is None:
            api = await stack.enter_async_context(FakeBotApi())
        config = Settings(
            _env_file=None,
            database_url=database_url,
            bot_token=api.token,
            bot_api_url=api.url,
            tg_api_id=1,
            tg_api_hash="x",
            tg_session="x",
            **settings,
        )

        def sender_factory(_: Settings, __: Account, ___: str) -> ManagedSender:
            return TelethonSender(fake_client(telegram))

        pool = await open_pool(database_url)
        # Logins from the chat reach the fake Telegram too, on their own fresh sessions.
        login_deps = LoginDeps(
            pool=pool, settings=config, build=lambda s: fake_client(telegram, session=s)
        )
        ready = asyncio.Event()
        tasks = [
            asyncio.create_task(
                run_worker(
                    config,
                    pool,
                    database_url,
                    sender_factory=sender_factory,
                    on_ready=ready.set,
                    login_deps=login_deps,
                )
            ),
            asyncio.create_task(run_bot(config, pool)),
        ]
        try:
            await _first(ready.wait(), tasks)
            await _first(api.wait_for(lambda name, _: name == "getUpdates"), tasks)
            yield Product(api, telegram, pool, config)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await pool.close()


async def _first(awaitable: Any, tasks: list[asyncio.Task[None]]) -> None:
    """Await `awaitable`, failing at once if one of the product's tasks dies meanwhile."""
    waiter = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
    if waiter not in done:
        waiter.cancel()
        for task in done:
            task.result()  # raises the task's error
        raise AssertionError("the product stopped before it was ready")
    waiter.result()
