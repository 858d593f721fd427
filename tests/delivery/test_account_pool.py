"""A campaign over several accounts: assignment, each account's pace, flood waits, stops, caps."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telethon.tl.functions.messages import SendMessageRequest

from predlagator.db import accounts, campaigns, channels, deliveries
from predlagator.db.pool import Pool
from predlagator.delivery import tasks
from predlagator.delivery.policy import Policy
from predlagator.models import CampaignStatus, DeliveryStatus, Peer
from predlagator.queue import names
from tests.pool_rig import Member, PoolRig, pool_rig

S = CampaignStatus
D = DeliveryStatus


@pytest.fixture
async def three(pool: Pool) -> AsyncIterator[PoolRig]:
    """Three accounts at 60, 30 and 120 posts a minute."""
    async with pool_rig(pool, [60.0, 30.0, 120.0]) as rig:
        yield rig


@pytest.fixture
async def two(pool: Pool) -> AsyncIterator[PoolRig]:
    """Two accounts at 600 posts a minute each."""
    async with pool_rig(pool, [600.0, 600.0]) as rig:
        yield rig


def disjoint(rig: PoolRig) -> bool:
    """No random_id was ever sent by two accounts."""
    return all(
        not (a.random_ids() & b.random_ids()) for a, b in itertools.combinations(rig.members, 2)
    )


async def test_launch_assigns_sticky_channels_and_splits_the_rest_by_load(three: PoolRig) -> None:
    fast, slow, quick = three.members  # 60, 30 and 120 a minute
    # `slow` resolved one channel already; `quick` has 40 posts of another campaign pending.
    busy = await three.campaign(40, members=[quick], prefix="busy")
    await three.launch(busy)
    campaign = await three.campaign(50, prefix="new")
    async with three.pool.connection() as conn:
        [(known_id, _)] = await channels.upsert_refs(conn, ["new_00007"])
        await channels.save_peers(
            conn, slow.account_id, [(known_id, Peer(peer_type="channel", peer_id=5, access_hash=6))]
        )
    await three.launch(campaign)

    rows = await three.rows_of(campaign)
    assert len(rows) == 50
    assert next(r["account_id"] for r in rows if r["channel_id"] == known_id) == slow.account_id
    owners = await three.owners(campaign)
    # 90 posts pending over 210 a minute: each account done after about 90/210 minutes, so
    # 26 for `fast`, 13 for `slow` and 51 for `quick`, of which 40 it had already.
    assert owners == {fast.account_id: 26, slow.account_id: 13, quick.account_id: 11}
    # Interleaved, not in blocks: the idle accounts share the head of the list, and the busy
    # one joins once the others' queues reach its own.
    assert {r["account_id"] for r in rows[:10]} == {fast.account_id, slow.account_id}


async def test_launch_skips_stopped_and_paused_accounts(three: PoolRig) -> None:
    fast, slow, quick = three.members
    campaign = await three.campaign(6)
    async with three.pool.connection() as conn:
        await accounts.stop(conn, slow.account_id, "PEER_FLOOD")
        assert await accounts.pause(conn, quick.account_id) is not None
    await three.launch(campaign)
    assert await three.owners(campaign) == {fast.account_id: 6}
    assert (await three.get(campaign)).status is S.RUNNING


async def test_a_campaign_with_no_active_account_pauses_at_launch(three: PoolRig) -> None:
    campaign = await three.campaign(3, members=three.members[:1])
    async with three.pool.connection() as conn:
        await accounts.stop(conn, three.members[0].account_id, "SESSION_REVOKED")
    await three.launch(campaign)
    paused = await three.get(campaign)
    assert paused.status is S.PAUSED and paused.status_reason == "NO_ACTIVE_ACCOUNT"
    assert await three.ledger(campaign) == []


def gaps(member: Member) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(member.times)]


async def test_each_account_sends_its_own_rows_at_its_own_pace(three: PoolRig) -> None:
    campaign = await three.campaign(42)  # no cap of its own to speak of: the accounts' paces
    await three.launch(campaign)
    await three.drain()

    assert (await three.get(campaign)).status is S.COMPLETED
    rows = await three.rows_of(campaign)
    assert [r["status"] for r in rows] == [D.SENT] * 42
    for member in three.members:
        mine = {r["random_id"] for r in rows if r["account_id"] == member.account_id}
        assert member.random_ids() == mine and member.sends() == len(mine)
        rate = (await three.account(member)).rate_per_minute
        interval = 60.0 / rate
        assert all(interval <= gap <= interval * 1.01 for gap in gaps(member)), gaps(member)
    assert disjoint(three) and all(m.telegram.duplicates == 0 for m in three.members)
    # 12, 6 and 24 rows: each account about 11.5 intervals long, so they finish together.
    assert sorted(len(m.times) for m in three.members) == [6, 12, 24]


async def test_a_campaign_with_no_cap_sends_at_its_accounts_paces(three: PoolRig) -> None:
    # What the wizard writes by default over several accounts: no rate of the campaign's own.
    campaign = await three.campaign(42, rate=None)
    assert campaign.rate_per_minute is None
    await three.launch(campaign)
    await three.drain()
    assert (await three.get(campaign)).status is S.COMPLETED
    for member in three.members:
        interval = 60.0 / (await three.account(member)).rate_per_minute
        assert all(interval <= gap <= interval * 1.01 for gap in gaps(member)), gaps(member)
    assert sorted(len(m.times) for m in three.members) == [6, 12, 24]


async def test_a_campaign_rate_is_split_among_its_accounts_by_pace(three: PoolRig) -> None:
    campaign = await three.campaign(21, rate=21.0)  # 6, 3 and 12 a minute of it
    await three.launch(campaign)
    await three.drain()
    assert (await three.get(campaign)).status is S.COMPLETED
    for member, share in zip(three.members, (6.0, 3.0, 12.0), strict=True):
        interval = 60.0 / share
        assert all(interval <= gap <= interval * 1.01 for gap in gaps(member)), gaps(member)


async def flooded_after(member: Member, sends: int, seconds: int) -> None:
    """The account's send after its `sends`-th is answered with FLOOD_WAIT_`seconds`."""
    note = member.telegram.on_send

    async def hook(request: Any) -> None:
        if note is not None:
            await note(request)
        if len(member.telegram.sent) == sends:
            member.telegram.fail_next(420, f"FLOOD_WAIT_{seconds}", request_type=SendMessageRequest)

    member.telegram.on_send = hook


