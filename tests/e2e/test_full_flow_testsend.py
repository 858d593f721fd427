"""/test once over HTTP: the real bot long-polls the fake Bot API, the real worker process holds
the account's session and posts through the real TelegramClient to the fake Telegram."""

from __future__ import annotations

from tests.fakes.bot_api import OWNER
from tests.fakes.product import running_product


async def test_a_test_send_from_the_chat(db_url: str) -> None:
    async with running_product(db_url, channels=["flowtest01"], owner_ids=[OWNER]) as product:
        chat = product.chat(OWNER)
        chat.say("Hello <b>world</b>")
        await chat.said("This is how it will look")
        chat.say("/test")
        await chat.said("Or pick the template:")
        await chat.press("#1 Hello")
        await chat.said("where to?")
        await chat.press("Saved Messages")
        await chat.said("✅ Test of #1 sent to the account's Saved Messages.")
        chat.say("/test 1 @flowtest01")
        await chat.said("✅ Test of #1 sent: https://t.me/flowtest01/1")
        [saved] = product.telegram.posts[product.telegram.me.id]
        assert saved.text.startswith("Hello")
