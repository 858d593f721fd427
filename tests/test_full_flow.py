"""The whole campaign once over HTTP: the real bot long-polls the fake Bot API, a real worker
posts through the real TelegramClient to the fake Telegram."""

from __future__ import annotations

import re

from tests.fakes.bot_api import OWNER
from tests.fakes.product import running_product

CHANNELS = [f"flowchan{i:02d}" for i in range(5)]


async def test_a_campaign_from_the_chat(db_url: str) -> None:
    async with running_product(
        db_url, channels=CHANNELS, owner_ids=[OWNER], default_rate_per_minute=600
    ) as product:
        chat = product.chat(OWNER)
        chat.say("/start")
        assert (await chat.reply())["text"].startswith("<b>Predlagator</b>")
        chat.say("\n".join(f"@{name}" for name in CHANNELS))
        assert "5 channels" in (await chat.reply())["text"]
        chat.say("Hello <b>world</b>")
        await chat.said("This is how it will look")
        await chat.said("Hello")
        chat.say("/new_campaign")
        await chat.said("Send a name")
        chat.say("Hello campaign")
        await chat.said("Pick the channels")
        await chat.press("#1 ")
        await chat.said("pick the post")
        await chat.press("#1 ")
        await chat.said("How fast?")
        chat.say("60")
        await chat.said("How many times")
        chat.say("0")
        await chat.said("When to start?")
        await chat.press("Now")
        await chat.said("Check the campaign")
        await chat.press("Confirm")
        created = await chat.said("created and starting")
        assert re.search(r"#(\d+)", created["text"])
        await chat.said("completed", timeout=60)
