"""Over real HTTP: the product's dispatcher polls the fake Bot API, downloads an uploaded list
file, and opens the batch by its button."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import Bot

from predlagator.bot.batch_keyboards import BatchView
from predlagator.bot.dispatcher import make_bot, make_dispatcher, sync_owners
from predlagator.config import Settings
from predlagator.db.pool import Pool
from predlagator.queue.app import make_app
from tests.fakes.bot_api_server import FakeBotApi

OWNER = 100


def edited(name: str, params: dict[str, Any]) -> bool:
    return name == "editMessageText"


async def test_uploaded_csv_becomes_a_batch_that_opens_by_its_button(pool: Pool) -> None:
    async with FakeBotApi() as api:
        settings = Settings(
            _env_file=None, bot_token=api.token, bot_api_url=api.url, owner_ids=[OWNER]
        )
        app = make_app()
        await app.open_async(pool=pool)
        await sync_owners(pool, settings)
        bot: Bot = make_bot(settings)
        dp = make_dispatcher(pool=pool, app=app, settings=settings)
        polling = asyncio.create_task(
            dp.start_polling(bot, handle_signals=False, close_bot_session=False)
        )
        try:
            data = "\ufeffchannel;title\n@alpha_news;Alpha\nt.me/beta_news;Beta\n".encode()
            api.push_document(OWNER, data, "partners.csv", mime_type="text/csv")
            reply = await api.wait_for_message(OWNER)
            assert reply["text"] == (
                "Batch #1 «partners» saved: 2 channels (2 new, 0 already known)."
            )
            since = len(api.calls)
            api.push_message(OWNER, "/batches")
            listing = await api.wait_for_message(OWNER, since=since)
            [[opener]] = listing["reply_markup"]["inline_keyboard"]
            assert opener == {
                "text": "#1 partners",
                "callback_data": BatchView(id=1, offset=0).pack(),
            }
            [sent] = [m for m in api.sent_messages(OWNER) if m.get("reply_markup")]
            api.push_callback(OWNER, opener["callback_data"], sent["message_id"])
            _, edit = await api.wait_for(edited, since=since)
            assert edit["text"].split("\n") == [
                "<b>Batch #1 «partners»</b>",
                "2 channels: 2 active, 0 inactive.",
                "",
                "1. @alpha_news",
                "2. @beta_news",
            ]
            assert [name for name, _ in api.calls if name in ("getFile", "downloadFile")] == [
                "getFile",
                "downloadFile",
            ]
        finally:
            await dp.stop_polling()
            await api.stop()  # releases the poll in flight
            await asyncio.wait_for(polling, 10)
            await bot.session.close()
            await app.close_async()
