"""One campaign from the bot chat to posts in channels and back to "completed" in the chat.

Operator updates go through the real Dispatcher (recording Bot API session); a real
Procrastinate worker runs the delivery and notification jobs; the real Telethon client talks
to the fake Telegram at its network seam.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from telethon import types

from predlagator.bot import notifications
from predlagator.bot.campaigns import notices
from predlagator.bot.campaigns.keyboards import CampaignAction
from predlagator.db.pool import Pool
from predlagator.delivery import tasks
from predlagator.models import CampaignStatus, DeliveryStatus
from predlagator.queue import names
from predlagator.queue.app import make_app
from tests.factories import make_campaign
from tests.fakes.bot_api import OWNER, STRANGER, BotHarness, bot_harness
from tests.fakes.bot_files import photo_field
from tests.rig import Rig, delivery_rig
from tests.wizard_steps import press

CHANNELS = 20
# Jobs scheduled for later (a debounced card refresh) become due now: time is injected.
DUE_NOW = "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'"


@dataclass
class World:
    """The bot side and the worker side over one database."""

    chat: BotHarness
    rig: Rig
    worker_app: Any

    async def run_jobs(self) -> None:
        """Run every job until none is left, scheduled ones included."""
        queues = [
            names.DELIVERY_QUEUE,
            names.NOTIFICATIONS_QUEUE,
            names.account_queue(self.rig.account_id),
        ]
        context = {
            **notifications.make_bot_worker_context(self.chat.bot, self.rig.pool),
            "drain_deps": self.rig.deps,
        }
        while True:
            await self.worker_app.run_worker_async(
                queues=queues,
                wait=False,
                install_signal_handlers=False,
                additional_context=context,
            )
            async with self.rig.pool.connection() as conn:
                cur = await conn.execute(DUE_NOW)
                if cur.rowcount == 0:
                    return


@pytest.fixture
async def world(pool: Pool) -> AsyncIterator[World]:
    async with (
        bot_harness(pool, default_rate_per_minute=6000.0) as chat,
        delivery_rig(pool) as rig,
    ):
        worker_app = make_app(tasks.blueprint, notices.blueprint)
        await worker_app.open_async(pool=pool)
        try:
            yield World(chat=chat, rig=rig, worker_app=worker_app)
        finally:
            await worker_app.close_async()


async def prepare_campaign(world: World) -> int:
    """Operator: a batch of 20 channels, a formatted post, /new_campaign started now."""
    chat, telegram = world.chat, world.rig.telegram
    refs = [f"news_{i:02d}" for i in range(CHANNELS)]
    for ref in refs:
        telegram.add_channel(ref)
    await chat.send(OWNER, "\n".join(f"@{ref}" for ref in refs))
    text = "Big sale today, see details"
    bold = {"type": "bold", "offset": 0, "length": 8}
    link = {"type": "text_link", "offset": 20, "length": 7, "url": "https://example.com/"}
    await chat.send(OWNER, text, entities=[bold, link])
    [batch] = await chat.rows("SELECT id FROM batches")
    [template] = await chat.rows("SELECT id, html FROM templates")
    assert template["html"] == (
        '<b>Big sale</b> today, see <a href="https://example.com/">details</a>'
    )
    await chat.send(OWNER, "/new_campaign")
    await chat.send(OWNER, "Big sale")
    await press(chat, f"#{batch['id']} Batch 1 ({CHANNELS})")
    await press(chat, f"#{template['id']} Big sale today, see details")
    await chat.send(OWNER, "60")
    await chat.send(OWNER, "3")
    await press(chat, "▶️ Now")
    await press(chat, "✅ Confirm")
    [campaign] = await chat.rows("SELECT id, status FROM campaigns")
    assert campaign["status"] == "scheduled"  # started: a worker launches it
    return int(campaign["id"])


async def test_campaign_from_chat_to_channels_and_back(world: World) -> None:
    chat, rig = world.chat, world.rig
    campaign_id = await prepare_campaign(world)
    [card] = await chat.rows("SELECT card_message_id FROM campaigns")
    assert card["card_message_id"] is not None

    await world.run_jobs()

    ledger = await rig.ledger(await _campaign(rig, campaign_id))
    sent = rig.telegram.sent
    assert len(sent) == CHANNELS
    assert sorted(r.random_id for r in sent) == sorted(d.random_id for d in ledger)
    assert {r.peer.channel_id for r in sent} == {c.id for c in rig.telegram.channels.values()}
    for request in sent:
        assert request.message == "Big sale today, see details"
        assert [type(e) for e in request.entities] == [
            types.MessageEntityBold,
            types.MessageEntityTextUrl,
        ]
        assert request.entities[1].url == "https://example.com/"
    assert [d.status for d in ledger] == [DeliveryStatus.SENT] * CHANNELS
    assert (await _campaign(rig, campaign_id)).status is CampaignStatus.COMPLETED

    card_edits = [e for e in chat.session.edits() if e["message_id"] == card["card_message_id"]]
    assert card_edits, "the progress card was never edited"
    assert f"{CHANNELS}" in card_edits[-1]["text"]
    # A finished card offers the report, the actions over the posts out, and their reach.
    [report, acts, reach] = card_edits[-1]["reply_markup"]["inline_keyboard"]
    assert report == [{"text": "📊 Report", "callback_data": f"rp:{campaign_id}"}]
    assert [b["text"] for b in acts] == ["✏️ Edit", "🗑 Delete", "📌 Pin"]
    assert [b["text"] for b in reach] == ["📊 Refresh reach"]
    # Then one report (its text says how it ended): the text, the CSV with a link to every
    # post, the chart.
    reports = [text for text in chat.session.sent_texts() if text.startswith("📊")]
    assert len(reports) == 1 and f"Sent {CHANNELS} · failed 0 of {CHANNELS}" in reports[0]
    uploads = [(method, name) for method, _, name, _ in chat.session.uploads]
    assert uploads == [
        ("sendDocument", f"campaign-{campaign_id}-report.csv"),
        ("sendPhoto", f"campaign-{campaign_id}-chart.png"),
    ]
    rows = chat.session.uploads[0][3].decode("utf-8-sig").splitlines()[1:]
    links = {row.split(",")[1]: row.split(",")[-1] for row in rows}
    posts = await chat.rows(
        "SELECT ch.ref, d.message_id FROM deliveries d JOIN channels ch ON ch.id = d.channel_id"
    )
    assert links == {p["ref"]: f"https://t.me/{p['ref']}/{p['message_id']}" for p in posts}


async def test_pause_from_the_card_stops_sends_until_resume(world: World) -> None:
    chat, rig = world.chat, world.rig
    campaign_id = await prepare_campaign(world)
    [card] = await chat.rows("SELECT card_message_id FROM campaigns")
    pause = CampaignAction(id=campaign_id, action="pause").pack()

    async def press_pause_at_fifth(request: Any) -> None:
        if len(rig.telegram.sent) == 5:
            await chat.press(OWNER, pause, message_id=card["card_message_id"])

    rig.telegram.on_send = press_pause_at_fifth
    await world.run_jobs()
    assert len(rig.telegram.sent) == 5
    assert (await _campaign(rig, campaign_id)).status is CampaignStatus.PAUSED
    statuses = [d.status for d in await rig.ledger(await _campaign(rig, campaign_id))]
    assert statuses.count(DeliveryStatus.SENT) == 5
    assert statuses.count(DeliveryStatus.QUEUED) == CHANNELS - 5

    rig.telegram.on_send = None
    resume = CampaignAction(id=campaign_id, action="resume").pack()
    await chat.press(OWNER, resume, message_id=card["card_message_id"])
    await world.run_jobs()
    assert len(rig.telegram.sent) == CHANNELS and rig.telegram.duplicates == 0
    assert (await _campaign(rig, campaign_id)).status is CampaignStatus.COMPLETED


async def test_strangers_command_changes_nothing(world: World) -> None:
    chat = world.chat
    refs = [f"news_{i:02d}" for i in range(3)]
    for ref in refs:
        world.rig.telegram.add_channel(ref)
    campaign_id = (await make_campaign(chat.pool, refs)).id  # a draft, not started
    before = await chat.counts()
    await chat.send(STRANGER, f"/start_campaign {campaign_id}")
    await chat.press(STRANGER, CampaignAction(id=campaign_id, action="pause").pack())
    assert await chat.counts() == before  # no row anywhere, no job deferred
    await world.run_jobs()
    assert world.rig.telegram.sent == []
    assert (await _campaign(world.rig, campaign_id)).status is CampaignStatus.DRAFT


async def test_photo_post_from_chat_reaches_every_channel_intact(world: World) -> None:
    chat, rig = world.chat, world.rig
    refs = [f"pics_{i:02d}" for i in range(8)]
    for ref in refs:
        rig.telegram.add_channel(ref)
    await chat.send(OWNER, "\n".join(f"@{ref}" for ref in refs))
    photo = os.urandom(300_000)
    chat.session.add_file("AgADphoto", photo)
    bold = {"type": "bold", "offset": 0, "length": 5}
    await chat.send(
        OWNER,
        None,
        photo=photo_field("AgADphoto", len(photo)),
        caption="Fresh offer",
        caption_entities=[bold],
    )
    await chat.send(OWNER, "/new_campaign")
    await chat.send(OWNER, "Photo campaign")
    await press(chat, "#1 Batch 1 (8)")
    await press(chat, "#1 Fresh offer")
    await chat.send(OWNER, "60")
    await chat.send(OWNER, "3")
    await press(chat, "▶️ Now")
    await press(chat, "✅ Confirm")
    await world.run_jobs()

    ledger = await rig.ledger(await _campaign(rig, 1))
    assert [d.status for d in ledger] == [DeliveryStatus.SENT] * 8
    assert sorted(r.random_id for r in rig.telegram.sent) == sorted(d.random_id for d in ledger)
    assert rig.telegram.uploaded() == [photo]  # the operator's bytes, uploaded once
    for posts in rig.telegram.posts.values():
        [post] = posts
        assert post.media is not None and post.media.data == photo
        assert post.text == "Fresh offer"
        assert [type(e) for e in post.entities] == [types.MessageEntityBold]
    assert (await _campaign(rig, 1)).status is CampaignStatus.COMPLETED


async def _campaign(rig: Rig, campaign_id: int) -> Any:
    from predlagator.db import campaigns  # noqa: PLC0415

    async with rig.pool.connection() as conn:
        return await campaigns.get(conn, campaign_id)


async def test_cancel_from_the_card_mid_run_ends_once_with_the_final_card(world: World) -> None:
    chat, rig = world.chat, world.rig
    campaign = await rig.campaign(CHANNELS, prefix="cancel")
    await chat.send(OWNER, f"/start_campaign {campaign.id}")
    [card] = await chat.rows("SELECT card_message_id FROM campaigns")
    cancel = CampaignAction(id=campaign.id, action="cancel").pack()

    async def cancel_at_fifth(request: Any) -> None:
        if len(rig.telegram.sent) == 5:  # the fifth post is on its way
            await chat.press(OWNER, cancel, message_id=card["card_message_id"])
            question = len(chat.session.of("sendMessage"))  # the fake numbers them in order
            await chat.press(OWNER, f"cx:{campaign.id}:1", message_id=question)

    rig.telegram.on_send = cancel_at_fifth
    await world.run_jobs()

    assert chat.session.sent_texts()[1] == (
        f"Cancel campaign #{campaign.id} «campaign»? 15 posts not yet sent will not go out."
    )
    assert len(rig.telegram.sent) == 5
    ledger = await rig.ledger(campaign)
    assert [d.status for d in ledger] == [DeliveryStatus.SENT] * 5 + [DeliveryStatus.CANCELLED] * 15
    ended = await _campaign(rig, campaign.id)
    assert ended.status is CampaignStatus.CANCELLED and ended.finished_at is not None
    # The card says it is stopping while posts are on their way, then ends counting them.
    edits = [e for e in chat.session.edits() if e["message_id"] == card["card_message_id"]]
    stopping = "Stopping: waiting for the posts already on their way…"
    assert any(e["text"].endswith(stopping) for e in edits)
    final = edits[-1]
    assert final["text"].splitlines()[1:4] == [
        "⛔ Cancelled",
        "██░░░░░░░░ 25%",
        "Sent 5 · failed 0 · cancelled 15 of 20",
    ]
    [report, acts, reach] = final["reply_markup"]["inline_keyboard"]
    assert report == [{"text": "📊 Report", "callback_data": "rp:1"}]
    assert [b["text"] for b in acts] == ["✏️ Edit", "🗑 Delete", "📌 Pin"]
    assert [b["text"] for b in reach] == ["📊 Refresh reach"]
    reports = [text for text in chat.session.sent_texts() if text.startswith("📊")]
    assert len(reports) == 1 and "Sent 5 · failed 0 · cancelled 15 of 20" in reports[0]
    actions = await chat.rows("SELECT action, details FROM audit_log ORDER BY id")
    assert [a["action"] for a in actions] == ["campaign.start", "campaign.cancel"]
    assert actions[1]["details"] == {"not_sent": 15}
