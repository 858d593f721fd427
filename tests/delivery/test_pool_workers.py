"""Interchangeable workers: two real worker processes share the accounts, and when one is
killed the other takes its accounts over and finishes their campaigns, each post once.

Each account is a session of its own, so each has a fake Telegram of its own in each process
(`tests.fakes.worker_process --session-key`), all sharing one store in PostgreSQL that counts
every post by account and process.
"""

from __future__ import annotations

from predlagator.db import deliveries
from predlagator.db.pool import Pool
from predlagator.models import Campaign, DeliveryStatus
from predlagator.session_vault import Vault, new_key
from tests.fakes import shared_telegram
from tests.fakes.shared_telegram import channel_id_of, channel_refs, install
from tests.fakes.worker_process import (
    POSTED,
    READY,
    CampaignWatch,
    WorkerProcess,
    launch,
    session_of,
    worker_processes,
)
from tests.pool_world import account_campaign, add_account, holders

PREFIX = "pool"
ACCOUNTS = 4
PER_ACCOUNT = 40
# Ten posts a second per account: a campaign takes about four seconds, so the kill after the
# first process's tenth post lands mid-campaign for both of its accounts.
RATE = 600.0
DONE_WITHIN_S = 90.0


async def start(db_url: str, key: str, max_accounts: int, mark_after: int = 0) -> WorkerProcess:
    return await WorkerProcess.start(
        db_url,
        prefix=PREFIX,
        channels=ACCOUNTS * PER_ACCOUNT,
        rate=RATE,
        session_key=key,
        max_accounts=max_accounts,
        mark_after=mark_after,
    )


async def one_campaign_per_account(pool: Pool, vault: Vault, refs: list[str]) -> list[Campaign]:
    """ACCOUNTS accounts with stored sessions, each sending its own share of `refs`."""
    campaigns: list[Campaign] = []
    for i in range(ACCOUNTS):
        name = f"acct{i}"
        account = await add_account(pool, name, rate=RATE, session=session_of(name), vault=vault)
        part = refs[i * PER_ACCOUNT : (i + 1) * PER_ACCOUNT]
        campaigns.append(await account_campaign(pool, account, part, rate=RATE))
    return campaigns


async def assert_each_channel_posted_once(
    pool: Pool, refs: list[str], campaigns: list[Campaign], posted: dict[int, list[tuple[int, int]]]
) -> None:
    """Every channel got its campaign's post exactly once: none lost, none twice."""
    assert set(posted) == {channel_id_of(ref) for ref in refs}
    assert all(len(posts) == 1 for posts in posted.values())
    async with pool.connection() as conn:
        for campaign in campaigns:
            ledger = await deliveries.list_for_campaign(conn, campaign.id)
            assert [d.status for d in ledger] == [DeliveryStatus.SENT] * PER_ACCOUNT
        cur = await conn.execute(
            "SELECT d.random_id, d.message_id, ch.ref FROM deliveries d "
            "JOIN channels ch ON ch.id = d.channel_id"
        )
        rows = await cur.fetchall()
    for row in rows:  # under the ledger's random_id, and the ledger knows the message
        assert posted[channel_id_of(row["ref"])] == [(row["random_id"], row["message_id"])]


def held_by(marks: dict[str, str | None], worker: WorkerProcess) -> list[str]:
    """The accounts `worker` holds, by the marks pg_locks confirms."""
    return sorted(name for name, mark in marks.items() if mark and mark.endswith(f" {worker.pid}"))


async def test_two_workers_share_the_accounts_and_one_takes_over_when_the_other_dies(
    db_url: str, pool: Pool
) -> None:
    install(db_url)
    key = new_key()
    refs = channel_refs(PREFIX, ACCOUNTS * PER_ACCOUNT)
    campaigns = await one_campaign_per_account(pool, Vault(key), refs)

    async with worker_processes() as workers, CampaignWatch(db_url) as watch:
        # WORKER_MAX_ACCOUNTS 2: the first takes two of the four, the second the rest.
        first = await start(db_url, key, max_accounts=2, mark_after=10)
        workers.append(first)
        await first.expect(READY)
        second = await start(db_url, key, max_accounts=ACCOUNTS)
        workers.append(second)
        await second.expect(READY)
        marks = await holders(pool)
        firsts, seconds = held_by(marks, first), held_by(marks, second)
        assert len(firsts) == 2
        assert len(seconds) == 2
        assert sorted(firsts + seconds) == sorted(marks)

        for campaign in campaigns:
            await launch(pool, campaign.id)
        await first.expect(POSTED)
        await first.kill()
        async with pool.connection() as conn:
            killed_after = await shared_telegram.last_request_id(conn)
            posted_before = await shared_telegram.posts(conn)
        assert len(posted_before) < ACCOUNTS * PER_ACCOUNT  # mid-campaign

        for campaign in campaigns:
            assert await watch.until(campaign.id, "completed", DONE_WITHIN_S)
        marks = await holders(pool)
        assert held_by(marks, second) == sorted(marks)  # it took the dead one's accounts
        assert await second.stop() == 0

    async with pool.connection() as conn:
        posted = await shared_telegram.posts(conn)
        assert await shared_telegram.duplicates(conn) == 0
        cur = await conn.execute(
            "SELECT DISTINCT account, pid FROM fake_requests WHERE id > %s", (killed_after,)
        )
        after_kill = {(row["account"], row["pid"]) for row in await cur.fetchall()}
        cur = await conn.execute("SELECT DISTINCT account, pid FROM fake_posts")
        posters = {(row["account"], row["pid"]) for row in await cur.fetchall()}
    await assert_each_channel_posted_once(pool, refs, campaigns, posted)
    # After the kill only the second process reached Telegram, for the first one's accounts
    # too; and each account was only ever used by the process that held it.
    assert {pid for _, pid in after_kill} == {second.pid}
    assert {name for name, _ in after_kill} >= set(firsts)
    assert {(name, pid) for name, pid in posters if pid == first.pid} <= {
        (name, first.pid) for name in firsts
    }
