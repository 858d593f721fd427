"""The drain end to end: worker, ledger and the real Telethon client over the fake network."""

from __future__ import annotations

import itertools
from typing import Any

from telethon import types
from telethon.tl.functions.messages import SendMessageRequest

from predlagator.db import accounts, audit, campaigns, channels, deliveries
from predlagator.models import CampaignStatus, DeliveryStatus
from predlagator.queue import defer, names
from tests.rig import Rig

# Jobs scheduled for later (a kick at the end of a wait) become due now.
DUE_NOW = "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'"


async def test_campaign_sends_each_channel_once_with_stored_random_id(rig: Rig) -> None:
    campaign = await rig.campaign(5)
    await rig.start(campaign)
    await rig.work()

    ledger = await rig.ledger(campaign)
    assert [d.status for d in ledger] == [DeliveryStatus.SENT] * 5
    assert [r.random_id for r in rig.telegram.sent] == [d.random_id for d in ledger]
    assert all(d.message_id for d in ledger) and all(d.attempts == 1 for d in ledger)
    first = rig.telegram.sent[0]
    assert first.message == "Big news, read"
    assert [type(e) for e in first.entities] == [
        types.MessageEntityBold,
        types.MessageEntityTextUrl,
    ]
    assert (await rig.get(campaign)).status is CampaignStatus.COMPLETED
    assert [job["args"] for job in await rig.jobs(names.CAMPAIGN_FINISHED)] == [
        {"campaign_id": campaign.id}
    ]
    # Channels were resolved once each and stored for the next campaign.
    assert rig.telegram.request_names().count("ResolveUsernameRequest") == 5
    async with rig.pool.connection() as conn:
        peer = await channels.get_peer(conn, rig.account_id, ledger[0].channel_id)
    assert peer is not None and peer.access_hash != 0


async def test_second_campaign_reuses_resolved_peers(rig: Rig) -> None:
    first = await rig.campaign(3)
    await rig.start(first)
    await rig.work()
    second = await rig.repeat(first)
    await rig.start(second)
    await rig.work()
    assert rig.telegram.request_names().count("ResolveUsernameRequest") == 3
    assert len(rig.telegram.sent) == 6
    assert (await rig.get(second)).status is CampaignStatus.COMPLETED


def send_times(rig: Rig) -> list[float]:
    """When each post reaches Telegram, on the drain's clock (sleeps move it on)."""
    times: list[float] = []

    async def note(request: Any) -> None:
        times.append(rig.sleep.monotonic())

    rig.telegram.on_send = note
    return times


async def test_pacing_spaces_posts_one_interval_apart(rig: Rig) -> None:
    campaign = await rig.campaign(4, rate=6.0)  # one post every 10 s
    times = send_times(rig)
    await rig.start(campaign)
    await rig.work()
    assert len(times) == 4 and len(rig.telegram.sent) == 4
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    # 10 s, and half a percent of room the engine leaves for posts that wake late.
    assert all(10.0 <= gap <= 10.1 for gap in gaps), gaps


async def test_pause_stops_sends_until_resume(rig: Rig) -> None:
    campaign = await rig.campaign(5)

    async def pause_after_second(request: Any) -> None:
        if len(rig.telegram.sent) == 2:  # the fake records a request before this hook
            async with rig.pool.connection() as conn:
                await campaigns.transition(conn, campaign.id, CampaignStatus.PAUSED)

    rig.telegram.on_send = pause_after_second
    await rig.start(campaign)
    await rig.work()
    assert len(rig.telegram.sent) == 2
    assert (await rig.get(campaign)).status is CampaignStatus.PAUSED
    statuses = [d.status for d in await rig.ledger(campaign)]
    assert statuses == [DeliveryStatus.SENT] * 2 + [DeliveryStatus.QUEUED] * 3

    rig.telegram.on_send = None
    async with rig.pool.connection() as conn:
        await campaigns.transition(conn, campaign.id, CampaignStatus.RUNNING)
    await defer.kick_drain(rig.app, rig.account_id)
    await rig.work()
    assert len(rig.telegram.sent) == 5 and rig.telegram.duplicates == 0
    assert (await rig.get(campaign)).status is CampaignStatus.COMPLETED


async def test_delivery_left_sending_by_a_crash_is_resent_with_same_random_id(rig: Rig) -> None:
    campaign = await rig.campaign(2)
    await rig.start(campaign)
    await rig.work()
    ledger = await rig.ledger(campaign)
    first_channel = next(iter(rig.telegram.channels.values()))
    async with rig.pool.connection() as conn:
        # As if the worker had died after Telegram posted but before the outcome was recorded.
        await conn.execute("UPDATE campaigns SET status = 'running' WHERE id = %s", (campaign.id,))
        await conn.execute(
            "UPDATE deliveries SET status = 'sending', message_id = NULL WHERE id = %s",
            (ledger[0].id,),
        )
    await defer.kick_drain(rig.app, rig.account_id)
    await rig.work()

    after = await rig.ledger(campaign)
    assert [d.status for d in after] == [DeliveryStatus.SENT] * 2
    assert after[0].message_id == ledger[0].message_id  # Telegram answered with the original
    assert [r.random_id for r in rig.telegram.sent].count(ledger[0].random_id) == 2
    assert len(rig.telegram.posts[first_channel.id]) == 1 and rig.telegram.duplicates == 0
    assert (await rig.get(campaign)).status is CampaignStatus.COMPLETED


