"""Each repository function against a real, freshly migrated database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from predlagator.db import (
    accounts,
    audit,
    batches,
    campaigns,
    channels,
    deliveries,
    operators,
    pacing,
)
from predlagator.db.pool import Pool
from predlagator.models import AccountPeer, CampaignStatus, DeliveryStatus, Role
from tests.factories import POST_HTML, make_campaign


async def test_operators(pool: Pool) -> None:
    async with pool.connection() as conn:
        owner = await operators.ensure_owner(conn, 1)
        assert owner is not None and owner.role is Role.OWNER
        added = await operators.upsert(conn, 2, Role.VIEWER, added_by=1)
        assert added is not None and added.role is Role.VIEWER and added.added_by == 1
        await operators.set_language(conn, 2, "ru")
        fetched = await operators.get(conn, 2)
        assert fetched is not None and fetched.language == "ru"
        assert [o.user_id for o in await operators.list_all(conn)] == [1, 2]
        assert await operators.remove(conn, 1) is None  # owners come from OWNER_IDS only
        removed = await operators.remove(conn, 2)
        assert removed is not None and await operators.get(conn, 2) is None


async def test_channels_and_batches(pool: Pool) -> None:
    async with pool.connection() as conn:
        first, new_first = await batches.create(conn, "one", ["a_chan", "b_chan"], created_by=1)
        second, new_second = await batches.create(conn, "two", ["b_chan", "c_chan"], created_by=1)
        assert (new_first, new_second) == (2, 1)  # b_chan was already known
        assert second.channel_count == 2
        listed = await batches.list_all(conn)
        assert [(b.name, b.channel_count) for b in listed] == [("two", 2), ("one", 2)]
        got = await batches.get(conn, first.id)
        assert got is not None and got.channel_count == 2
        refs = [c.ref for c in await batches.list_channels(conn, second.id)]
        assert refs == ["b_chan", "c_chan"]
        ids = await channels.upsert_refs(conn, ["c_chan", "d_chan"])
        assert [created for _, created in ids] == [False, True]


async def test_channel_errors_deactivate_at_limit(pool: Pool) -> None:
    async with pool.connection() as conn:
        [(channel_id, _)] = await channels.upsert_refs(conn, ["flaky"])
        for _ in range(2):
            counted = await channels.count_error(conn, channel_id, "TIMEOUT", limit=3)
            assert counted is not None and counted.active
        last = await channels.count_error(conn, channel_id, "TIMEOUT", limit=3)
        assert last is not None and not last.active
        assert (last.deactivated_code, last.deactivated_count) == ("TIMEOUT", 3)
        assert [c.id for c in await channels.list_inactive(conn)] == [channel_id]
        assert await channels.deactivate(conn, channel_id, "again") is None
        back = await channels.reactivate(conn, channel_id)
        assert back is not None and back.active and back.consecutive_errors == 0
        assert (back.deactivated_code, back.deactivated_count) == (None, None)


async def test_peers_are_per_account(pool: Pool) -> None:
    async with pool.connection() as conn:
        account = await accounts.ensure(conn, "main", 20)
        [(channel_id, _)] = await channels.upsert_refs(conn, ["peer_chan"])
        assert await channels.get_peer(conn, account.id, channel_id) is None
        peer = AccountPeer(
            account_id=account.id,
            channel_id=channel_id,
            peer_type="channel",
            peer_id=777,
            access_hash=-5,
        )
        await channels.save_peer(conn, peer)
        assert await channels.get_peer(conn, account.id, channel_id) == peer
        await channels.set_title(conn, channel_id, "Peer")
        got = await channels.get(conn, channel_id)
        assert got is not None and got.title == "Peer"


async def test_campaign_lifecycle_and_ledger(pool: Pool) -> None:
    campaign = await make_campaign(pool, ["x_one", "x_two", "x_three"])
    async with pool.connection() as conn:
        assert await deliveries.snapshot(conn, campaign.id) == 3
        assert await deliveries.snapshot(conn, campaign.id) == 0  # unique (campaign, channel)
        ledger = await deliveries.list_for_campaign(conn, campaign.id)
        assert len({d.random_id for d in ledger}) == 3
        assert await deliveries.claim(conn, campaign.account_id) == []  # draft: nothing due
        running = await campaigns.transition(conn, campaign.id, CampaignStatus.RUNNING)
        assert running is not None and running.started_at is not None
        assert await campaigns.transition(conn, campaign.id, CampaignStatus.RUNNING) is None
        [claim] = await deliveries.claim(conn, campaign.account_id)
        assert claim.channel_ref == "x_one" and claim.html == POST_HTML
        assert claim.random_id == ledger[0].random_id
        assert await deliveries.mark_sending(conn, claim.delivery_id)
        assert await deliveries.mark_sent(conn, claim.delivery_id, 42)
        second, third = await deliveries.claim(conn, campaign.account_id, limit=5)
        await deliveries.mark_sending(conn, second.delivery_id)
        failed = await deliveries.mark_failed(conn, second.delivery_id, "CHANNEL_PRIVATE", "gone")
        assert failed is not None and failed.status is DeliveryStatus.FAILED
        await deliveries.mark_sending(conn, third.delivery_id)
        retry = await deliveries.retry_later(conn, third.delivery_id, 60, "TIMEOUT", "slow")
        assert retry is not None and retry.attempts == 1 and retry.status is DeliveryStatus.QUEUED
        assert await deliveries.claim(conn, campaign.account_id) == []  # only a future retry
        due = await deliveries.next_due(conn, campaign.account_id)
        assert due is not None and due > datetime.now(UTC) + timedelta(seconds=50)
        progress = await campaigns.progress(conn, campaign.id)
        assert progress is not None
        assert (progress.total, progress.sent, progress.failed, progress.queued) == (3, 1, 1, 1)
        # The queued row waits for its retry; one post in the last minute; no account wait.
        assert (progress.retrying, progress.sending, progress.sent_last_minute) == (1, 0, 1)
        assert progress.flood_until is None and progress.pending == 1
        assert campaign.rate_per_minute is not None
        assert progress.eta_minutes == pytest.approx(1 / campaign.rate_per_minute)
        assert await campaigns.complete_if_done(conn, campaign.id) is None
        cancelled = await campaigns.cancel(conn, campaign.id)
        assert cancelled is not None and cancelled.status is CampaignStatus.CANCELLED
        statuses = [d.status for d in await deliveries.list_for_campaign(conn, campaign.id)]
        assert statuses == [DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED]


async def test_pause_stops_mark_sending(pool: Pool) -> None:
    campaign = await make_campaign(pool, ["p_one"])
    async with pool.connection() as conn:
        await deliveries.snapshot(conn, campaign.id)
        await campaigns.transition(conn, campaign.id, CampaignStatus.RUNNING)
        [claim] = await deliveries.claim(conn, campaign.account_id)
        await campaigns.transition(conn, campaign.id, CampaignStatus.PAUSED)
        assert not await deliveries.mark_sending(conn, claim.delivery_id)
        assert await campaigns.transition(conn, campaign.id, CampaignStatus.PAUSED) is None


async def running(pool: Pool, refs: list[str], rate: float) -> int:
    """A running campaign over `refs` at `rate` on the main account; its id."""
    campaign = await make_campaign(pool, refs, rate=rate)
    async with pool.connection() as conn:
        await deliveries.snapshot(conn, campaign.id)
        await campaigns.transition(conn, campaign.id, CampaignStatus.RUNNING)
    return campaign.id


async def test_claim_gives_each_campaign_its_own_pace(pool: Pool) -> None:
    async with pool.connection() as conn:
        account = await accounts.ensure(conn, accounts.MAIN_ACCOUNT, 6000.0)
    slow = await running(pool, [f"slow_{i}" for i in range(3)], rate=6.0)  # every 10 s
    fast = await running(pool, [f"fast_{i}" for i in range(20)], rate=60.0)  # every 1 s
    now = datetime.now(UTC)
    async with pool.connection() as conn:
        # The slow campaign posted a moment ago: its next slot lies beyond a 5 s batch.
        await pacing.set_slots(conn, account.id, now, {slow: now})
        claims = await deliveries.claim(conn, account.id, limit=100, batch_s=5.0, now=now)
        assert [c.campaign_id for c in claims] == [fast] * 5
        assert claims[0].now == now and claims[0].account_slot_at == now
        assert (claims[0].campaign_rate, claims[0].account_rate) == (60.0, 6000.0)
        # 7.5 s ago: its next slot comes in 2.5 s, inside the batch, between the others.
        await pacing.set_slots(conn, account.id, now, {slow: now - timedelta(seconds=7.5)})
        claims = await deliveries.claim(conn, account.id, limit=100, batch_s=5.0, now=now)
        assert [c.campaign_id for c in claims] == [fast, fast, fast, slow, fast, fast]
        assert claims[3].campaign_slot_at == now - timedelta(seconds=7.5)
        # Paused, it is not claimed at all; its slot is its own and holds nothing else.
        await campaigns.transition(conn, slow, CampaignStatus.PAUSED)
        claims = await deliveries.claim(conn, account.id, limit=100, batch_s=5.0, now=now)
        assert {c.campaign_id for c in claims} == {fast}


async def test_slots_ahead_are_given_back_when_a_drain_starts(pool: Pool) -> None:
    campaign_id = await running(pool, ["g_one"], rate=6.0)
    now = datetime.now(UTC)
    ahead, behind = now + timedelta(minutes=10), now - timedelta(seconds=5)
    async with pool.connection() as conn:
        account = await accounts.ensure(conn, accounts.MAIN_ACCOUNT, 60.0)
        await pacing.set_slots(conn, account.id, ahead, {campaign_id: behind})
        await pacing.release_ahead(conn, account.id, now)
        fresh = await accounts.get(conn, account.id)
        campaign = await conn.execute(
            # Each account's share of a campaign keeps its own slot.
            "SELECT last_slot_at FROM campaign_accounts WHERE campaign_id = %s",
            (campaign_id,),
        )
        row = await campaign.fetchone()
    assert fresh is not None and fresh.last_slot_at == now
    assert row is not None and row["last_slot_at"] == behind  # a slot behind stays


async def test_flood_and_account_stop_move_campaigns(pool: Pool) -> None:
    campaign = await make_campaign(pool, ["f_one"])
    until = datetime.now(UTC) - timedelta(seconds=1)
    async with pool.connection() as conn:
        await campaigns.transition(conn, campaign.id, CampaignStatus.RUNNING)
        [waiting] = await campaigns.enter_waiting(conn, campaign.account_id, until)
        assert waiting.status is CampaignStatus.WAITING and waiting.resume_at == until
        assert await campaigns.accounts_needing_drain(conn) == [campaign.account_id]
        [resumed] = await campaigns.resume_waiting(conn, campaign.account_id)
        assert resumed.status is CampaignStatus.RUNNING and resumed.resume_at is None
        flooded = await accounts.set_flood(conn, campaign.account_id, until)
        assert flooded is not None and flooded.flood_until == until
        stopped = await accounts.stop(conn, campaign.account_id, "PEER_FLOOD")
        assert stopped is not None and stopped.status == "stopped"
        [paused] = await campaigns.pause_for_account(conn, campaign.account_id, "PEER_FLOOD")
        assert paused.status is CampaignStatus.PAUSED and paused.status_reason == "PEER_FLOOD"
        assert [a.id for a in await accounts.list_all(conn)] == [campaign.account_id]


async def test_audit_log(pool: Pool) -> None:
    async with pool.connection() as conn:
        await audit.record(conn, 1, "batch.created", "batch", 5, channels=3)
        await audit.record(conn, None, "account.flood_wait", "account", 1, seconds=30)
        latest = await audit.latest(conn, limit=10)
    assert [(e.actor_id, e.action, e.details) for e in latest] == [
        (None, "account.flood_wait", {"seconds": 30}),
        (1, "batch.created", {"channels": 3}),
    ]


async def test_campaign_listing_and_card(pool: Pool) -> None:
    campaign = await make_campaign(pool, ["l_one"])
    async with pool.connection() as conn:
        await campaigns.set_card(conn, campaign.id, chat_id=10, message_id=99)
        got = await campaigns.get(conn, campaign.id)
        assert got is not None and (got.chat_id, got.card_message_id) == (10, 99)
        assert [c.id for c in await campaigns.list_recent(conn)] == [campaign.id]


async def test_progress_shows_the_accounts_wait(pool: Pool) -> None:
    campaign = await make_campaign(pool, ["w_one", "w_two"], rate=60.0)
    until = datetime.now(UTC) + timedelta(minutes=10)
    async with pool.connection() as conn:
        await deliveries.snapshot(conn, campaign.id)
        await campaigns.transition(conn, campaign.id, CampaignStatus.RUNNING)
        await accounts.set_flood(conn, campaign.account_id, until)
        await campaigns.enter_waiting(conn, campaign.account_id, until)
        progress = await campaigns.progress(conn, campaign.id)
    assert progress is not None and progress.status is CampaignStatus.WAITING
    assert progress.flood_until == until and progress.resume_at == until
    # About ten minutes of waiting, then two posts at sixty a minute (two seconds).
    assert 9.99 < progress.eta_minutes <= 10.0 + 2 / 60
