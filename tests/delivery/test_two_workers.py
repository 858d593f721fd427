"""Two worker processes for one account: one uses the session, the other waits to take over.

Telegram kills a session used from two places at once (AUTH_KEY_DUPLICATED), so the second
process must not even connect while the first holds the account's lock.
"""

from __future__ import annotations

from predlagator.db.pool import Pool
from tests.delivery.test_crash import PREFIX, assert_each_channel_posted_once, new_campaign
from tests.fakes import shared_telegram
from tests.fakes.worker_process import (
    FROZEN,
    READY,
    WAITING,
    CampaignWatch,
    WorkerProcess,
    launch,
    worker_processes,
)

DONE_WITHIN_S = 120.0


async def test_second_worker_waits_without_connecting_then_takes_over(
    db_url: str, pool: Pool
) -> None:
    count = 100
    campaign = await new_campaign(db_url, pool, count)
    async with worker_processes() as workers, CampaignWatch(db_url) as watch:
        await launch(pool, campaign.id)
        # The first worker posts 10, then its 10th answer hangs: it holds the session meanwhile.
        first = await WorkerProcess.start(db_url, prefix=PREFIX, channels=count, freeze_after=10)
        workers.append(first)
        await first.expect(READY)
        second = await WorkerProcess.start(db_url, prefix=PREFIX, channels=count)
        workers.append(second)
        await second.expect(WAITING)
        await first.expect(FROZEN)

        async with pool.connection() as conn:
            # Everything Telegram received so far came from the first process: the second
            # built its client but never connected it.
            assert await shared_telegram.request_pids(conn) == {first.pid}
            before_kill = await shared_telegram.last_request_id(conn)
        assert second.seen == [WAITING]

        await first.kill()
        await second.expect(READY)
        assert await watch.until(campaign.id, "completed", DONE_WITHIN_S)
        assert await second.stop() == 0

    await assert_each_channel_posted_once(pool, campaign, count)
    async with pool.connection() as conn:
        assert await shared_telegram.request_pids(conn, after_id=before_kill) == {second.pid}
        cur = await conn.execute("SELECT pid, count(*) AS n FROM fake_posts GROUP BY pid")
        posts_by_pid = {row["pid"]: row["n"] for row in await cur.fetchall()}
    assert posts_by_pid == {first.pid: 10, second.pid: count - 10}
