"""A recording Bot API session that answers like Telegram, and builders of real updates."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, LiteralString

import procrastinate
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import BufferedInputFile, MessageEntity, Update
from psycopg import sql

from predlagator.bot.dispatcher import make_dispatcher, sync_owners
from predlagator.config import Settings
from predlagator.db import operators
from predlagator.db.pool import Pool
from predlagator.models import Role
from predlagator.queue.app import make_app
from tests.fakes.bot_files import FileError, FileStore
from tests.fakes.bot_limits import too_long

BOT_TOKEN = "123456:ABC-DEF"
BOT_ID = 123456
BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Predlagator",
    "username": "predlagator_bot",
}

# Methods that send a file, and the message field Telegram echoes it in.
_MEDIA_FIELDS = {"sendPhoto": "photo", "sendVideo": "video", "sendDocument": "document"}

_update_ids = itertools.count(1)
_incoming_ids = itertools.count(1_000_000)


@dataclass
class Failure:
    """An error Telegram will answer the next call of a method with."""

    status: int
    description: str
    retry_after: int | None = None


class RecordingSession(BaseSession):
    """Records every request and answers with Telegram-shaped JSON through `check_response`."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.failures: dict[str, list[Failure]] = {}
        # Canned results by method name, for methods this fake does not answer itself.
        self.results: dict[str, Any] = {}
        self.files = FileStore()  # what getFile and downloads find
        self._message_ids = itertools.count(1)
        # Files the bot uploaded: (method, field, file name, bytes), in order.
        self.uploads: list[tuple[str, str, str, bytes]] = []

    def fail_next(
        self, method: str, status: int, description: str, retry_after: int | None = None
    ) -> None:
        """Make the next call of `method` fail, e.g. 429 with retry_after or 400."""
        self.failures.setdefault(method, []).append(Failure(status, description, retry_after))

    def fail_not_modified(self) -> None:
        """Make the next edit answer Telegram's "message is not modified"."""
        self.fail_next(
            "editMessageText",
            400,
            "Bad Request: message is not modified: specified new message content and reply "
            "markup are exactly the same as a current content and reply markup of the message",
        )

    def fail_flood(self, method: str, retry_after: int) -> None:
        """Make the next call of `method` answer 429 Too Many Requests."""
        self.fail_next(method, 429, f"Too Many Requests: retry after {retry_after}", retry_after)

    def add_file(
        self, file_id: str, data: bytes, *, path: str | None = None, size: int | None = None
    ) -> None:
        """Hold a file the bot may fetch with getFile and download (see `bot_files`)."""
        self.files.add(file_id, data, path=path, size=size)

    def of(self, method: str) -> list[dict[str, Any]]:
        """Params of every call of `method`, in order."""
        return [params for name, params in self.calls if name == method]

    def sent_texts(self) -> list[str]:
        """Texts of every sendMessage."""
        return [str(p["text"]) for p in self.of("sendMessage")]

    def edits(self) -> list[dict[str, Any]]:
        """Params of every editMessageText."""
        return self.of("editMessageText")

    def answers(self) -> list[str | None]:
        """Texts of every answerCallbackQuery (None for a silent answer)."""
        return [p.get("text") for p in self.of("answerCallbackQuery")]

    def reset(self) -> None:
        """Forget the calls recorded so far."""
        self.calls.clear()

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> TelegramType:
        """Record the call and answer it as Telegram would."""
        name = method.__api_method__
        params = self._params(bot, method)
        self.calls.append((name, params))
        self._record_uploads(name, method)
        pending = self.failures.get(name)
        refused = too_long(name, params)
        if refused is not None:
            pending = [Failure(400, refused)]  # Telegram refuses it, whatever was planned
        elif name == "getFile" and not pending:
            try:
                self.files.get_file(str(params["file_id"]))
            except FileError as error:
                pending = [Failure(400, error.description)]
        if pending:
            failure = pending.pop(0)
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            self.check_response(bot, method, failure.status, json.dumps(body))
            raise AssertionError("check_response must raise for an error")
        result = self._result(name, params)
        response = self.check_response(bot, method, 200, json.dumps({"ok": True, "result": result}))
        return response.result  # type: ignore[return-value]

    def _params(self, bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any]:
        # The same preparation aiogram's real session does, minus JSON encoding.
        files: dict[str, Any] = {}
        prepared = {
            key: self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            for key, value in method.model_dump(warnings=False).items()
        }
        return {key: value for key, value in prepared.items() if value is not None}

    def _record_uploads(self, name: str, method: TelegramMethod[Any]) -> None:
        for field, value in method:
            if isinstance(value, BufferedInputFile):
                self.uploads.append((name, field, value.filename or "", value.data))

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name in self.results:
            return self.results[name]
        if name == "getMe":
            return BOT_USER
        if name == "sendMessage":
            return self._message(next(self._message_ids), params)
        if name == "editMessageText" and "message_id" in params:
            return self._message(int(params["message_id"]), params)
        if name == "getFile":
            return self.files.get_file(str(params["file_id"]))
        if name in _MEDIA_FIELDS:
            return self._message(next(self._message_ids), params, _MEDIA_FIELDS[name])
        return True

    def _message(
        self, message_id: int, params: dict[str, Any], media: str | None = None
    ) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": BOT_USER,
        }
        if media is None:
            message["text"] = params.get("text", "")
        else:  # sent by file_id: Telegram echoes the file
            file = {"file_id": str(params[media]), "file_unique_id": f"u{message_id}"}
            message[media] = [{**file, "width": 1, "height": 1}] if media == "photo" else file
            if media == "video":
                message[media].update(width=1, height=1, duration=1)
            if "caption" in params:
                message["caption"] = params["caption"]
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    async def close(self) -> None:
        """Nothing to close."""

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 (aiogram's signature)
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        """A download of a file added with `add_file`: {api}/file/bot<token>/<path>."""
        path = url.split("/file/bot", 1)[1].split("/", 1)[1]
        data = self.files.content(path)
        if data is None:
            raise FileNotFoundError(path)  # Telegram answers 404; aiohttp raises on it
        for start in range(0, len(data), chunk_size):
            yield data[start : start + chunk_size]


def make_test_bot(session: RecordingSession | None = None) -> Bot:
    """A Bot over a recording session, with the production defaults (HTML)."""
    return Bot(
        BOT_TOKEN,
        session=session or RecordingSession(),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def _user(user_id: int, lang: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
    if lang is not None:
        user["language_code"] = lang
    return user


def make_message_update(
    user_id: int,
    text: str | None,
    lang: str | None = "en",
    entities: Sequence[MessageEntity | dict[str, Any]] | None = None,
    chat_id: int | None = None,
    **extra: Any,
) -> Update:
    """An update with a private message from `user_id`; `extra` adds fields (photo=...)."""
    message: dict[str, Any] = {
        "message_id": next(_incoming_ids),
        "date": int(time.time()),
        "chat": {"id": chat_id or user_id, "type": "private"},
        "from": _user(user_id, lang),
        **extra,
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    if entities is not None:
        message["entities"] = [
            e.model_dump(exclude_none=True) if isinstance(e, MessageEntity) else e for e in entities
        ]
    return Update.model_validate({"update_id": next(_update_ids), "message": message})


def make_callback_update(
    user_id: int,
    data: str,
    message_id: int,
    lang: str | None = "en",
    chat_id: int | None = None,
    reply_to: dict[str, Any] | None = None,
) -> Update:
    """An update with a button press on the bot's message `message_id`.

    `reply_to` is the message that one answered, as Telegram includes it in the press.
    """
    chat = chat_id or user_id
    query: dict[str, Any] = {
        "id": str(next(_update_ids)),
        "from": _user(user_id, lang),
        "chat_instance": str(chat),
        "data": data,
        "message": {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private"},
            "from": BOT_USER,
            "text": "…",
        },
    }
    if reply_to is not None:
        query["message"]["reply_to_message"] = reply_to
    return Update.model_validate({"update_id": next(_update_ids), "callback_query": query})


OWNER = 100
OPERATOR = 200
VIEWER = 300
STRANGER = 999


@dataclass
class BotHarness:
    """A real Dispatcher and Bot over a RecordingSession, a real database and queue."""

    dp: Dispatcher
    bot: Bot
    session: RecordingSession
    pool: Pool
    app: procrastinate.App
    settings: Settings

    async def send(self, user_id: int, text: str | None, **kwargs: Any) -> None:
        """Feed a message from `user_id` through the dispatcher."""
        await self.dp.feed_update(self.bot, make_message_update(user_id, text, **kwargs))

    async def press(self, user_id: int, data: str, message_id: int = 1, **kwargs: Any) -> None:
        """Feed a button press from `user_id` through the dispatcher."""
        update = make_callback_update(user_id, data, message_id, **kwargs)
        await self.dp.feed_update(self.bot, update)

    async def add(self, user_id: int, role: Role) -> None:
        """Make `user_id` an operator with `role`."""
        async with self.pool.connection() as conn:
            await operators.upsert(conn, user_id, role, OWNER)

    async def rows(self, sql: LiteralString, *params: Any) -> list[dict[str, Any]]:
        """Run a query on the test database and return dict rows."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(sql, params)
            return list(await cur.fetchall())

    async def jobs(self) -> list[dict[str, Any]]:
        """Procrastinate's jobs, oldest first."""
        return await self.rows(
            "SELECT id, task_name, queue_name, args, status, scheduled_at, queueing_lock "
            "FROM procrastinate_jobs ORDER BY id"
        )

    async def counts(self) -> dict[str, int]:
        """Row counts of every table in the database, ours and Procrastinate's.

        Except stranger_refusals: the bot's own note of whom it refused, not a change anyone
        made (tests/bot/access/test_strangers.py reads it).
        """
        tables = await self.rows(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'stranger_refusals' ORDER BY tablename"
        )
        counts: dict[str, int] = {}
        async with self.pool.connection() as conn:
            for row in tables:
                name = sql.Identifier(row["tablename"])
                cur = await conn.execute(sql.SQL("SELECT count(*) AS n FROM {}").format(name))
                found = await cur.fetchone()
                counts[row["tablename"]] = int(found["n"]) if found else 0
        return counts


@asynccontextmanager
async def bot_harness(pool: Pool, **settings: Any) -> AsyncIterator[BotHarness]:
    """Open a queue app on `pool`, sync owners and build the production dispatcher."""
    settings.setdefault("owner_ids", [OWNER])
    config = Settings(_env_file=None, bot_token=BOT_TOKEN, **settings)
    app = make_app()
    await app.open_async(pool=pool)
    try:
        await sync_owners(pool, config)
        session = RecordingSession()
        dp = make_dispatcher(pool=pool, app=app, settings=config)
        yield BotHarness(dp, make_test_bot(session), session, pool, app, config)
    finally:
        await app.close_async()
