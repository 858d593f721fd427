"""Retention: finished queue jobs go after RETENTION_DAYS; the ledger and the audit log stay."""

from __future__ import annotations

from predlagator.db import audit, deliveries
from predlagator.models import DeliveryStatus
from predlagator.queue import names
from tests.rig import Rig


async def test_retention_deletes_old_finished_jobs_only(rig: Rig) -> None:
    campaign = await rig.campaign(2)
    await rig.start(campaign)
    await rig.work()
    async with rig.pool.connection() as conn:
        await audit.record(conn, 1, "campaign.start", "campaign", campaign.id)
        # Two failed jobs: one finished eight days ago, one an hour ago.
        old = await rig.app.configure_task(names.NOTIFY).defer_async(campaign_id=0, event="x")
        new = await rig.app.configure_task(names.NOTIFY).defer_async(campaign_id=0, event="y")
        await conn.execute(
            "UPDATE procrastinate_jobs SET status = 'failed' WHERE id = ANY(%s)", ([old, new],)
        )
        await conn.execute(
            "UPDATE procrastinate_events SET at = now() - interval '8 days' WHERE job_id = %s",
            (old,),
        )
        await conn.execute(
            "UPDATE procrastinate_events SET at = now() - interval '1 hour' WHERE job_id = %s",
            (new,),
        )
    await rig.app.configure_task("retention", queue=names.DELIVERY_QUEUE).defer_async(timestamp=0)
    await rig.app.run_worker_async(
        queues=[names.DELIVERY_QUEUE],
        wait=False,
        install_signal_handlers=False,
        additional_context={"pool": rig.pool, "drain_deps": rig.deps, "retention_days": 7},
    )
    async with rig.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT id FROM procrastinate_jobs WHERE id = ANY(%s)", ([old, new],)
        )
        kept = [row["id"] for row in await cur.fetchall()]
        ledger = await deliveries.list_for_campaign(conn, campaign.id)
        entries = await audit.latest(conn)
    assert kept == [new]
    assert [d.status for d in ledger] == [DeliveryStatus.SENT] * 2
    assert [e.action for e in entries] == ["campaign.start"]
