"""Cancel in the engine: what is queued stops, posts in flight are recorded, one report."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telethon.tl.functions.messages import SendMessageRequest

from predlagator.db import campaigns, deliveries
from predlagator.db.pool import Pool
from predlagator.models import CampaignStatus, DeliveryStatus
from predlagator.queue import names
from tests.factories import make_campaign
from tests.rig import Rig, delivery_rig

S = DeliveryStatus
TARGET = "chan_00001"


@pytest.fixture
async def rig(pool: Pool) -> AsyncIterator[Rig]:
    async with delivery_rig(pool) as opened:
        yield opened


def cancel_when_sending_to(rig: Rig, campaign_id: int, ref: str) -> list[bool]:
    """Cancel the campaign as the request to `ref` arrives, before it is answered.

    Returns a list that gets, for that cancel, whether the campaign ended at once.
    """
    ended: list[bool] = []
    answer = rig.telegram.answer
    channel_id = rig.telegram.channels[ref].id

    async def cancelling(auth_key: bytes | None, request: Any) -> Any:
        query = getattr(request, "query", request)
        peer = getattr(query, "peer", None)
        if isinstance(query, SendMessageRequest) and getattr(peer, "channel_id", 0) == channel_id:
            async with rig.pool.connection() as conn:
                cancelled = await campaigns.cancel(conn, campaign_id)
            assert cancelled is not None
            ended.append(cancelled.finished_at is not None)
        return await answer(auth_key, request)

    rig.telegram.answer = cancelling  # type: ignore[method-assign]
    return ended


async def test_a_post_in_flight_that_fails_is_not_retried(rig: Rig) -> None:
    campaign = await rig.campaign(3, rate=60.0)  # one post per batch
    rig.telegram.fail_next(500, "INTERNAL", username=TARGET, request_type=SendMessageRequest)
    ended = cancel_when_sending_to(rig, campaign.id, TARGET)
    await rig.start(campaign)
    await rig.work()

    assert ended == [False]  # the post was on its way
    ledger = await rig.ledger(campaign)
    # A transient error would retry it, but the campaign is cancelled: it ends cancelled.
    assert [(d.status, d.attempts) for d in ledger] == [
        (S.SENT, 1),
        (S.CANCELLED, 1),
        (S.CANCELLED, 0),
    ]
    done = await rig.get(campaign)
    assert done.status is CampaignStatus.CANCELLED and done.finished_at is not None
    assert len(await rig.jobs(names.CAMPAIGN_FINISHED)) == 1
    assert [j for j in await rig.jobs(names.DRAIN) if j["status"] == "todo"] == []


async def test_a_post_in_flight_hit_by_a_flood_wait_is_not_given_back(rig: Rig) -> None:
    campaign = await rig.campaign(3, rate=60.0)
    rig.telegram.fail_next(420, "FLOOD_WAIT_300", username=TARGET, request_type=SendMessageRequest)
    cancel_when_sending_to(rig, campaign.id, TARGET)
    await rig.start(campaign)
    await rig.work()

    ledger = await rig.ledger(campaign)
    assert [(d.status, d.attempts) for d in ledger] == [
        (S.SENT, 1),
        (S.CANCELLED, 0),
        (S.CANCELLED, 0),
    ]
    # The drain stopped for the wait; the reconcile's sweep ends the campaign, once.
    assert (await rig.get(campaign)).finished_at is None
    async with rig.pool.connection() as conn:
        [ended] = await campaigns.complete_all_done(conn)
        assert ended.id == campaign.id and ended.status is CampaignStatus.CANCELLED
        assert await campaigns.complete_all_done(conn) == []


async def test_cancel_with_nothing_in_flight_ends_at_once(pool: Pool) -> None:
    campaign = await make_campaign(pool, ["q_one", "q_two"])
    async with pool.connection() as conn:
        await deliveries.snapshot(conn, campaign.id)
        await campaigns.transition(conn, campaign.id, CampaignStatus.RUNNING)
        cancelled = await campaigns.cancel(conn, campaign.id)
        assert cancelled is not None and cancelled.finished_at is not None
        statuses = [d.status for d in await deliveries.list_for_campaign(conn, campaign.id)]
        assert statuses == [S.CANCELLED, S.CANCELLED]
        # Nobody ends it twice, and a second cancel finds nothing to do.
        assert await campaigns.complete_if_done(conn, campaign.id) is None
        assert await campaigns.complete_all_done(conn) == []
        assert await campaigns.cancel(conn, campaign.id) is None


async def test_a_post_a_dead_drain_left_sending_ends_cancelled(pool: Pool) -> None:
    campaign = await make_campaign(pool, ["r_one", "r_two"])
    async with pool.connection() as conn:
        await deliveries.snapshot(conn, campaign.id)
        await campaigns.transition(conn, campaign.id, CampaignStatus.RUNNING)
        first, _ = await deliveries.claim(conn, campaign.account_id, limit=2)
        assert await deliveries.mark_sending(conn, first.delivery_id)
        cancelled = await campaigns.cancel(conn, campaign.id)
        assert cancelled is not None and cancelled.finished_at is None
        statuses = [d.status for d in await deliveries.list_for_campaign(conn, campaign.id)]
        assert statuses == [S.SENDING, S.CANCELLED]
        # The drain died; the next one gives back what it left, but not to a cancelled campaign.
        assert await deliveries.release_interrupted(conn, campaign.account_id) == 1
        statuses = [d.status for d in await deliveries.list_for_campaign(conn, campaign.id)]
        assert statuses == [S.CANCELLED, S.CANCELLED]
        [ended] = await campaigns.complete_all_done(conn, campaign.account_id)
        assert ended.id == campaign.id and ended.finished_at is not None


async def test_a_scheduled_campaign_cancelled_before_its_launch_never_launches(rig: Rig) -> None:
    campaign = await rig.campaign(3)
    await rig.start(campaign)  # scheduled, launch job waiting
    async with rig.pool.connection() as conn:
        cancelled = await campaigns.cancel(conn, campaign.id)
    assert cancelled is not None and cancelled.finished_at is not None
    await rig.work()
    assert await rig.ledger(campaign) == []
    assert rig.telegram.sent == []
    assert (await rig.get(campaign)).status is CampaignStatus.CANCELLED
    assert await rig.jobs(names.DRAIN) == []
    assert await rig.jobs(names.CAMPAIGN_FINISHED) == []
