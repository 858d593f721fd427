"""A campaign scheduled for later: launched at its time, and not at all if stopped meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from predlagator.db import campaigns, schedules
from predlagator.models import Campaign, CampaignStatus, DeliveryStatus
from predlagator.queue import defer, names
from tests.rig import Rig

S = CampaignStatus
# The moment a scheduled job comes due (time is injected: the test moves the job, not the clock).
DUE_NOW = "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'"


async def schedule_in_an_hour(rig: Rig, count: int = 3) -> tuple[Campaign, datetime]:
    campaign = await rig.campaign(count)
    at = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    async with rig.pool.connection() as conn:
        scheduled = await schedules.schedule(conn, campaign.id, at)
    assert scheduled is not None and scheduled.status is S.SCHEDULED and scheduled.start_at == at
    await defer.launch_campaign(rig.app, campaign.id, at=at)
    return campaign, at


async def come_due(rig: Rig) -> None:
    async with rig.pool.connection() as conn:
        await conn.execute(DUE_NOW)


async def test_nothing_happens_before_the_time_then_it_runs(rig: Rig) -> None:
    campaign, at = await schedule_in_an_hour(rig)
    [job] = await rig.jobs(names.LAUNCH_CAMPAIGN)
    assert (job["args"], job["status"], job["scheduled_at"]) == (
        {"campaign_id": campaign.id},
        "todo",
        at,
    )
    await rig.work()
    assert rig.telegram.sent == []
    assert await rig.ledger(campaign) == []
    assert (await rig.get(campaign)).status is S.SCHEDULED

    await come_due(rig)
    await rig.work()
    assert [d.status for d in await rig.ledger(campaign)] == [DeliveryStatus.SENT] * 3
    assert (await rig.get(campaign)).status is S.COMPLETED


async def test_cancelled_before_its_time_it_never_starts(rig: Rig) -> None:
    campaign, _ = await schedule_in_an_hour(rig)
    async with rig.pool.connection() as conn:
        assert await campaigns.cancel(conn, campaign.id) is not None
    await come_due(rig)
    await rig.work()
    assert rig.telegram.sent == []
    assert await rig.ledger(campaign) == []
    assert (await rig.get(campaign)).status is S.CANCELLED


async def test_paused_before_its_time_it_waits_for_resume(rig: Rig) -> None:
    campaign, _ = await schedule_in_an_hour(rig)
    async with rig.pool.connection() as conn:
        assert await campaigns.transition(conn, campaign.id, S.PAUSED) is not None
    await come_due(rig)
    await rig.work()
    # The launch sends nothing and leaves the pause alone; it lays out the ledger, so Resume
    # has something to send.
    assert rig.telegram.sent == []
    assert (await rig.get(campaign)).status is S.PAUSED
    assert [d.status for d in await rig.ledger(campaign)] == [DeliveryStatus.QUEUED] * 3

    async with rig.pool.connection() as conn:
        assert await campaigns.transition(conn, campaign.id, S.RUNNING) is not None
    await defer.kick_drain(rig.app, campaign.account_id)
    await rig.work()
    assert len(rig.telegram.sent) == 3
    assert (await rig.get(campaign)).status is S.COMPLETED


async def test_only_a_draft_can_be_scheduled(rig: Rig) -> None:
    campaign, at = await schedule_in_an_hour(rig)
    async with rig.pool.connection() as conn:
        assert await schedules.schedule(conn, campaign.id, at + timedelta(hours=1)) is None
    assert (await rig.get(campaign)).start_at == at


async def test_paused_and_resumed_before_its_time_it_launches_once_at_its_time(rig: Rig) -> None:
    campaign, at = await schedule_in_an_hour(rig)
    async with rig.pool.connection() as conn:
        assert await campaigns.transition(conn, campaign.id, S.PAUSED) is not None
        resumed = await campaigns.resume(conn, campaign.id)
    assert resumed is not None and resumed.status is S.SCHEDULED and resumed.start_at == at
    await rig.work()
    assert rig.telegram.sent == []
    assert await rig.ledger(campaign) == []

    await come_due(rig)
    await rig.work()
    assert len(rig.telegram.sent) == 3
    assert [d.status for d in await rig.ledger(campaign)] == [DeliveryStatus.SENT] * 3
    assert (await rig.get(campaign)).status is S.COMPLETED
    assert await rig.jobs(names.LAUNCH_CAMPAIGN) == []  # it ran once, and is gone


async def test_resumed_after_its_time_it_runs(rig: Rig) -> None:
    campaign, _ = await schedule_in_an_hour(rig)
    async with rig.pool.connection() as conn:
        assert await campaigns.transition(conn, campaign.id, S.PAUSED) is not None
    await come_due(rig)
    await rig.work()  # the launch finds it paused and lays out the ledger
    async with rig.pool.connection() as conn:
        await conn.execute("UPDATE campaigns SET start_at = now() - interval '1 minute'")
        resumed = await campaigns.resume(conn, campaign.id)
    assert resumed is not None and resumed.status is S.RUNNING
    await defer.kick_drain(rig.app, campaign.account_id)
    await rig.work()
    assert len(rig.telegram.sent) == 3
    assert (await rig.get(campaign)).status is S.COMPLETED
