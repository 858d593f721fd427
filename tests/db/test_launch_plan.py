"""A launch's look at which of its accounts know each channel stays one index probe per channel,
however stale the statistics are: right after a big campaign they still count its rows as a
handful, and a join of the list with the account's sent rows was planned as a loop over both
(quadratic: 10,000 channels took 5-12 s to launch)."""

from __future__ import annotations

from typing import Any

from predlagator.db import deliveries
from predlagator.db.sql import query
from tests.rig import Rig

# What may be the inner side of a nested loop: a lookup by the outer row, never a scan of a
# whole table or of the list.
INDEX_LOOKUPS = {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}


def nested_loop_inners(node: dict[str, Any]) -> list[str]:
    """The node types on the inner side of every nested loop in the plan under `node`."""
    children = node.get("Plans", [])
    inners = [children[1]["Node Type"]] if node["Node Type"] == "Nested Loop" else []
    for child in children:
        inners += nested_loop_inners(child)
    return inners


async def test_a_repeat_launch_probes_each_channel_instead_of_looping_over_the_sent_rows(
    rig: Rig,
) -> None:
    async with rig.pool.connection() as conn:
        # As right after a big campaign, before autovacuum's analyze comes round.
        for table in ("deliveries", "account_peers", "batch_channels", "channels"):
            await conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = off)")
    first = await rig.campaign(400, rate=1_000_000.0)
    await rig.start(first)
    await rig.work()
    again = await rig.repeat(first)

    params = {"campaign_id": again.id, "account_ids": [rig.account_id]}
    async with rig.pool.connection() as conn:
        cur = await conn.execute(
            "EXPLAIN (FORMAT JSON) " + query("deliveries", "launch_channels"), params
        )
        row = await cur.fetchone()
        assert row is not None
        [plan] = row["QUERY PLAN"]
        assert set(nested_loop_inners(plan["Plan"])) <= INDEX_LOOKUPS

        # And it still finds what the account knows: every channel, each resolved once.
        assert await deliveries.snapshot(conn, again.id) == 400
        cur = await conn.execute(
            "SELECT count(*) AS n FROM deliveries WHERE campaign_id = %s AND account_id = %s",
            (again.id, rig.account_id),
        )
        assert (await cur.fetchone() or {})["n"] == 400
