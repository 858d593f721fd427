"""Controls over HTTP: /pause from its picker, Resume on the card, Cancel with a post in flight,
with the real bot long-polling the fake Bot API and a real worker posting to the fake Telegram."""

from __future__ import annotations

import asyncio
from typing import Any

from predlagator.db import campaigns, deliveries
from predlagator.models import CampaignStatus, DeliveryStatus
from tests.factories import make_campaign
from tests.fakes.bot_api import OWNER
from tests.fakes.product import running_product

CHANNELS = [f"ctlchan{i:02d}" for i in range(5)]
WAIT_S = 15.0


async def test_pause_resume_and_cancel_from_the_chat(db_url: str) -> None:
    async with running_product(
        db_url, channels=CHANNELS, owner_ids=[OWNER], default_rate_per_minute=600
    ) as product:
        telegram = product.telegram
        campaign = await make_campaign(
            product.pool, CHANNELS, rate=600.0, name="Spring", chat_id=OWNER
        )
        # Posts are held on their way until the test lets them through.
        telegram.gate = asyncio.Event()
        arrived: asyncio.Queue[Any] = asyncio.Queue()

        async def on_send(request: Any) -> None:
            await arrived.put(request)

        telegram.on_send = on_send
        chat = product.chat(OWNER)
        chat.say(f"/start_campaign {campaign.id}")
        await chat.said("🕐 Starting")
        async with asyncio.timeout(WAIT_S):
            await arrived.get()  # the first post is on its way

        chat.say("/pause")
        await chat.said("Which campaign to pause?")
        assert await chat.press("Spring") is None
        await chat.said(f"Campaign #{campaign.id} paused.")
        telegram.gate.set()  # the post in flight lands; nothing more goes while paused
        await chat.said("Sent 1 · failed 0 · queued 4 of 5")
        assert len(telegram.sent) == 1

        telegram.gate.clear()
        assert await chat.press("Resume") == "Resumed"
        async with asyncio.timeout(WAIT_S):
            await arrived.get()  # the second post is on its way
        assert await chat.press("Cancel") is None
        await chat.said(
            f"Cancel campaign #{campaign.id} «Spring»? 3 posts not yet sent will not go out."
        )
        # The question goes: the card shows the stop, and the report will follow.
        assert await chat.press("Yes, cancel it") == "Cancelled"
        await chat.said("Stopping: waiting for the posts already on their way…")
        telegram.gate.set()
        await chat.said("Report: Spring</b>")

        async with product.pool.connection() as conn:
            ended = await campaigns.get(conn, campaign.id)
            ledger = await deliveries.list_for_campaign(conn, campaign.id)
        assert ended is not None and ended.status is CampaignStatus.CANCELLED
        assert ended.card_message_id is not None
        card = product.api.message(OWNER, ended.card_message_id)
        assert card is not None and "Sent 2 · failed 0 · cancelled 3 of 5" in card["text"]
        # The report is left to ask for, the actions over the two posts out, and their reach.
        assert card["reply_markup"]["inline_keyboard"] == [
            [{"text": "📊 Report", "callback_data": f"rp:{campaign.id}"}],
            [
                {"text": "✏️ Edit", "callback_data": f"pa:edit:{campaign.id}:0:0"},
                {"text": "🗑 Delete", "callback_data": f"pa:delete:{campaign.id}:0:0"},
                {"text": "📌 Pin", "callback_data": f"pa:pin:{campaign.id}:0:0"},
            ],
            [{"text": "📊 Refresh reach", "callback_data": f"pa:reach:{campaign.id}:0:0"}],
        ]
        assert [d.status for d in ledger] == [DeliveryStatus.SENT] * 2 + [
            DeliveryStatus.CANCELLED
        ] * 3
        assert len(telegram.sent) == 2
