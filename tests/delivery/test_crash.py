"""kill -9 a worker mid-campaign, start another: every channel gets the post exactly once.

Real worker processes (`tests.fakes.worker_process`: session lock, recovery of dead drains,
Procrastinate, the real TelegramClient) over one fake Telegram kept in PostgreSQL
(`tests.fakes.shared_telegram`), so it outlives the processes killed.
"""

from __future__ import annotations

import psycopg

from predlagator.db import deliveries
from predlagator.db.pool import Pool
from predlagator.models import Campaign, DeliveryStatus
from predlagator.queue import names
from tests.factories import make_campaign
from tests.fakes import shared_telegram
from tests.fakes.shared_telegram import channel_id_of, channel_refs, install
from tests.fakes.worker_process import (
    FROZEN,
    READY,
    STOPPED,
    CampaignWatch,
    WorkerProcess,
    launch,
    worker_processes,
)

# 100 posts a second: a drain claims half a second of them (50) per batch, and a kill lands
# inside one, after posts went out and before the batch's outcomes were written.
RATE = 6000.0
PREFIX = "crash"
DONE_WITHIN_S = 120.0


async def new_campaign(db_url: str, pool: Pool, count: int, *, retry_limit: int = 3) -> Campaign:
    """A campaign over `count` channels that every worker's shared fake knows."""
    install(db_url)
    return await make_campaign(
        pool, channel_refs(PREFIX, count), rate=RATE, retry_limit=retry_limit
    )


async def start_worker(
    db_url: str,
    count: int,
    *,
    freeze_after: int = 0,
    freeze_before: int = 0,
    fail_once: tuple[str, ...] = (),
) -> WorkerProcess:
    return await WorkerProcess.start(
        db_url,
        prefix=PREFIX,
        channels=count,
        freeze_after=freeze_after,
        freeze_before=freeze_before,
        fail_once=fail_once,
    )


async def drain_jobs(pool: Pool) -> dict[int, str]:
    """Drain jobs by id and status."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT id, status FROM procrastinate_jobs WHERE task_name = %s", (names.DRAIN,)
        )
        return {row["id"]: row["status"] for row in await cur.fetchall()}


async def assert_each_channel_posted_once(pool: Pool, campaign: Campaign, count: int) -> None:
    """Every delivery sent; the fake holds exactly the ledger's post in every channel."""
    async with pool.connection() as conn:
        ledger = await deliveries.list_for_campaign(conn, campaign.id)
        posted = await shared_telegram.posts(conn)
        assert await shared_telegram.duplicates(conn) == 0
    assert len(ledger) == count
    assert [d.status for d in ledger if d.status is not DeliveryStatus.SENT] == []
    expected = {channel_id_of(ref): ref for ref in channel_refs(PREFIX, count)}
    assert set(posted) == set(expected)  # nothing lost, nothing posted anywhere else
    by_channel_ref = {ref: channel_id for channel_id, ref in expected.items()}
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT d.random_id, d.message_id, ch.ref FROM deliveries d "
            "JOIN channels ch ON ch.id = d.channel_id WHERE d.campaign_id = %s",
            (campaign.id,),
        )
        rows = await cur.fetchall()
    for row in rows:
        # One post per channel, under the ledger's random_id, and the ledger knows its id.
        assert posted[by_channel_ref[row["ref"]]] == [(row["random_id"], row["message_id"])]


async def test_kill_mid_batch_then_restart_resends_with_same_random_ids(
    db_url: str, pool: Pool
) -> None:
    count, posted_before_kill = 120, 20
    campaign = await new_campaign(db_url, pool, count)
    async with worker_processes() as workers, CampaignWatch(db_url) as watch:
        await launch(pool, campaign.id)
        # The 20th post reaches Telegram and its answer never comes back: kill -9 there.
        first = await start_worker(db_url, count, freeze_after=posted_before_kill)
        workers.append(first)
        await first.expect(READY)
        await first.expect(FROZEN)
        await first.kill()

        async with pool.connection() as conn:
            ledger = {d.random_id: d for d in await deliveries.list_for_campaign(conn, campaign.id)}
            posted = await shared_telegram.posts(conn)
            before = await shared_telegram.send_requests(conn)
        assert len(posted) == posted_before_kill
        posted_random_ids = [random_id for [(random_id, _)] in posted.values()]
        statuses = {ledger[r].status for r in posted_random_ids}
        assert statuses <= {DeliveryStatus.SENDING, DeliveryStatus.SENT}
        left_sending = [r for r in posted_random_ids if ledger[r].status is DeliveryStatus.SENDING]
        last = max(before)[2]  # the post whose answer was held back
        assert last in left_sending
        stalled = [job for job, status in (await drain_jobs(pool)).items() if status == "doing"]
        assert len(stalled) == 1  # the killed process's drain, which holds the account's lock

        second = await start_worker(db_url, count)
        workers.append(second)
        await second.expect(READY)
        # Before it ran any job, the new worker ended the dead drain that held the account's
        # lock (it may: it holds the session), instead of waiting for the heartbeat timeout.
        assert (await drain_jobs(pool))[stalled[0]] == "failed"
        assert await watch.until(campaign.id, "completed", DONE_WITHIN_S)
        assert await second.stop() == 0
        assert second.seen[-1] == STOPPED

    await assert_each_channel_posted_once(pool, campaign, count)
    async with pool.connection() as conn:
        after = await shared_telegram.send_requests(conn)
    resent = [(pid, r) for _, pid, r in after[len(before) :] if r in left_sending]
    # Each post left `sending` went again, once, from the new process, with its random_id;
    # Telegram answered with the original message (checked against the ledger above).
    assert sorted(r for _, r in resent) == sorted(left_sending)
    assert {pid for pid, _ in resent} == {second.pid}