async def test_a_flood_wait_parks_only_its_account(two: PoolRig) -> None:
    waits, goes = two.members
    campaign = await two.campaign(40)
    waits.telegram.fail_next(420, "FLOOD_WAIT_30", request_type=SendMessageRequest)
    seen: list[CampaignStatus] = []

    async def watch(request: Any) -> None:
        if waits.sends():  # after the flood (a refused send is not in `sent`): still running
            seen.append((await two.get(campaign)).status)

    goes.telegram.on_send = watch
    await two.launch(campaign)
    await two.drain()

    flood = await two.account(waits)
    assert flood.flood_until is not None
    # No request from the waiting account after the one answered with the wait (its first
    # send, the last thing it asked), while the other went on sending, the campaign running.
    assert waits.sends() == 1 and waits.telegram.request_names()[-1] == "SendMessageRequest"
    assert len(seen) > 10 and set(seen) == {S.RUNNING}
    # The other account sent all its rows; the rest wait with the flooded account, and only
    # then does the campaign wait, until that wait ends.
    rows = await two.rows_of(campaign)
    assert all(r["status"] == D.SENT for r in rows if r["account_id"] == goes.account_id)
    pending = [r for r in rows if r["status"] == D.QUEUED]
    assert pending and {r["account_id"] for r in pending} == {waits.account_id}
    parked = await two.get(campaign)
    assert parked.status is S.WAITING and parked.resume_at == flood.flood_until

    async with two.pool.connection() as conn:
        await conn.execute("UPDATE accounts SET flood_until = now() - interval '1 second'")
        await conn.execute("UPDATE campaigns SET resume_at = now() - interval '1 second'")
    await two.drain()
    assert (await two.get(campaign)).status is S.COMPLETED
    assert disjoint(two)


