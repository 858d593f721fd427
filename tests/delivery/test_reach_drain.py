"""Reach through the account's drain: the +1 h and +24 h collections made once, one read per
channel per collection, in the gaps of the account's pace, never during its flood wait."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telethon import functions

from predlagator.db import actions, reach
from predlagator.db.pool import Pool
from predlagator.delivery.policy import Policy
from predlagator.models import ActionRowStatus, Campaign, DeliveryStatus
from predlagator.queue import names
from tests.pool_rig import Member, PoolRig, pool_rig

R = ActionRowStatus
READ = functions.channels.GetMessagesRequest


@pytest.fixture
async def rig(pool: Pool) -> AsyncIterator[PoolRig]:
    """One account at 600 a minute; retries come due at once."""
    async with pool_rig(pool, [600.0], Policy(retry_base_s=0.0)) as rig:
        yield rig


async def posted(rig: PoolRig, count: int, prefix: str = "ch") -> Campaign:
    """A campaign whose `count` posts are out, each channel with 1,000 × its number members
    and views to read."""
    [member] = rig.members
    campaign = await rig.campaign(count, prefix=prefix)
    await rig.launch(campaign)
    await rig.drain()
    for i, delivery in enumerate(await rig.ledger(campaign)):
        assert delivery.status is DeliveryStatus.SENT and delivery.message_id is not None
        channel = member.telegram.channels[f"{prefix}_{i:05d}"]
        channel.members = 1000 * (i + 1)
        member.telegram.post_actions.set_reach(
            channel.id, delivery.message_id, views=100 * (i + 1), forwards=i, reactions={"👍": 2}
        )
    return campaign


async def age(rig: PoolRig, campaign: Campaign, hours: float) -> None:
    """As if the campaign's posts went out `hours` earlier than they did."""
    async with rig.pool.connection() as conn:
        await conn.execute(
            "UPDATE deliveries SET sent_at = sent_at - make_interval(secs => %s) "
            "WHERE campaign_id = %s",
            (hours * 3600, campaign.id),
        )


async def make_due(rig: PoolRig) -> list[int]:
    """The reconcile's step that makes the collections come due."""
    async with rig.pool.connection() as conn:
        return await reach.make_due(conn)


def reads(member: Member) -> list[Any]:
    return [q for q in member.telegram.post_actions.received if isinstance(q, READ)]


async def figures(rig: PoolRig, campaign: Campaign) -> list[tuple[Any, ...]]:
    async with rig.pool.connection() as conn:
        found = await reach.figures(conn, campaign.id)
    return [(f.channel_ref, f.views, f.forwards, f.reactions, f.members) for f in found]


async def reach_rows(rig: PoolRig, campaign: Campaign) -> list[tuple[str, ActionRowStatus]]:
    """(label, status) of every reach row of the campaign."""
    async with rig.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT ca.label, x.status FROM actions x JOIN campaign_actions ca "
            "ON ca.id = x.action_id WHERE ca.campaign_id = %s AND x.kind = 'reach' "
            "ORDER BY x.id",
            (campaign.id,),
        )
        return [(row["label"], R(row["status"])) for row in await cur.fetchall()]


async def test_each_collection_is_made_once_and_reads_each_channel_once(rig: PoolRig) -> None:
    [member] = rig.members
    campaign = await posted(rig, 3)
    assert await make_due(rig) == []  # nothing is an hour old yet

    await age(rig, campaign, 1.01)
    assert await make_due(rig) == [member.account_id]
    assert await make_due(rig) == []  # the reconcile again: nothing more
    await rig.drain()

    assert [len(q.id) for q in reads(member)] == [1, 1, 1]
    assert await reach_rows(rig, campaign) == [("1h", R.DONE)] * 3
    assert await figures(rig, campaign) == [
        ("ch_00002", 300, 2, 2, 3000),
        ("ch_00001", 200, 1, 2, 2000),
        ("ch_00000", 100, 0, 2, 1000),
    ]
    # Reads are the worker's own: no action summary for the chat, no action on the card.
    async with rig.pool.connection() as conn:
        assert await actions.of_campaign(conn, campaign.id) == []
        cur = await conn.execute(
            "SELECT count(*) AS n FROM procrastinate_jobs WHERE task_name = 'action_finished'"
        )
        assert (await cur.fetchone() or {})["n"] == 0

    await age(rig, campaign, 23)
    await make_due(rig)
    await rig.drain()
    assert len(reads(member)) == 6
    assert await make_due(rig) == []
    assert [label for label, _ in await reach_rows(rig, campaign)] == ["1h"] * 3 + ["24h"] * 3


