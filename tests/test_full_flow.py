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
        await chat.said("Pick the channels")
        await chat.press("")
        await chat.press("")
        created = await chat.said("is ready")
        campaign_id = re.search(r"#(\d+)", created["text"]).group(1)  # type: ignore[union-attr]
        chat.say(f"/start_campaign {campaign_id}")
        await chat.said("completed", timeout=60)