async def test_zero_active_channels_completes_at_once(rig: Rig) -> None:
    campaign = await rig.campaign(1)
    async with rig.pool.connection() as conn:
        [channel] = await channels.upsert_refs(conn, ["chan_00000"])
        await channels.deactivate(conn, channel[0], "CHANNEL_PRIVATE")
    await rig.start(campaign)
    await rig.work()
    assert (await rig.get(campaign)).status is CampaignStatus.COMPLETED
    assert rig.telegram.sent == []


async def test_flood_wait_parks_campaign_and_resumes_after(rig: Rig) -> None:
    campaign = await rig.campaign(3)
    rig.telegram.fail_next(420, "FLOOD_WAIT_30", request_type=SendMessageRequest)
    await rig.start(campaign)
    await rig.work()

    async with rig.pool.connection() as conn:
        account = await accounts.get(conn, rig.account_id)
        ledger = await deliveries.list_for_campaign(conn, campaign.id)
    parked = await rig.get(campaign)
    assert parked.status is CampaignStatus.WAITING and parked.resume_at is not None
    assert parked.status_reason == "FLOOD_WAIT"
    assert account is not None and account.flood_until == parked.resume_at
    assert [(d.status, d.attempts) for d in ledger] == [(DeliveryStatus.QUEUED, 0)] * 3
    kicks = await rig.jobs(names.DRAIN)
    assert kicks[-1]["status"] == "todo" and kicks[-1]["scheduled_at"] == account.flood_until
    events = [job["args"]["event"] for job in await rig.jobs(names.NOTIFY)]
    assert events == ["flood_wait"]
    requests_before = len(rig.telegram.requests)

    # The wait ends: move it into the past instead of waiting 30 s.
    async with rig.pool.connection() as conn:
        await conn.execute("UPDATE accounts SET flood_until = now() - interval '1 second'")
        await conn.execute("UPDATE campaigns SET resume_at = now() - interval '1 second'")
        await conn.execute(
            "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'"
        )
    await rig.work()
    assert len(rig.telegram.requests) > requests_before
    assert (await rig.get(campaign)).status is CampaignStatus.COMPLETED
    events = [job["args"]["event"] for job in await rig.jobs(names.NOTIFY)]
    assert events == ["flood_wait", "resumed"]
    async with rig.pool.connection() as conn:
        actions = [(e.action, e.object_id) for e in await audit.latest(conn)]
    assert ("campaign.resumed_after_wait", campaign.id) in actions
    assert ("account.flood_wait", rig.account_id) in actions


async def test_manual_pause_during_flood_wait_stays_paused(rig: Rig) -> None:
    campaign = await rig.campaign(2)
    rig.telegram.fail_next(420, "FLOOD_WAIT_30", request_type=SendMessageRequest)
    await rig.start(campaign)
    await rig.work()
    async with rig.pool.connection() as conn:
        paused = await campaigns.transition(conn, campaign.id, CampaignStatus.PAUSED)
        assert paused is not None
        await conn.execute("UPDATE accounts SET flood_until = now() - interval '1 second'")
        await conn.execute(
            "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'"
        )
    await rig.work()
    assert (await rig.get(campaign)).status is CampaignStatus.PAUSED
    assert rig.telegram.sent == []


async def test_pause_and_resume_before_launch_still_sends(rig: Rig) -> None:
    campaign = await rig.campaign(3)
    await rig.start(campaign)
    async with rig.pool.connection() as conn:
        # The operator pauses and resumes before any worker picked up the launch job.
        assert await campaigns.transition(conn, campaign.id, CampaignStatus.PAUSED) is not None
        assert await campaigns.transition(conn, campaign.id, CampaignStatus.RUNNING) is not None
    await rig.work()
    assert [d.status for d in await rig.ledger(campaign)] == [DeliveryStatus.SENT] * 3
    assert (await rig.get(campaign)).status is CampaignStatus.COMPLETED


async def test_a_rate_change_applies_to_the_next_post(rig: Rig) -> None:
    campaign = await rig.campaign(4, rate=6.0)  # one post every 10 s
    times = send_times(rig)

    async def speed_up_after_second(request: Any) -> None:
        times.append(rig.sleep.monotonic())
        if len(rig.telegram.sent) == 2:
            async with rig.pool.connection() as conn:
                await conn.execute(
                    "UPDATE campaigns SET rate_per_minute = 60 WHERE id = %s", (campaign.id,)
                )

    rig.telegram.on_send = speed_up_after_second
    await rig.start(campaign)
    await rig.work()
    assert len(rig.telegram.sent) == 4
    # Posts 1 and 2 go 10 s apart at the old rate; at the new one, post 3 goes 1 s after
    # post 2 and post 4 one second later.
    assert [round(at - times[0]) for at in times] == [0, 10, 11, 12], times


async def test_a_campaign_whose_last_batch_is_full_still_completes(rig: Rig) -> None:
    # At 120 a minute a batch holds ten rows (five seconds of pace): exactly this campaign.
    campaign = await rig.campaign(10, rate=120.0)
    await rig.start(campaign)
    await rig.work()
    assert len(rig.telegram.sent) == 10
    assert (await rig.get(campaign)).status is CampaignStatus.COMPLETED
    assert [job["args"] for job in await rig.jobs(names.CAMPAIGN_FINISHED)] == [
        {"campaign_id": campaign.id}
    ]