async def test_a_campaign_waits_once_every_account_waits(two: PoolRig) -> None:
    first, second = two.members
    campaign = await two.campaign(40)
    await flooded_after(first, 2, 30)
    await flooded_after(second, 4, 90)
    await two.launch(campaign)
    await two.drain()
    one, other = await two.account(first), await two.account(second)
    assert one.flood_until is not None and other.flood_until is not None
    parked = await two.get(campaign)
    assert parked.status is S.WAITING and parked.resume_at == one.flood_until
    assert first.sends() == 3 and second.sends() == 5


async def test_an_account_stop_hands_over_only_rows_never_tried(two: PoolRig) -> None:
    stops, takes = two.members
    campaign = await two.campaign(20)
    await two.launch(campaign)
    before = await two.rows_of(campaign)
    theirs = [r for r in before if r["account_id"] == stops.account_id]
    # The stopping account's first post fails for a while (retried later), its second meets
    # PEER_FLOOD: both were tried from it, so both stay with it.
    first_ref, second_ref = (await ref_of(two, theirs[0])), (await ref_of(two, theirs[1]))
    stops.telegram.fail_next(
        400, "SOME_NEW_ERROR", username=first_ref, request_type=SendMessageRequest
    )
    stops.telegram.fail_next(
        400, "PEER_FLOOD", username=second_ref, request_type=SendMessageRequest
    )
    await two.drain()

    assert (await two.account(stops)).status == "stopped"
    after = {r["id"]: r for r in await two.rows_of(campaign)}
    tried = {theirs[0]["id"], theirs[1]["id"]}
    assert {i for i, r in after.items() if r["account_id"] == stops.account_id} == tried
    # The retried one counts its attempt; the one that met the stop got it back, as before.
    assert (after[theirs[0]["id"]]["status"], after[theirs[0]["id"]]["attempts"]) == (D.QUEUED, 1)
    assert after[theirs[1]["id"]]["status"] == D.QUEUED
    handed = theirs[2:]
    assert handed and all(after[r["id"]]["account_id"] == takes.account_id for r in handed)
    assert all(after[r["id"]]["status"] == D.SENT for r in handed)
    assert disjoint(two)
    # What is left is only on the stopped account: the campaign pauses, saying so.
    paused = await two.get(campaign)
    assert paused.status is S.PAUSED and paused.status_reason == "ACCOUNTS_UNAVAILABLE"
    events = [job["args"]["event"] for job in await jobs(two, names.NOTIFY)]
    assert "account_stopped" in events


async def test_a_campaign_whose_accounts_all_stop_pauses_with_the_reason(two: PoolRig) -> None:
    first, second = two.members
    campaign = await two.campaign(10)
    await two.launch(campaign)
    first.telegram.fail_next(401, "SESSION_REVOKED", request_type=SendMessageRequest)
    second.telegram.fail_next(400, "PEER_FLOOD", request_type=SendMessageRequest)
    await two.drain()
    paused = await two.get(campaign)
    assert paused.status is S.PAUSED and paused.status_reason in {"SESSION_REVOKED", "PEER_FLOOD"}
    assert [(await two.account(m)).status for m in two.members] == ["stopped", "stopped"]
    assert all(r["status"] == D.QUEUED for r in await two.rows_of(campaign))
    assert disjoint(two)


async def test_a_paused_account_claims_nothing_and_others_go_on(two: PoolRig) -> None:
    held, goes = two.members
    shared = await two.campaign(10, prefix="shared")
    alone = await two.campaign(4, members=[held], prefix="alone")
    await two.launch(shared)
    await two.launch(alone)
    async with two.pool.connection() as conn:
        assert await accounts.pause(conn, held.account_id) is not None
    await two.drain()
    assert held.telegram.sent == []
    rows = await two.rows_of(shared)
    assert all(r["status"] == D.SENT for r in rows if r["account_id"] == goes.account_id)
    stuck = await two.get(shared)
    assert stuck.status is S.PAUSED and stuck.status_reason == "ACCOUNT_PAUSED"
    lone = await two.get(alone)
    assert lone.status is S.PAUSED and lone.status_reason == "ACCOUNT_PAUSED"

    async with two.pool.connection() as conn:
        assert await accounts.resume(conn, held.account_id) is not None
        assert await accounts.resume(conn, held.account_id) is None  # not paused any more
        for campaign in (shared, alone):
            assert await campaigns.resume(conn, campaign.id) is not None
    await two.drain()
    assert (await two.get(shared)).status is S.COMPLETED
    assert (await two.get(alone)).status is S.COMPLETED
    assert disjoint(two)