async def test_a_post_found_a_day_late_gets_the_24h_read_only(rig: PoolRig) -> None:
    [member] = rig.members
    campaign = await posted(rig, 2)
    await age(rig, campaign, 30)
    await make_due(rig)
    await rig.drain()
    assert await make_due(rig) == []
    assert await reach_rows(rig, campaign) == [("24h", R.DONE)] * 2
    assert len(reads(member)) == 2


async def test_nothing_is_read_during_the_accounts_flood_wait(rig: PoolRig) -> None:
    [member] = rig.members
    campaign = await posted(rig, 2)
    async with rig.pool.connection() as conn:
        await conn.execute(
            "UPDATE accounts SET flood_until = now() + interval '5 minutes' WHERE id = %s",
            (member.account_id,),
        )
    await age(rig, campaign, 2)
    await make_due(rig)
    before = len(member.telegram.requests)
    await rig.drain()
    assert len(member.telegram.requests) == before
    assert await reach_rows(rig, campaign) == [("1h", R.QUEUED)] * 2


async def test_a_flood_wait_on_a_read_puts_the_account_into_its_wait(rig: PoolRig) -> None:
    [member] = rig.members
    campaign = await posted(rig, 3)
    await age(rig, campaign, 2)
    await make_due(rig)
    member.telegram.fail_next(420, "FLOOD_WAIT_300", request_type=READ)
    await rig.drain()

    # One read met the wait (refused before the fake's post-action side saw it); nothing
    # went after it.
    assert member.telegram.request_names().count("GetMessagesRequest") == 1
    assert reads(member) == []
    account = await rig.account(member)
    assert account.flood_until is not None
    async with rig.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT x.attempts, x.status FROM actions x WHERE x.kind = 'reach' ORDER BY x.id"
        )
        rows = [(r["attempts"], r["status"]) for r in await cur.fetchall()]
    assert rows == [(0, "queued")] * 3  # throttling counts no attempt
    # The wait over, the reads go on.
    async with rig.pool.connection() as conn:
        await conn.execute(
            "UPDATE accounts SET flood_until = now() - interval '1 second' WHERE id = %s",
            (member.account_id,),
        )
    await rig.drain()
    assert await reach_rows(rig, campaign) == [("1h", R.DONE)] * 3


async def test_a_channel_whose_read_fails_keeps_its_earlier_figures(rig: PoolRig) -> None:
    [member] = rig.members
    campaign = await posted(rig, 1)
    await age(rig, campaign, 2)
    await make_due(rig)
    await rig.drain()
    assert await figures(rig, campaign) == [("ch_00000", 100, 0, 2, 1000)]

    member.telegram.fail_next(400, "CHANNEL_PRIVATE", request_type=READ)
    await age(rig, campaign, 24)
    await make_due(rig)
    await rig.drain()
    assert await reach_rows(rig, campaign) == [("1h", R.DONE), ("24h", R.FAILED)]
    assert await figures(rig, campaign) == [("ch_00000", 100, 0, 2, 1000)]


async def test_reads_fill_the_gaps_and_leave_a_campaigns_pace_as_it_was(pool: Pool) -> None:
    """An account at 600 a minute posting a campaign at 60 a minute: between two posts there
    is room for reads, and they go there without moving a post."""
    async with pool_rig(pool, [600.0], Policy(retry_base_s=0.0)) as rig:
        [member] = rig.members
        read_first = await posted(rig, 20, prefix="old")
        await age(rig, read_first, 2)
        await make_due(rig)
        campaign = await rig.campaign(6, rate=60.0, prefix="new")
        await rig.launch(campaign)
        posts_before = len(member.posts_at)
        await rig.drain()

        posts = member.posts_at[posts_before:]
        assert len(posts) == 6
        gaps = [b - a for a, b in itertools.pairwise(posts)]
        # The campaign's own interval (1 s, and its spacing), as without reads.
        assert all(0.99 <= gap <= 1.05 for gap in gaps), gaps
        read_at = member.actions_at
        assert len(read_at) == 20
        assert any(posts[0] < at < posts[-1] for at in read_at)  # in the gaps, not after
        assert await reach_rows(rig, read_first) == [("1h", R.DONE)] * 20


