"""/start and /help in the operator's language; the command menu; the production Bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from predlagator.bot.dispatcher import make_bot, set_commands
from predlagator.bot.home.menu import COMMANDS
from predlagator.config import Settings
from predlagator.db.pool import Pool
from tests.fakes.bot_api import BOT_TOKEN, OWNER, BotHarness, bot_harness


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        yield harness


async def test_start_in_english(h: BotHarness) -> None:
    await h.send(OWNER, "/start")
    [text] = h.session.sent_texts()
    assert text.startswith("<b>Predlagator</b> posts your message")
    assert "/start_campaign: Start a prepared campaign\n" in text
    assert text.endswith("\n/operators: Who may use the bot (owners)")
    assert [line.split(":")[0] for line in text.split("\n\n")[-1].splitlines()] == [
        f"/{name}" for name in COMMANDS
    ]
    assert h.session.of("sendMessage")[0]["parse_mode"] == "HTML"


async def test_help_in_russian(h: BotHarness) -> None:
    await h.send(OWNER, "/help", lang="ru")
    [text] = h.session.sent_texts()
    assert text.startswith("<b>Predlagator</b> публикует ваш пост")
    assert "/start_campaign: Запустить подготовленную кампанию\n" in text


async def test_unknown_command_and_sticker(h: BotHarness) -> None:
    await h.send(OWNER, "/frobnicate")
    sticker = {"file_id": "x", "file_unique_id": "y", "type": "regular", "width": 1, "height": 1}
    await h.send(OWNER, None, sticker={**sticker, "is_animated": False, "is_video": False})
    assert h.session.sent_texts() == [
        "I don't know that command. /help lists what I can do.",
        "Send a channel list or a post (text, photo, video or file). /help explains more.",
    ]


async def test_set_commands_publishes_english_and_russian(h: BotHarness) -> None:
    await set_commands(h.bot)
    english, russian = h.session.of("setMyCommands")
    assert "language_code" not in english
    assert russian["language_code"] == "ru"
    assert [c["command"] for c in english["commands"]] == list(COMMANDS)
    assert russian["commands"][0]["description"] == "Что умеет этот бот"


def test_make_bot_uses_the_configured_api_server() -> None:
    settings = Settings(
        _env_file=None, bot_token=BOT_TOKEN, owner_ids=[1], bot_api_url="http://127.0.0.1:8081/"
    )
    bot = make_bot(settings)
    assert (
        bot.session.api.api_url(BOT_TOKEN, "getMe") == f"http://127.0.0.1:8081/bot{BOT_TOKEN}/getMe"
    )
    assert bot.default.parse_mode == "HTML"