async def test_three_kills_at_different_points_lose_and_repeat_nothing(
    db_url: str, pool: Pool
) -> None:
    count = 300
    campaign = await new_campaign(db_url, pool, count)
    killed: list[WorkerProcess] = []
    async with worker_processes() as workers, CampaignWatch(db_url) as watch:
        await launch(pool, campaign.id)
        points = [
            (15, 0),  # the 15th post went out and its answer is lost
            (0, 40),  # the 40th send is lost on its way: nothing posted
            (0, 0),  # whatever the worker does just after it took the session
        ]
        for freeze_after, freeze_before in points:
            worker = await start_worker(
                db_url, count, freeze_after=freeze_after, freeze_before=freeze_before
            )
            workers.append(worker)
            await worker.expect(READY)
            if freeze_after or freeze_before:
                await worker.expect(FROZEN)
            await worker.kill()
            killed.append(worker)
            assert await watch.status(campaign.id) == "running"
            async with pool.connection() as conn:
                assert await shared_telegram.duplicates(conn) == 0

        last = await start_worker(db_url, count)
        workers.append(last)
        await last.expect(READY)
        assert await watch.until(campaign.id, "completed", DONE_WITHIN_S)
        assert await last.stop() == 0

    await assert_each_channel_posted_once(pool, campaign, count)
    assert "doing" not in (await drain_jobs(pool)).values()
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT DISTINCT pid FROM fake_posts")
        posting = {row["pid"] for row in await cur.fetchall()}
    # The first two posted before they died; the last one finished the campaign.
    assert {killed[0].pid, killed[1].pid, last.pid} <= posting


async def test_crash_uses_up_no_retry_of_posts_it_never_tried(db_url: str, pool: Pool) -> None:
    # One retry allowed. The killed worker had claimed and marked a whole batch, but tried
    # only its first post; a later post's first try fails with a transient error. A crash
    # only delays: that post still has its retry, as it would have without the crash.
    count = 60
    flaky = channel_refs(PREFIX, count)[30]
    campaign = await new_campaign(db_url, pool, count, retry_limit=1)
    async with worker_processes() as workers, CampaignWatch(db_url) as watch:
        await launch(pool, campaign.id)
        first = await start_worker(db_url, count, freeze_after=1)
        workers.append(first)
        await first.expect(FROZEN)
        await first.kill()

        second = await start_worker(db_url, count, fail_once=(flaky,))
        workers.append(second)
        await second.expect(READY)
        assert await watch.until(campaign.id, "completed", DONE_WITHIN_S)
        assert await second.stop() == 0

    await assert_each_channel_posted_once(pool, campaign, count)
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT d.attempts, d.error_code FROM deliveries d "
            "JOIN channels ch ON ch.id = d.channel_id WHERE ch.ref = %s",
            (flaky,),
        )
        row = await cur.fetchone()
    assert row is not None and (row["attempts"], row["error_code"]) == (2, None)


async def test_a_launch_stranded_by_a_kill_runs_as_soon_as_a_worker_starts(
    db_url: str, pool: Pool
) -> None:
    # The worker took the launch job and was killed before the launch committed: the job
    # stays `doing` under a worker whose heartbeat is still fresh, and the campaign is
    # still scheduled. The next worker launches it at start, not at the next reconcile after
    # the heartbeat timeout (about a minute later).
    count = 10
    campaign = await new_campaign(db_url, pool, count)
    async with (
        worker_processes() as workers,
        CampaignWatch(db_url) as watch,
        await psycopg.AsyncConnection.connect(db_url, autocommit=True) as listener,
        await psycopg.AsyncConnection.connect(db_url) as blocker,
    ):
        await listener.execute(JOB_STARTED_TRIGGER)
        await listener.execute("LISTEN test_job_started")
        await launch(pool, campaign.id)
        # Hold the campaign's row, so the launch cannot commit before the kill.
        await blocker.execute("SELECT id FROM campaigns WHERE id = %s FOR UPDATE", (campaign.id,))
        first = await start_worker(db_url, count)
        workers.append(first)
        async for notice in listener.notifies(timeout=60.0):
            if notice.payload == names.LAUNCH_CAMPAIGN:
                break
        await first.kill()
        await blocker.rollback()
        assert await watch.status(campaign.id) == "scheduled"
        assert await job_statuses(pool, names.LAUNCH_CAMPAIGN) == ["doing"]

        second = await start_worker(db_url, count)
        workers.append(second)
        await second.expect(READY)
        # Before it ran any job, the new worker launched the campaign the dead one held.
        assert await watch.status(campaign.id) == "running"
        assert await watch.until(campaign.id, "completed", DONE_WITHIN_S)
        assert await second.stop() == 0

    await assert_each_channel_posted_once(pool, campaign, count)


# Test-only: announce every job that starts, so the test hears the launch begin.
JOB_STARTED_TRIGGER = """
CREATE FUNCTION test_job_started() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('test_job_started', NEW.task_name);
    RETURN NEW;
END $$;
CREATE TRIGGER test_job_started AFTER UPDATE OF status ON procrastinate_jobs
FOR EACH ROW WHEN (NEW.status = 'doing') EXECUTE FUNCTION test_job_started();
"""


async def job_statuses(pool: Pool, task_name: str) -> list[str]:
    """Statuses of every job of `task_name`, oldest first."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT status FROM procrastinate_jobs WHERE task_name = %s ORDER BY id", (task_name,)
        )
        return [str(row["status"]) for row in await cur.fetchall()]
