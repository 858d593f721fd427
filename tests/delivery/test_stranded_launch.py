"""A launch whose worker died before it committed is redone at once; a live one is left be."""

from __future__ import annotations

import psycopg

from predlagator.db import campaigns
from predlagator.delivery import tasks
from predlagator.models import CampaignStatus, DeliveryStatus
from predlagator.queue import names
from tests.rig import Rig

S = CampaignStatus


async def test_a_stranded_launch_is_redone_and_its_late_retry_adds_nothing(
    rig: Rig, db_url: str
) -> None:
    campaign = await rig.campaign(3)
    await rig.start(campaign)
    # A worker took the launch job (its heartbeat is fresh: it died a moment ago, or lives).
    manager = rig.app.job_manager
    worker_id = await manager.register_worker()
    job = await manager.fetch_job([names.DELIVERY_QUEUE], worker_id)
    assert job is not None and job.task_name == names.LAUNCH_CAMPAIGN

    # While its launch holds the campaign's row, it is alive: nothing is done for it.
    async with await psycopg.AsyncConnection.connect(db_url) as live:
        await live.execute("SELECT id FROM campaigns WHERE id = %s FOR UPDATE", (campaign.id,))
        await tasks.relaunch_stranded(rig.app, rig.pool)
        assert (await rig.get(campaign)).status is S.SCHEDULED
        await live.rollback()

    # The row is free and the job still `doing`: its worker died before the launch committed.
    await tasks.relaunch_stranded(rig.app, rig.pool)
    assert (await rig.get(campaign)).status is S.RUNNING
    assert len(await rig.ledger(campaign)) == 3
    await tasks.relaunch_stranded(rig.app, rig.pool)  # started: nothing more to do

    # The heartbeat timeout later retries the dead job; that launch finds it running.
    await manager.retry_job(job)
    await rig.work()
    ledger = await rig.ledger(campaign)
    assert [d.status for d in ledger] == [DeliveryStatus.SENT] * 3
    assert len(rig.telegram.sent) == 3
    async with rig.pool.connection() as conn:
        done = await campaigns.get(conn, campaign.id)
    assert done is not None and done.status is S.COMPLETED


async def test_a_campaign_paused_before_its_stranded_launch_gets_its_ledger_and_stays_paused(
    rig: Rig,
) -> None:
    campaign = await rig.campaign(3)
    await rig.start(campaign)
    manager = rig.app.job_manager
    job = await manager.fetch_job([names.DELIVERY_QUEUE], await manager.register_worker())
    assert job is not None
    async with rig.pool.connection() as conn:
        assert await campaigns.transition(conn, campaign.id, S.PAUSED) is not None
    await tasks.relaunch_stranded(rig.app, rig.pool)
    # Resume has something to send, and the pause holds.
    assert [d.status for d in await rig.ledger(campaign)] == [DeliveryStatus.QUEUED] * 3
    assert (await rig.get(campaign)).status is S.PAUSED
    assert rig.telegram.sent == []
