"""A channel switched off after a campaign's ledger was made is not tried: its delivery fails
with the channel's reason, at once, and the report counts it."""

from __future__ import annotations

from telethon.tl.functions.messages import SendMessageRequest

from predlagator.db import campaigns, channels, deliveries
from predlagator.db import report as db_report
from predlagator.models import Campaign, CampaignStatus, DeliveryStatus
from predlagator.queue import defer
from tests.rig import Rig

S = CampaignStatus
D = DeliveryStatus


async def laid_out(rig: Rig, campaign: Campaign) -> None:
    """Running, with its ledger made (what the launch does), not yet drained."""
    async with rig.pool.connection() as conn:
        await campaigns.transition(conn, campaign.id, S.RUNNING)
        await deliveries.snapshot(conn, campaign.id)


async def outcome(rig: Rig, campaign: Campaign) -> list[tuple[D, int, str | None]]:
    return [(d.status, d.attempts, d.error_code) for d in await rig.ledger(campaign)]


async def test_switched_off_after_the_ledger_was_made_it_is_not_tried(rig: Rig) -> None:
    campaign = await rig.campaign(3)
    await laid_out(rig, campaign)
    second = rig.telegram.channels["chan_00001"]
    async with rig.pool.connection() as conn:
        [(channel_id, _)] = await channels.upsert_refs(conn, ["chan_00001"])
        assert await channels.deactivate(conn, channel_id, "CHANNEL_PRIVATE") is not None
    await defer.kick_drain(rig.app, rig.account_id)
    await rig.work()

    assert await outcome(rig, campaign) == [
        (D.SENT, 1, None),
        (D.FAILED, 0, "CHANNEL_PRIVATE"),  # never attempted, not to be retried
        (D.SENT, 1, None),
    ]
    assert rig.telegram.posts[second.id] == []
    assert len(rig.telegram.sent) == 2
    assert (await rig.get(campaign)).status is S.COMPLETED
    async with rig.pool.connection() as conn:
        errors = await db_report.errors(conn, campaign.id)
        counts = await db_report.outcomes(conn, campaign.id)
    assert [(e.code, e.n) for e in errors] == [("CHANNEL_PRIVATE", 1)]
    assert counts is not None and (counts.sent, counts.failed) == (2, 1)


async def test_another_campaign_skips_a_channel_the_first_one_found_closed(rig: Rig) -> None:
    first = await rig.campaign(3)
    again = await rig.repeat(first)
    await laid_out(rig, first)
    await laid_out(rig, again)
    # The first campaign's post to the second channel is refused for good: the channel is
    # switched off. Telegram would take the other campaign's post, were it tried.
    rig.telegram.fail_next(
        400, "CHANNEL_PRIVATE", username="chan_00001", request_type=SendMessageRequest
    )
    await defer.kick_drain(rig.app, rig.account_id)
    await rig.work()

    assert await outcome(rig, first) == [
        (D.SENT, 1, None),
        (D.FAILED, 1, "CHANNEL_PRIVATE"),
        (D.SENT, 1, None),
    ]
    assert await outcome(rig, again) == [
        (D.SENT, 1, None),
        (D.FAILED, 0, "CHANNEL_PRIVATE"),
        (D.SENT, 1, None),
    ]
    assert rig.telegram.posts[rig.telegram.channels["chan_00001"].id] == []
    assert (await rig.get(again)).status is S.COMPLETED
