"""Media campaigns through the drain: the worker, the ledger and Telethon over the fake network."""

from __future__ import annotations

import os

from telethon import types
from telethon.tl.functions.messages import SendMediaRequest

from predlagator.db import template_media
from predlagator.delivery.telethon_sender import TelethonSender
from predlagator.models import Campaign, CampaignStatus, DeliveryStatus, MediaInfo
from predlagator.queue import defer
from predlagator.telegram_errors import ErrorClass, classify
from tests.fakes.telethon_fake import fake_client
from tests.rig import Rig

PHOTO = os.urandom(200_000)
CAPTION = "<b>Fresh</b> offer"


async def photo_campaign(rig: Rig, count: int, *, with_file: bool = True) -> Campaign:
    """A campaign whose template is a photo with a formatted caption."""
    campaign = await rig.campaign(count, html=CAPTION)
    async with rig.pool.connection() as conn:
        await conn.execute(
            "UPDATE templates SET media_kind = 'photo', media_file_id = 'AgADphoto' WHERE id = %s",
            (campaign.template_id,),
        )
        if with_file:
            info = MediaInfo(file_name="photo.jpg", mime_type="image/jpeg", size=len(PHOTO))
            await template_media.save(conn, campaign.template_id, info, PHOTO)
    return campaign


def media_sends(rig: Rig) -> list[SendMediaRequest]:
    return [r for r in rig.telegram.sent if isinstance(r, SendMediaRequest)]


async def test_photo_campaign_uploads_once_for_many_channels(rig: Rig) -> None:
    campaign = await photo_campaign(rig, 12)
    await rig.start(campaign)
    await rig.work()

    ledger = await rig.ledger(campaign)
    assert [d.status for d in ledger] == [DeliveryStatus.SENT] * 12
    assert all(d.message_id == 1 and d.attempts == 1 for d in ledger)
    sends = media_sends(rig)
    assert [r.random_id for r in sends] == [d.random_id for d in ledger]
    assert len(rig.telegram.sent) == 12  # no text post besides
    assert rig.telegram.uploaded() == [PHOTO]  # one upload, bytes intact
    assert isinstance(sends[0].media, types.InputMediaUploadedPhoto)
    assert all(isinstance(r.media, types.InputMediaPhoto) for r in sends[1:])
    assert sends[0].message == "Fresh offer"
    assert [type(e) for e in sends[0].entities] == [types.MessageEntityBold]
    posts = [p for channel_posts in rig.telegram.posts.values() for p in channel_posts]
    assert len(posts) == 12 and len({p.media.id for p in posts if p.media}) == 1
    assert all(p.media is not None and p.media.data == PHOTO for p in posts)
    assert (await rig.get(campaign)).status is CampaignStatus.COMPLETED


async def test_media_post_left_sending_by_a_crash_goes_out_once(rig: Rig) -> None:
    campaign = await photo_campaign(rig, 3)
    await rig.start(campaign)
    await rig.work()
    ledger = await rig.ledger(campaign)
    first_channel = next(iter(rig.telegram.channels.values()))
    async with rig.pool.connection() as conn:
        # As if the worker had died after Telegram posted but before the outcome was recorded.
        await conn.execute("UPDATE campaigns SET status = 'running' WHERE id = %s", (campaign.id,))
        await conn.execute(
            "UPDATE deliveries SET status = 'sending', message_id = NULL WHERE id = %s",
            (ledger[0].id,),
        )
    # A new worker process: nothing uploaded in its memory.
    restarted = TelethonSender(fake_client(rig.telegram), timeout_s=5)
    await restarted.start()
    rig.deps.sender = restarted
    try:
        await defer.kick_drain(rig.app, rig.account_id)
        await rig.work()
    finally:
        await restarted.close()

    after = await rig.ledger(campaign)
    assert [d.status for d in after] == [DeliveryStatus.SENT] * 3
    assert after[0].message_id == ledger[0].message_id  # Telegram answered with the original
    assert [r.random_id for r in media_sends(rig)].count(ledger[0].random_id) == 2
    assert len(rig.telegram.uploaded()) == 2  # the new process uploaded again
    assert len(rig.telegram.posts[first_channel.id]) == 1 and rig.telegram.duplicates == 0
    assert (await rig.get(campaign)).status is CampaignStatus.COMPLETED


async def test_media_template_without_its_file_fails_for_the_operator(rig: Rig) -> None:
    campaign = await photo_campaign(rig, 2, with_file=False)
    await rig.start(campaign)
    await rig.work()

    ledger = await rig.ledger(campaign)
    assert [(d.status, d.error_code) for d in ledger] == [
        (DeliveryStatus.FAILED, "MEDIA_MISSING")
    ] * 2
    assert classify("MEDIA_MISSING") is ErrorClass.NEEDS_OPERATOR
    assert rig.telegram.sent == [] and rig.telegram.uploaded() == []
    assert (await rig.get(campaign)).status is CampaignStatus.COMPLETED
