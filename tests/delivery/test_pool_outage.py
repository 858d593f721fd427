"""A database restart under a worker serving several accounts: every account stops sending at
once, and the same process takes them all again and finishes each campaign, each post once."""

from __future__ import annotations

import psycopg

from predlagator.db.embedded import EmbeddedPostgres
from predlagator.db.migrate import migrate
from predlagator.db.pool import Pool
from predlagator.models import Campaign, DeliveryStatus
from predlagator.session_vault import Vault, new_key
from tests.delivery.test_pg_restart import (  # noqa: F401 - own_server is a fixture
    own_pool,
    own_server,
    requests_so_far,
    restart,
)
from tests.fakes import shared_telegram
from tests.fakes.shared_telegram import channel_id_of, channel_refs, install
from tests.fakes.worker_process import (
    DB_BACK,
    DB_LOST,
    POSTED,
    READY,
    STOPPED,
    CampaignWatch,
    WorkerProcess,
    launch,
    session_of,
    worker_processes,
)
from tests.pool_world import account_campaign, add_account

PREFIX = "pooloutage"
ACCOUNTS = 2
PER_ACCOUNT = 150
RATE = 3000.0  # 50 posts a second per account: a restart after 130 posts lands mid-campaign
DONE_WITHIN_S = 120.0


async def test_a_restart_stops_every_account_and_the_worker_takes_them_all_again(
    own_server: EmbeddedPostgres,  # noqa: F811 - the fixture
    db_url: str,
    pool: Pool,
) -> None:
    url = own_server.url
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as fresh:
        await migrate(fresh)
    install(db_url)  # the fake Telegram's store stays up on the session's server
    key = new_key()
    refs = channel_refs(PREFIX, ACCOUNTS * PER_ACCOUNT)
    campaigns: list[Campaign] = []
    async with own_pool(url) as app_pool:
        for i in range(ACCOUNTS):
            name = f"acct{i}"
            account = await add_account(
                app_pool, name, rate=RATE, session=session_of(name), vault=Vault(key)
            )
            part = refs[i * PER_ACCOUNT : (i + 1) * PER_ACCOUNT]
            campaigns.append(await account_campaign(app_pool, account, part, rate=RATE))

    async with worker_processes() as workers:
        worker = await WorkerProcess.start(
            url,
            telegram_url=db_url,
            prefix=PREFIX,
            channels=len(refs),
            rate=RATE,
            session_key=key,
            mark_after=130,
        )
        workers.append(worker)
        await worker.expect(READY)
        async with own_pool(url) as app_pool:
            for campaign in campaigns:
                await launch(app_pool, campaign.id)
        await worker.expect(POSTED)

        async def until_the_worker_notices() -> None:
            down_at = await requests_so_far(pool)
            await worker.expect(DB_LOST)
            assert await requests_so_far(pool) == down_at  # no account sent meanwhile

        await restart(own_server, until_the_worker_notices)
        await worker.expect(DB_BACK)
        async with CampaignWatch(url) as watch:
            for campaign in campaigns:
                assert await watch.until(campaign.id, "completed", DONE_WITHIN_S)
        assert worker.proc.returncode is None
        assert await worker.stop() == 0

    assert worker.seen == [READY, POSTED, DB_LOST, DB_BACK, STOPPED]
    async with pool.connection() as conn:
        posted = await shared_telegram.posts(conn)
        assert await shared_telegram.duplicates(conn) == 0
        assert await shared_telegram.request_pids(conn) == {worker.pid}
        cur = await conn.execute("SELECT DISTINCT account FROM fake_posts")
        posters = {row["account"] for row in await cur.fetchall()}
    assert posters == {f"acct{i}" for i in range(ACCOUNTS)}
    assert set(posted) == {channel_id_of(ref) for ref in refs}
    assert all(len(posts) == 1 for posts in posted.values())
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as plain:
        counted = await plain.execute("SELECT status, count(*) FROM deliveries GROUP BY status")
        statuses: dict[str, int] = dict(await counted.fetchall())
    assert statuses == {DeliveryStatus.SENT.value: ACCOUNTS * PER_ACCOUNT}