async def test_a_daily_cap_stops_the_account_until_midnight(pool: Pool) -> None:
    policy = Policy(timezone="Europe/Moscow")
    async with pool_rig(pool, [600.0, 600.0], policy) as rig:
        capped, free = rig.members
        async with pool.connection() as conn:
            await conn.execute(
                "UPDATE accounts SET daily_cap = 3 WHERE id = %s", (capped.account_id,)
            )
        campaign = await rig.campaign(12)
        await rig.launch(campaign)
        async with pool.connection() as conn:  # the launch's kicks: the test runs the drains
            await conn.execute("DELETE FROM procrastinate_jobs")
        await rig.drain()

        assert capped.sends() == 3
        account = await rig.account(capped)
        moscow_today = (datetime.now(UTC) + timedelta(hours=3)).date()
        assert account.posts_today == 3 and account.posts_day == moscow_today
        assert (await rig.account(free)).posts_today == 6
        parked = await rig.get(campaign)
        midnight = policy.next_midnight(datetime.now(UTC))
        assert parked.status is S.WAITING and parked.resume_at == midnight
        assert parked.status_reason == "DAILY_CAP"  # the card says the cap, not Telegram
        kicks = [j for j in await jobs(rig, names.DRAIN) if j["status"] == "todo"]
        assert any(j["scheduled_at"] == midnight for j in kicks)

        # The next day: the counter starts again.
        async with pool.connection() as conn:
            await conn.execute(
                "UPDATE accounts SET posts_day = %s WHERE id = %s",
                (moscow_today - timedelta(days=1), capped.account_id),
            )
            await conn.execute("UPDATE campaigns SET resume_at = now() - interval '1 second'")
        await rig.drain()
        assert capped.sends() == 6
        done = await rig.get(campaign)
        assert done.status is S.COMPLETED and done.status_reason is None
        assert (await rig.account(capped)).posts_today == 3


async def ref_of(rig: PoolRig, row: dict[str, Any]) -> str:
    async with rig.pool.connection() as conn:
        channel = await channels.get(conn, row["channel_id"])
    assert channel is not None
    return channel.ref


async def jobs(rig: PoolRig, task_name: str) -> list[dict[str, Any]]:
    async with rig.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT args, status, scheduled_at FROM procrastinate_jobs WHERE task_name = %s "
            "ORDER BY id",
            (task_name,),
        )
        return list(await cur.fetchall())


async def test_a_handed_over_row_goes_to_the_account_that_knows_its_channel(
    three: PoolRig,
) -> None:
    stops, knows, other = three.members
    campaign = await three.campaign(30)
    await three.launch(campaign)
    rows = await three.rows_of(campaign)
    mine = [r for r in rows if r["account_id"] == stops.account_id]
    known = mine[-1]["channel_id"]
    async with three.pool.connection() as conn:
        peer = Peer(peer_type="channel", peer_id=5, access_hash=6)
        await channels.save_peers(conn, knows.account_id, [(known, peer)])
        await accounts.stop(conn, stops.account_id, "PEER_FLOOD")
        kicked = await deliveries.hand_over(conn, stops.account_id, keep=[mine[0]["id"]])
    assert kicked == sorted([knows.account_id, other.account_id])
    after = {r["id"]: r["account_id"] for r in await three.rows_of(campaign)}
    assert after[mine[0]["id"]] == stops.account_id  # kept
    assert after[mine[-1]["id"]] == knows.account_id
    assert all(after[r["id"]] != stops.account_id for r in mine[1:])


