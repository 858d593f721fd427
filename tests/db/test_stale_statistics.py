"""The drain's bulk statements stay linear however stale the statistics are: right after a big
launch, campaign or action they still count its rows as a handful. A launch's look at which
accounts know each channel was planned as a loop over the list and the sent rows (10,000
channels took 5-12 s to launch), the look for switched-off channels before each claim as a scan
of every pending row (20 ms a claim at 10,000), and an action's claim read every pending row of
the account twice, once to settle rows whose post ended and once to sort them (150 ms a claim
at 20,000), and one of its marks took a partial index, read whole, for one row."""

from __future__ import annotations

from typing import Any

from predlagator.db import action_rows, actions, campaigns, channels, deliveries, reach
from predlagator.db.rows import Conn
from predlagator.db.sql import query
from predlagator.delivery import pacing
from predlagator.models import Campaign, CampaignStatus, PostAction
from tests.factories import make_posted
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
    for table in ("deliveries", "account_peers", "batch_channels", "channels", "actions"):
        await conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = off)")


async def plan_of(
    conn: Conn, name: str, params: dict[str, Any], *, analyze: str = "", module: str = "deliveries"
) -> Any:
    cur = await conn.execute(f"EXPLAIN ({analyze}FORMAT JSON) " + query(module, name), params)
    row = await cur.fetchone()
    assert row is not None
    [plan] = row["QUERY PLAN"]
    return plan["Plan"]


def indexes_read(node: dict[str, Any], table: str) -> set[str]:
    """The indexes the scans of `table` under `node` go by ("none" for a sequential scan)."""
    own = set()
    if node.get("Relation Name") == table and node["Node Type"] != "ModifyTable":
        own.add(node.get("Index Name", "none"))
    if node["Node Type"] == "Bitmap Heap Scan" and node.get("Relation Name") == table:
        own = {child["Index Name"] for child in node["Plans"]}
    return own.union(*(indexes_read(child, table) for child in node.get("Plans", [])))


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


async def posted(rig: Rig, count: int) -> Campaign:
    """A running campaign whose `count` posts are all out, with stale statistics."""
    async with rig.pool.connection() as conn:
        await as_if_just_launched(conn)
    return await make_posted(rig.pool, [f"chan_{i:05d}" for i in range(count)])


async def tuples_read(conn: Conn, table: str) -> int:
    """Entries of `table` read so far in this transaction, by its indexes and by scans."""
    cur = await conn.execute(
        "SELECT sum(pg_stat_get_xact_tuples_returned(oid)) AS n FROM ("
        " SELECT %(table)s::regclass::oid"
        " UNION ALL SELECT indexrelid FROM pg_index WHERE indrelid = %(table)s::regclass) r(oid)",
        {"table": table},
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["n"] or 0)


async def test_an_action_claim_reads_only_the_rows_it_takes(rig: Rig) -> None:
    campaign = await posted(rig, 2000)
    async with rig.pool.connection() as conn:
        await actions.start(conn, campaign_id=campaign.id, kind=PostAction.PIN)
        async with conn.transaction(force_rollback=True):
            claims = await action_rows.claim(conn, rig.account_id, limit=10, batch_s=1.0)
            read = await tuples_read(conn, "actions")
    assert len(claims) == 10
    # Each row taken once by the index and once from the table; before, all 2,000 twice.
    assert read <= 2 * len(claims) + 2, read


async def test_a_reach_claim_reads_only_the_rows_it_takes(rig: Rig) -> None:
    campaign = await posted(rig, 2000)
    async with rig.pool.connection() as conn:
        assert await reach.refresh(conn, campaign.id, chat_id=None, created_by=None)
        async with conn.transaction(force_rollback=True):
            claims = await action_rows.claim_reach(conn, rig.account_id, limit=10)
            read = await tuples_read(conn, "actions")
    assert len(claims) == 10
    assert read <= 2 * len(claims) + 2, read


async def test_marks_by_id_go_by_the_primary_key(rig: Rig) -> None:
    campaign = await posted(rig, 2000)
    again = await rig.repeat(campaign)
    async with rig.pool.connection() as conn:
        await actions.start(conn, campaign_id=campaign.id, kind=PostAction.PIN)
        await campaigns.transition(conn, again.id, CampaignStatus.RUNNING)
        await deliveries.snapshot(conn, again.id)
        [row] = await action_rows.claim(conn, rig.account_id, limit=1, batch_s=0.001)
        [post] = await deliveries.claim(conn, rig.account_id)
        by_row: dict[str, Any] = {"id": row.row_id, "code": "TIMEOUT", "text": "slow"}
        marks: dict[str, dict[str, Any]] = {
            "settle": {"ids": [row.row_id]},
            "mark_sending": by_row,
            "mark_done": {**by_row, "note": None},
            "mark_failed": by_row,
            "retry_later": {**by_row, "delay_s": 1.0},
            "requeue": by_row,
            "record_reach": {**by_row, "views": 1, "forwards": 0, "reactions": 0, "members": None},
        }
        # A bare status test let mark_sending, retry_later and requeue go by a partial index
        # of pending rows, read whole for the one row.
        found = {
            name: indexes_read(await plan_of(conn, name, params, module="action_rows"), "actions")
            for name, params in marks.items()
        }
        assert found == {name: {"actions_pkey"} for name in marks}
        by_post: dict[str, Any] = {"id": post.delivery_id, "code": "TIMEOUT", "text": "slow"}
        posts: dict[str, dict[str, Any]] = {
            "mark_sending": {**by_post, "template_id": None},
            "mark_sent": {**by_post, "message_id": 7, "tz": "UTC"},
            "mark_sent_many": {"ids": [post.delivery_id], "message_ids": [7], "tz": "UTC"},
            "mark_failed": by_post,
            "retry_later": {**by_post, "delay_s": 1.0, "refund": False},
            "requeue": by_post,
        }
        # The posts' marks went by the primary key already: this keeps them so.
        found = {
            name: indexes_read(await plan_of(conn, name, params), "deliveries")
            for name, params in posts.items()
        }
        assert found == {name: {"deliveries_pkey"} for name in posts}


async def claim(conn: Conn, account_id: int) -> list[Any]:
    """The drain's claim of up to ten rows."""
    return await deliveries.claim(
        conn, account_id, limit=10, batch_s=3600.0, spacing=pacing.SLOT_SPACING
    )


async def test_a_claim_finds_the_campaigns_with_rows_due_by_the_index(rig: Rig) -> None:
    # The repeat's queued rows lie in the table behind the first campaign's 2,000 sent ones: a
    # scan for "has it a row due" stopping at the first read all of those, every claim.
    campaign = await posted(rig, 2000)
    again = await rig.repeat(campaign)
    async with rig.pool.connection() as conn:
        await campaigns.transition(conn, again.id, CampaignStatus.RUNNING)
        await deliveries.snapshot(conn, again.id)
        for analyzed in (False, True):
            if analyzed:
                await conn.execute("ANALYZE deliveries")
            async with conn.transaction(force_rollback=True):
                # Once first: planning after the analyze walks the index entries the sent rows
                # left (no vacuum comes in this test), and marks them dead for the next walk.
                await claim(conn, rig.account_id)
                before = await tuples_read(conn, "deliveries")
                claims = await claim(conn, rig.account_id)
                read = await tuples_read(conn, "deliveries") - before
            assert len(claims) == 10
            # The ten rows by an index and from the table, a probe per campaign and the
            # look past the last one; not the sent rows.
            assert read <= 4 * len(claims) + 10, (analyzed, read)