async def test_a_refresh_is_let_through_once_per_ten_minutes(rig: PoolRig) -> None:
    [member] = rig.members
    campaign = await posted(rig, 2)
    async with rig.pool.connection() as conn:
        assert await reach.readable(conn, campaign.id) == 2
        made = await reach.refresh(conn, campaign.id, chat_id=10, created_by=1)
        assert made == [member.account_id]
        again = await reach.refresh(conn, campaign.id, chat_id=10, created_by=1)
        assert isinstance(again, reach.TooSoon) and again.last <= again.now
    await rig.drain()
    assert await reach_rows(rig, campaign) == [("manual", R.DONE)] * 2
    assert len(reads(member)) == 2
    # A Refresh reach, unlike the +1 h and +24 h reads, tells the chat once read.
    async with rig.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) AS n FROM procrastinate_jobs WHERE task_name = %s",
            (names.ACTION_FINISHED,),
        )
        assert (await cur.fetchone() or {})["n"] == 1


async def test_the_reconcile_makes_due_collections_and_kicks_their_accounts(
    rig: PoolRig,
) -> None:
    """Due collections live in the tables, not in scheduled jobs: the once-a-minute reconcile
    finds them after any restart."""
    [member] = rig.members
    campaign = await posted(rig, 2)
    await age(rig, campaign, 1.5)
    async with rig.pool.connection() as conn:
        await conn.execute("DELETE FROM procrastinate_jobs")
    await rig.app.configure_task(names.RECONCILE, queue=names.DELIVERY_QUEUE).defer_async(
        timestamp=0
    )
    await rig.app.run_worker_async(
        queues=[names.DELIVERY_QUEUE], wait=False, additional_context={"pool": rig.pool}
    )
    assert await reach_rows(rig, campaign) == [("1h", R.QUEUED)] * 2
    async with rig.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT args FROM procrastinate_jobs WHERE task_name = %s AND status = 'todo'",
            (names.DRAIN,),
        )
        assert [row["args"] for row in await cur.fetchall()] == [{"account_id": member.account_id}]
    await rig.drain()
    assert await reach_rows(rig, campaign) == [("1h", R.DONE)] * 2


async def test_a_campaign_at_the_accounts_whole_pace_leaves_the_reads_for_after(
    pool: Pool,
) -> None:
    async with pool_rig(pool, [600.0], Policy(retry_base_s=0.0)) as rig:
        [member] = rig.members
        read_first = await posted(rig, 5, prefix="old")
        await age(rig, read_first, 2)
        await make_due(rig)
        campaign = await rig.campaign(30, rate=600.0, prefix="new")
        await rig.launch(campaign)
        posts_before = len(member.posts_at)
        await rig.drain()

        posts = member.posts_at[posts_before:]
        gaps = [b - a for a, b in itertools.pairwise(posts)]
        assert all(0.099 <= gap <= 0.102 for gap in gaps), gaps
        assert len(member.actions_at) == 5
        assert all(at > posts[-1] for at in member.actions_at)  # no gap: after the posts


async def test_a_post_deleted_since_fails_its_read_and_keeps_its_figures(rig: PoolRig) -> None:
    [member] = rig.members
    campaign = await posted(rig, 1)
    await age(rig, campaign, 2)
    await make_due(rig)
    await rig.drain()
    [delivery] = await rig.ledger(campaign)
    chat_id = member.telegram.channels["ch_00000"].id
    assert delivery.message_id is not None
    member.telegram.post_actions.state(chat_id, delivery.message_id).deleted = True
    await age(rig, campaign, 24)
    await make_due(rig)
    await rig.drain()
    assert await reach_rows(rig, campaign) == [("1h", R.DONE), ("24h", R.FAILED)]
    assert await figures(rig, campaign) == [("ch_00000", 100, 0, 2, 1000)]
    async with rig.pool.connection() as conn:
        cur = await conn.execute("SELECT error_code FROM actions ORDER BY id DESC LIMIT 1")
        assert (await cur.fetchone() or {})["error_code"] == "MESSAGE_ID_INVALID"