async def test_rows_left_sending_by_a_dead_drain_stay_with_their_account(two: PoolRig) -> None:
    first, second = two.members
    campaign = await two.campaign(6)
    await two.launch(campaign)
    rows = await two.rows_of(campaign)
    theirs = next(r for r in rows if r["account_id"] == first.account_id)
    async with two.pool.connection() as conn:
        await conn.execute(
            "UPDATE deliveries SET status = 'sending', attempts = 1 WHERE id = %s", (theirs["id"],)
        )
        # The other account's drain starts: not its row to give back.
        assert await deliveries.release_interrupted(conn, second.account_id) == 0
        assert await deliveries.release_interrupted(conn, first.account_id) == 1
    await two.drain()
    assert (await two.get(campaign)).status is S.COMPLETED
    assert theirs["random_id"] in first.random_ids() and disjoint(two)


async def test_a_row_a_dead_drain_left_sending_is_never_handed_to_another_account(
    two: PoolRig,
) -> None:
    first, second = two.members
    campaign = await two.campaign(6)
    await two.launch(campaign)
    rows = await two.rows_of(campaign)
    theirs = next(r for r in rows if r["account_id"] == first.account_id)
    async with two.pool.connection() as conn:
        # Its first try may have reached Telegram before the worker died.
        await conn.execute(
            "UPDATE deliveries SET status = 'sending', attempts = 1 WHERE id = %s", (theirs["id"],)
        )
        assert await deliveries.release_interrupted(conn, first.account_id) == 1
        # Then the account stops: only rows never tried may go to the other account, as the
        # other would post the same random_id a second time.
        await accounts.stop(conn, first.account_id, "PEER_FLOOD")
        await deliveries.hand_over(conn, first.account_id, keep=[])
    after = {r["id"]: r for r in await two.rows_of(campaign)}
    assert after[theirs["id"]]["account_id"] == first.account_id
    assert after[theirs["id"]]["status"] == D.QUEUED
    assert all(r["account_id"] == second.account_id for i, r in after.items() if i != theirs["id"])


async def test_a_campaign_paused_for_want_of_an_account_is_laid_out_once_resumed(
    three: PoolRig,
) -> None:
    only = three.members[0]
    campaign = await three.campaign(3, members=[only])
    async with three.pool.connection() as conn:
        assert await accounts.pause(conn, only.account_id) is not None
    await three.launch(campaign)
    assert (await three.get(campaign)).status_reason == "NO_ACTIVE_ACCOUNT"
    async with three.pool.connection() as conn:
        assert await campaigns.resume(conn, campaign.id) is not None
        # Resumed while nobody may send it: the reconcile's launch pauses it again.
        assert await campaigns.running_unlaid(conn) == [campaign.id]
    await tasks.launch(three.app, three.pool, campaign.id)
    assert (await three.get(campaign)).status is S.PAUSED and await three.ledger(campaign) == []
    async with three.pool.connection() as conn:
        await accounts.resume(conn, only.account_id)
        await campaigns.resume(conn, campaign.id)
        assert await campaigns.running_unlaid(conn) == [campaign.id]
    await tasks.launch(three.app, three.pool, campaign.id)
    await three.drain()
    assert (await three.get(campaign)).status is S.COMPLETED
    assert len(only.random_ids()) == 3


async def test_an_operators_stop_is_handed_over_by_the_reconcile(two: PoolRig) -> None:
    stopped, takes = two.members
    campaign = await two.campaign(8)
    await two.launch(campaign)
    async with two.pool.connection() as conn:
        # The accounts screen's stop changes the status only; no drain of it runs.
        await conn.execute(
            "UPDATE accounts SET status = 'stopped', stop_reason = 'OPERATOR_STOPPED' "
            "WHERE id = %s",
            (stopped.account_id,),
        )
        assert await deliveries.stopped_holders(conn) == [stopped.account_id]
    await tasks.hand_over_stopped(two.app, two.pool)
    assert await two.owners(campaign) == {takes.account_id: 8}
    async with two.pool.connection() as conn:
        assert await deliveries.stopped_holders(conn) == []
    await two.drain([takes])
    assert (await two.get(campaign)).status is S.COMPLETED
    assert stopped.telegram.sent == []
