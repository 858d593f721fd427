"""The drain's bulk statements stay linear however stale the statistics are: right after a big
launch or campaign they still count its rows as a handful. A launch's look at which accounts
know each channel was planned as a loop over the list and the sent rows (10,000 channels took
5-12 s to launch), and the look for switched-off channels before each claim as a scan of every
pending row (20 ms a claim at 10,000)."""

from __future__ import annotations

from typing import Any

from predlagator.db import campaigns, channels, deliveries
from predlagator.db.rows import Conn
from predlagator.db.sql import query
from predlagator.delivery import pacing
from predlagator.models import CampaignStatus
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


async def as_if_just_launched(conn: Conn) -> None:
    """No analyze comes round during the test: the statistics stay as they were."""
    for table in ("deliveries", "account_peers", "batch_channels", "channels"):
        await conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = off)")


async def plan_of(conn: Conn, name: str, params: dict[str, Any], *, analyze: str = "") -> Any:
    cur = await conn.execute(f"EXPLAIN ({analyze}FORMAT JSON) " + query("deliveries", name), params)
    row = await cur.fetchone()
    assert row is not None
    [plan] = row["QUERY PLAN"]
    return plan["Plan"]


def rows_read(node: dict[str, Any], table: str) -> int:
    """Rows the scans of `table` under `node` returned, over all their loops."""
    own = node["Actual Rows"] * node["Actual Loops"] if node.get("Relation Name") == table else 0
    return own + sum(rows_read(child, table) for child in node.get("Plans", []))


async def test_a_repeat_launch_probes_each_channel_instead_of_looping_over_the_sent_rows(
    rig: Rig,
) -> None:
    async with rig.pool.connection() as conn:
        await as_if_just_launched(conn)
    first = await rig.campaign(400, rate=1_000_000.0)
    await rig.start(first)
    await rig.work()
    again = await rig.repeat(first)

    params = {"campaign_id": again.id, "account_ids": [rig.account_id]}
    async with rig.pool.connection() as conn:
        plan = await plan_of(conn, "launch_channels", params)
        assert set(nested_loop_inners(plan)) <= INDEX_LOOKUPS

        # And it still finds what the account knows: every channel, each resolved once.
        assert await deliveries.snapshot(conn, again.id) == 400
        cur = await conn.execute(
            "SELECT count(*) AS n FROM deliveries WHERE campaign_id = %s AND account_id = %s",
            (again.id, rig.account_id),
        )
        assert (await cur.fetchone() or {})["n"] == 400


async def test_the_look_for_switched_off_channels_reads_only_the_claimed_rows(rig: Rig) -> None:
    campaign = await rig.campaign(600)
    async with rig.pool.connection() as conn:
        await as_if_just_launched(conn)
        await campaigns.transition(conn, campaign.id, CampaignStatus.RUNNING)
        await deliveries.snapshot(conn, campaign.id)
        # The fifth channel is switched off after the launch: its row fails untried.
        [(off_id, _)] = await channels.upsert_refs(conn, ["chan_00004"])
        await channels.deactivate(conn, off_id, "CHANNEL_PRIVATE")
        claims = await deliveries.claim(
            conn, rig.account_id, limit=10, batch_s=1.0, spacing=pacing.SLOT_SPACING
        )
        assert len(claims) == 10 and off_id not in {c.channel_id for c in claims}
        [failed] = [d for d in await rig.ledger(campaign) if d.status == "failed"]
        assert (failed.channel_id, failed.attempts, failed.error_code) == (
            off_id,
            0,
            "CHANNEL_PRIVATE",
        )

        async with conn.transaction(force_rollback=True):
            ids = [c.delivery_id for c in claims]
            plan = await plan_of(conn, "fail_switched_off", {"ids": ids}, analyze="ANALYZE, ")
        assert rows_read(plan, "deliveries") <= len(ids)
