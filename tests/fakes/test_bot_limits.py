"""Both Bot API fakes refuse what Telegram refuses: a text, caption or callback answer too long."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest

from tests.fakes.bot_api import make_test_bot
from tests.fakes.bot_api_server import FakeBotApi
from tests.fakes.bot_limits import visible_length


@pytest.fixture(params=["recording", "http"])
async def bot(request: pytest.FixtureRequest) -> AsyncIterator[Bot]:
    """A Bot over either fake, with the product's HTML default."""
    if request.param == "recording":
        yield make_test_bot()
        return
    async with FakeBotApi() as api:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api.url))
        client = Bot(
            api.token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML)
        )
        yield client
        await client.session.close()


def test_telegram_counts_the_visible_text_in_utf16_units() -> None:
    assert visible_length("<b>a&amp;b</b>", "HTML") == 3
    assert visible_length("<b>a&amp;b</b>", None) == 14
    assert visible_length("😀", "HTML") == 2


async def test_a_text_of_4096_visible_characters_goes_and_4097_is_refused(bot: Bot) -> None:
    await bot.send_message(1, "<b>" + "&lt;" * 4096 + "</b>")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(1, "x" * 4097)
    sent = await bot.send_message(1, "short")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.edit_message_text("😀" * 2049, chat_id=1, message_id=sent.message_id)


async def test_a_caption_over_1024_is_refused(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await bot.send_photo(1, "AgADphoto", caption="x" * 1025)


async def test_a_callback_answer_over_200_is_refused(bot: Bot) -> None:
    await bot.answer_callback_query("1", text="x" * 200)
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query("1", text="x" * 201)
