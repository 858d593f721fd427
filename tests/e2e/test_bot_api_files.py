"""Files over real HTTP: the fake Bot API's getFile and downloads, and a media template made
by the production dispatcher through aiogram's real session."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

from predlagator.bot.dispatcher import make_bot, make_dispatcher, sync_owners
from predlagator.config import Settings
from predlagator.db import template_media, templates
from predlagator.db.pool import Pool
from predlagator.queue.app import make_app
from tests.fakes.bot_api_server import FakeBotApi
from tests.fakes.bot_files import photo_field

OWNER = 100
DATA = os.urandom(200_000)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


def settings(api: FakeBotApi) -> Settings:
    return Settings(_env_file=None, bot_token=api.token, bot_api_url=api.url, owner_ids=[OWNER])


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    client = make_bot(settings(api))
    yield client
    await client.session.close()


async def test_get_file_and_download(api: FakeBotApi, bot: Bot) -> None:
    api.add_file("F1", DATA, path="photos/file_7.jpg")
    file = await bot.get_file("F1")
    assert (file.file_path, file.file_size) == ("photos/file_7.jpg", len(DATA))
    downloaded = io.BytesIO()
    await bot.download_file("photos/file_7.jpg", downloaded)
    assert downloaded.getvalue() == DATA

    api.add_file("BIG", b"x", size=21 * 1024 * 1024)
    with pytest.raises(TelegramBadRequest, match="file is too big"):
        await bot.get_file("BIG")
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope")
    with pytest.raises(aiohttp.ClientResponseError):
        await bot.download_file("photos/missing.jpg", io.BytesIO())


async def test_photo_post_becomes_a_template_over_http(
    api: FakeBotApi, bot: Bot, pool: Pool
) -> None:
    config = settings(api)
    app = make_app()
    await app.open_async(pool=pool)
    await sync_owners(pool, config)
    dp = make_dispatcher(pool=pool, app=app, settings=config)
    api.add_file("P1", DATA)
    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False)
    )
    try:
        await api.wait_for(lambda name, _: name == "getUpdates")
        api.push_message(OWNER, None, photo=photo_field("P1", len(DATA)), caption="Fresh offer")
        _, preview = await api.wait_for(lambda name, _: name == "sendPhoto")
    finally:
        await dp.stop_polling()
        await api.stop()
        await asyncio.wait_for(polling, 10)
        await app.close_async()

    assert (preview["photo"], preview["caption"], preview["parse_mode"]) == (
        "P1",
        "Fresh offer",
        "HTML",
    )
    assert api.of("getFile") == [{"file_id": "P1"}]
    async with pool.connection() as conn:
        template = await templates.get(conn, 1)
        stored = await template_media.read(conn, 1)
    assert template is not None and template.media_kind == "photo"
    assert stored == DATA
