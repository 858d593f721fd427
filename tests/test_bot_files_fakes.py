"""Files operators send: both Bot API fakes answer getFile and serve the bytes like Telegram."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import Update

from tests.fakes.bot_api import RecordingSession, make_document_update, make_test_bot
from tests.fakes.bot_api_server import FakeBotApi
from tests.fakes.bot_files import MAX_DOWNLOAD

DATA = "\ufeff@alpha_news\n@beta_news\n".encode() * 5000  # several download chunks


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api.url))
    client = Bot(
        api.token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML)
    )
    yield client
    await client.session.close()


async def test_http_fake_pushes_a_document_and_serves_its_bytes(api: FakeBotApi, bot: Bot) -> None:
    stored = api.push_document(7, DATA, "list.txt", caption="name: Mine", mime_type="text/plain")
    [update] = await bot.get_updates()
    message = update.message
    assert message is not None and message.document is not None
    assert (message.document.file_name, message.document.mime_type) == ("list.txt", "text/plain")
    assert message.document.file_size == len(DATA)
    assert message.caption == "name: Mine"
    downloaded = await bot.download(message.document, io.BytesIO())
    assert downloaded is not None and downloaded.read() == DATA
    assert api.of("getFile") == [{"file_id": stored.file_id}]
    assert api.of("downloadFile") == [{"file_path": stored.path}]


async def test_http_fake_refuses_unknown_and_too_big_files(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope")
    big = api.files.add(b"x" * (MAX_DOWNLOAD + 1), "big.txt")
    with pytest.raises(TelegramBadRequest, match="file is too big"):
        await bot.get_file(big.file_id)
    with pytest.raises(aiohttp.ClientResponseError):
        await bot.download_file("documents/missing", io.BytesIO())


async def test_recording_session_serves_files_the_same_way() -> None:
    session = RecordingSession()
    bot = make_test_bot(session)
    stored = session.files.add(DATA, "list.csv", "text/csv")
    update = make_document_update(7, stored, caption="x")
    assert isinstance(update, Update) and update.message is not None
    assert update.message.document is not None
    downloaded = await bot.download(update.message.document, io.BytesIO())
    assert downloaded is not None and downloaded.read() == DATA
    assert [name for name, _ in session.calls] == ["getFile", "downloadFile"]
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope")
    with pytest.raises(aiohttp.ClientResponseError):
        await bot.download_file("documents/missing", io.BytesIO())
