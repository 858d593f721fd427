"""The whole campaign once over HTTP, as an operator does it on a phone: the real bot long-polls
the fake Bot API (commands, an uploaded list, a photo, inline keyboards, callback queries, edits
of the card, the report uploaded as a document and a photo), and a real worker posts through the
real TelegramClient to the fake Telegram."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from predlagator.db import deliveries
from predlagator.models import DeliveryStatus
from tests.fakes.bot_api import OWNER
from tests.fakes.bot_api_server import Params
from tests.fakes.bot_files import document_field, photo_field
from tests.fakes.product import Chat, running_product

CHANNELS = [f"flowchan{i:02d}" for i in range(6)]
PHOTO = os.urandom(120_000)
WAIT_S = 30.0


async def test_a_campaign_from_the_chat(db_url: str) -> None:
    async with running_product(db_url, channels=CHANNELS, owner_ids=[OWNER]) as product:
        api, telegram, chat = product.api, product.telegram, product.chat(OWNER)
        chat.say("/start")
        assert (await chat.reply())["text"].startswith("<b>Predlagator</b>")

        # The channels as a CSV export, the post as a photo with a formatted caption.
        listing = ("channel,title\n" + "".join(f"@{c},{c.title()}\n" for c in CHANNELS)).encode()
        api.add_file("list-1", listing)
        document = document_field("list-1", len(listing), file_name="partners.csv")
        chat.push(lambda: api.push_message(OWNER, None, document=document))
        assert (await chat.reply())["text"] == (
            "Batch #1 «partners» saved: 6 channels (6 new, 0 already known)."
        )
        api.add_file("photo-1", PHOTO)
        bold = [{"type": "bold", "offset": 0, "length": 5}]
        photo = photo_field("photo-1", len(PHOTO))
        chat.push(
            lambda: api.push_message(
                OWNER, None, photo=photo, caption="Fresh offer", caption_entities=bold
            )
        )
        preview = await chat.reply("sendPhoto")
        assert preview["caption"] == "<b>Fresh</b> offer"

        # A test post to the account's Saved Messages first.
        chat.say("/test 1 me")
        await chat.said("✅ Test of #1 sent to the account's Saved Messages.")
        [saved] = telegram.posts[telegram.me.id]
        assert saved.media is not None and saved.media.data == PHOTO

        await _wizard(chat)

        # Posts are held on their way while the operator pauses from the card.
        telegram.gate = asyncio.Event()
        arrived: asyncio.Queue[Any] = asyncio.Queue()

        async def on_send(request: Any) -> None:
            await arrived.put(request)

        telegram.on_send = on_send
        await chat.press("Confirm")
        await chat.said("created and starting")
        async with asyncio.timeout(WAIT_S):
            await arrived.get()
        assert await chat.press("Pause") == "Paused"
        telegram.gate.set()
        await chat.said("Sent 1 · failed 0 · queued 5 of 6")
        assert await chat.press("Resume") == "Resumed"
        # The report, which says it completed: text, then the CSV as a document and the chart
        # as a photo.
        report = await chat.said("📊 <b>Report: ", timeout=60)
        assert "\n✅ Completed\n" in report["text"]
        csv = await _upload(chat, "sendDocument")
        chart = await _upload(chat, "sendPhoto")
        assert csv["document"]["filename"] == "campaign-1-report.csv"
        assert chart["photo"]["filename"].endswith(".png")

        async with product.pool.connection() as conn:
            ledger = await deliveries.list_for_campaign(conn, 1)
        assert [d.status for d in ledger] == [DeliveryStatus.SENT] * len(CHANNELS)
        for name in CHANNELS:
            [post] = telegram.posts[telegram.channels[name].id]
            assert post.media is not None and post.media.data == PHOTO
            assert post.text == "Fresh offer"
        # Uploaded once: the campaign reuses the file the test post put on Telegram.
        assert telegram.uploaded() == [PHOTO]


async def _wizard(chat: Chat) -> None:
    """Answer every step of /new_campaign, once with a wrong answer, up to its summary."""
    chat.say("/new_campaign")
    await chat.said("Send a name")
    chat.say("Spring offer")
    await chat.said("Pick the channels")
    await chat.press("#1 partners")
    await chat.said("pick the post")
    await chat.press("#1 ")
    await chat.said("How fast?")
    chat.say("abc")
    await chat.said("between 0.1 and 60")  # asked again with the reason
    chat.say("60")
    await chat.said("How many times")
    chat.say("2")
    await chat.said("When to start?")
    await chat.press("Now")
    await chat.said("Check the campaign")


async def _upload(chat: Chat, method: str) -> Params:
    """Wait for the bot to upload something with `method` into the chat."""

    def matches(name: str, params: Params) -> bool:
        return name == method and params.get("chat_id") == chat.user_id

    _, params = await chat.api.wait_for(matches, WAIT_S, since=chat.mark)
    return params
