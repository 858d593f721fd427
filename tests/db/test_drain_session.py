"""The session a drain's connection runs in: each statement prepared at its first run and
planned once for every run after (custom plans cost PostgreSQL more than the runs: 2-3 ms to
plan a claim that takes 0.3 ms, and an array of one post always planned anew), its records not
waiting for the disk, and the connection handed back to the pool as it came."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sized
from typing import Any

from predlagator.db import action_rows, actions, campaigns, deliveries
from predlagator.db.drain_session import drain_session
from predlagator.db.pool import Pool
from predlagator.db.rows import Conn
from predlagator.models import CampaignStatus, PostAction
from tests.db.test_stale_statistics import as_if_just_launched, claim, posted, tuples_read
from tests.factories import make_posted
from tests.rig import Rig


async def settings(conn: Conn) -> dict[str, Any]:
    cur = await conn.execute(
        "SELECT current_setting('synchronous_commit') AS sync,"
        " current_setting('plan_cache_mode') AS plans"
    )
    row = await cur.fetchone()
    assert row is not None
    return {**row, "threshold": conn.prepare_threshold}


async def plans_of(conn: Conn, fragment: str) -> tuple[int, int]:
    """Generic and custom plans made so far of this session's prepared statement whose text
    holds `fragment`."""
    cur = await conn.execute(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
        " WHERE statement LIKE '%%' || %(fragment)s || '%%'",
        {"fragment": fragment},
    )
    rows = await cur.fetchall()
    assert len(rows) == 1, rows
    return rows[0]["generic_plans"], rows[0]["custom_plans"]


async def test_a_drain_s_statements_are_planned_once_for_all_their_runs(rig: Rig) -> None:
    campaign = await make_posted(rig.pool, [f"chan_{i:03d}" for i in range(8)])
    async with rig.pool.connection() as conn, drain_session(conn):
        ids = [d.id for d in await deliveries.list_for_campaign(conn, campaign.id)]
        for delivery_id in ids:  # a batch of one post each time, as at a slow pace
            await deliveries.mark_sent_many(conn, [(delivery_id, 7)])
        # Every run on the one plan. Before, the first five runs were not prepared, and the
        # prepared statement's array of one post made PostgreSQL plan every run anew.
        assert await plans_of(conn, "Record a batch of posts") == (len(ids), 0)


async def test_the_connection_goes_back_as_it_came(pool: Pool) -> None:
    async with pool.connection() as conn:
        before = await settings(conn)
        async with drain_session(conn):
            assert await settings(conn) == {
                "sync": "off",
                "plans": "force_generic_plan",
                "threshold": 0,
            }
        assert await settings(conn) == before
    assert before == {"sync": "on", "plans": "auto", "threshold": 5}


async def test_a_drain_s_claims_read_no_more_on_their_one_plan_with_stale_statistics(
    rig: Rig,
) -> None:
    """A plan made once for every run reads no more than the plans made for each run's
    values, which test_stale_statistics keeps to the rows they take."""
    campaign = await posted(rig, 2000)
    repeat = await rig.repeat(campaign)
    async with rig.pool.connection() as conn:
        await as_if_just_launched(conn)
        await campaigns.transition(conn, repeat.id, CampaignStatus.RUNNING)
        await deliveries.snapshot(conn, repeat.id)
        await actions.start(conn, campaign_id=campaign.id, kind=PostAction.PIN)
        looks: dict[str, Callable[[], Awaitable[Sized]]] = {
            "deliveries": lambda: claim(conn, rig.account_id),
            "actions": lambda: action_rows.claim(conn, rig.account_id, limit=10, batch_s=3600.0),
        }
        each_run = {table: await reads(conn, table, look) for table, look in looks.items()}
        async with drain_session(conn):
            for _ in range(3):  # the plan made at the first run serves the next ones
                one_plan = {table: await reads(conn, table, look) for table, look in looks.items()}
                assert all(taken == 10 for taken, _ in one_plan.values())
                assert all(one_plan[t][1] <= each_run[t][1] for t in looks), (one_plan, each_run)


async def reads(conn: Conn, table: str, look: Callable[[], Awaitable[Sized]]) -> tuple[int, int]:
    """Rows a claim takes and the entries of `table` it reads, undone after."""
    async with conn.transaction(force_rollback=True):
        before = await tuples_read(conn, table)
        taken = len(await look())
        return taken, await tuples_read(conn, table) - before
