"""Recurring campaigns' rounds: each round once per channel, started at its time, by one starter
only, none lost across a worker restart, and Pause and Cancel between rounds."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

from predlagator import recurrence
from predlagator.bot.reports import summary as report_summary
from predlagator.db import campaigns, retries, rounds
from predlagator.db import report as db_report
from predlagator.db.pool import Pool
from predlagator.delivery import rounds as round_start
from predlagator.delivery import tasks
from predlagator.models import Campaign, CampaignStatus, DeliveryStatus
from predlagator.queue import names
from predlagator.queue.app import make_app
from tests.rig import Rig, delivery_rig

S = CampaignStatus
EVERY_HOUR = recurrence.Rule(kind=recurrence.Kind.HOURS, every=1, rounds=3)


async def recurring(rig: Rig, count: int = 3, rule: recurrence.Rule = EVERY_HOUR) -> Campaign:
    campaign = await rig.campaign(count)
    async with rig.pool.connection() as conn:
        made = await rounds.set_rule(conn, campaign.id, rule)
    assert made is not None and made.repeat is not None
    await rig.start(campaign)
    return campaign


async def come_due(rig: Rig, campaign: Campaign, *, move_job: bool = True) -> None:
    """The next round's time comes (the test moves the time, not the clock)."""
    async with rig.pool.connection() as conn:
        await conn.execute(
            "UPDATE campaigns SET next_round_at = now() WHERE id = %s", (campaign.id,)
        )
        if move_job:
            await conn.execute(
                "UPDATE procrastinate_jobs SET scheduled_at = now() "
                "WHERE task_name = %s AND status = 'todo'",
                (names.START_ROUND,),
            )


async def rows_by_round(rig: Rig, campaign: Campaign) -> Counter[tuple[int, int]]:
    return Counter((d.round, d.channel_id) for d in await rig.ledger(campaign))


def live_posts(rig: Rig) -> list[int]:
    """Posts per channel not deleted."""
    states = rig.telegram.post_actions
    return sorted(
        sum(1 for p in posts if not states.state(chat, p.message_id).deleted)
        for chat, posts in rig.telegram.posts.items()
    )


def posts_per_channel(rig: Rig) -> list[int]:
    return sorted(len(posts) for posts in rig.telegram.posts.values())


async def test_each_round_posts_once_to_every_channel_then_the_campaign_completes(
    rig: Rig,
) -> None:
    campaign = await recurring(rig)
    await rig.work()
    between = await rig.get(campaign)
    assert (between.status, between.round, between.finished_at) == (S.SCHEDULED, 1, None)
    assert between.next_round_at is not None and between.started_at is not None
    # Round 2 an hour after round 1's time; its job waits for that moment.
    [job] = await rig.jobs(names.START_ROUND)
    assert (job["status"], job["scheduled_at"]) == ("todo", between.next_round_at)
    assert posts_per_channel(rig) == [1, 1, 1]

    await rig.work()  # nothing before its time
    assert posts_per_channel(rig) == [1, 1, 1]

    for round_no in (2, 3):
        await come_due(rig, campaign)
        await rig.work()
        assert posts_per_channel(rig) == [round_no] * 3
        assert (await rig.get(campaign)).round == round_no

    done = await rig.get(campaign)
    assert (done.status, done.next_round_at) == (S.COMPLETED, None)
    assert done.finished_at is not None
    ledger = await rig.ledger(campaign)
    assert len(ledger) == 9 and {d.status for d in ledger} == {DeliveryStatus.SENT}
    assert set((await rows_by_round(rig, campaign)).values()) == {1}
    # Each round draws its own random_ids: one kept would bring back the round before's post.
    assert len({d.random_id for d in ledger}) == 9
    async with rig.pool.connection() as conn:
        runs = await retries.runs(conn, campaign.id)
    assert [(r.run, r.kind, r.sent) for r in runs] == [(n, "round", 3) for n in (1, 2, 3)]
    assert all(r.finished_at is not None for r in runs[:2])


async def test_two_starters_at_once_make_one_round(rig: Rig, pool: Pool) -> None:
    campaign = await recurring(rig)
    await rig.work()
    await come_due(rig, campaign, move_job=False)
    # The round's job and the reconcile at the same moment, each on its own connection.
    started = await asyncio.gather(
        *(round_start.start(rig.app, pool, campaign.id, "UTC") for _ in range(4))
    )
    assert sorted(started) == [False, False, False, True]
    by_round = await rows_by_round(rig, campaign)
    assert sum(1 for r, _ in by_round if r == 2) == 3 and set(by_round.values()) == {1}
    await rig.work()
    assert posts_per_channel(rig) == [2, 2, 2]


async def test_a_round_whose_job_was_lost_with_its_worker_starts_from_the_reconcile(
    rig: Rig, pool: Pool
) -> None:
    campaign = await recurring(rig)
    await rig.work()
    await come_due(rig, campaign, move_job=False)
    # The worker dies and its queued job with it; a new worker process comes up.
    async with pool.connection() as conn:
        await conn.execute(
            "DELETE FROM procrastinate_jobs WHERE task_name = %s", (names.START_ROUND,)
        )
    await rig.app.close_async()
    app = make_app(tasks.blueprint)
    await app.open_async(pool=pool)
    try:
        rig.app = rig.deps.app = app
        reconcile = app.configure_task(names.RECONCILE, queue=names.DELIVERY_QUEUE)
        await reconcile.defer_async(timestamp=0)
        await rig.work()
        assert posts_per_channel(rig) == [2, 2, 2]
        # The round's own job, should it still run late, and the next reconcile start nothing.
        await reconcile.defer_async(timestamp=1)
        start = app.configure_task(names.START_ROUND, queue=names.DELIVERY_QUEUE)
        await start.defer_async(campaign_id=campaign.id)
        await rig.work()
        assert posts_per_channel(rig) == [2, 2, 2]
        assert (await rig.get(campaign)).round == 2
        # The last round at its time, by the job round 2 deferred.
        await come_due(rig, campaign)
        await rig.work()
        assert posts_per_channel(rig) == [3, 3, 3]
        assert (await rig.get(campaign)).status is S.COMPLETED
        assert set((await rows_by_round(rig, campaign)).values()) == {1}
    finally:
        await app.close_async()


async def test_paused_between_rounds_no_round_starts_and_resume_after_the_time_starts_it(
    rig: Rig,
) -> None:
    campaign = await recurring(rig)
    await rig.work()
    async with rig.pool.connection() as conn:
        assert await campaigns.transition(conn, campaign.id, S.PAUSED) is not None
    await come_due(rig, campaign)
    await rig.work()
    assert posts_per_channel(rig) == [1, 1, 1]
    async with rig.pool.connection() as conn:
        resumed = await campaigns.resume(conn, campaign.id)
    assert resumed is not None and resumed.status is S.SCHEDULED and resumed.round == 1
    assert await round_start.start(rig.app, rig.pool, campaign.id, "UTC")
    await rig.work()
    assert posts_per_channel(rig) == [2, 2, 2]


async def test_paused_between_rounds_and_resumed_before_the_time_it_waits(rig: Rig) -> None:
    campaign = await recurring(rig)
    await rig.work()
    async with rig.pool.connection() as conn:
        assert await campaigns.transition(conn, campaign.id, S.PAUSED) is not None
        resumed = await campaigns.resume(conn, campaign.id)
    assert resumed is not None and resumed.status is S.SCHEDULED
    assert not await round_start.start(rig.app, rig.pool, campaign.id, "UTC")  # not yet
    await come_due(rig, campaign)
    await rig.work()
    assert posts_per_channel(rig) == [2, 2, 2]


async def test_cancelled_between_rounds_it_ends_and_no_round_comes(rig: Rig) -> None:
    campaign = await recurring(rig)
    await rig.work()
    async with rig.pool.connection() as conn:
        ended = await campaigns.cancel(conn, campaign.id)
    assert ended is not None and ended.status is S.CANCELLED and ended.finished_at is not None
    await come_due(rig, campaign)
    await rig.work()
    assert posts_per_channel(rig) == [1, 1, 1]
    assert (await rig.get(campaign)).round == 1


async def test_a_campaign_sent_once_is_round_one_as_before(pool: Pool) -> None:
    async with delivery_rig(pool) as rig:
        campaign = await rig.campaign(2)
        await rig.start(campaign)
        await rig.work()
        done = await rig.get(campaign)
        assert (done.status, done.round, done.next_round_at) == (S.COMPLETED, 1, None)
        assert await rig.jobs(names.START_ROUND) == []


async def test_delete_previous_takes_each_old_post_down_before_the_new_one_goes(
    rig: Rig,
) -> None:
    rule = recurrence.Rule(kind=recurrence.Kind.HOURS, every=1, rounds=3, delete_previous=True)
    rig.deps.actions = rig.sender.post_actions()  # the drain serves actions over posts too
    campaign = await recurring(rig, 3, rule)
    await rig.work()
    requests_before = len(rig.telegram.requests)
    for round_no in (2, 3):
        await come_due(rig, campaign)
        await rig.work()
        # Only the round's posts are left in each channel: the one before was deleted.
        assert live_posts(rig) == [1, 1, 1], round_no
        assert (await rig.get(campaign)).round == round_no
    names_seen = [name for _, name in rig.telegram.requests[requests_before:]]
    deletes = [i for i, n in enumerate(names_seen) if n == "DeleteMessagesRequest"]
    sends = [i for i, n in enumerate(names_seen) if n == "SendMessageRequest"]
    assert len(deletes) == 6 and len(sends) == 6
    # Each round's three deletes come before its three posts.
    assert max(deletes[:3]) < min(sends[:3]) and max(deletes[3:]) < min(sends[3:])
    async with rig.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT round, kind, status FROM campaign_actions WHERE campaign_id = %s ORDER BY id",
            (campaign.id,),
        )
        opened = await cur.fetchall()
    assert [tuple(r.values()) for r in opened] == [
        (1, "delete", "completed"),
        (2, "delete", "completed"),
    ]
    assert (await rig.get(campaign)).status is S.COMPLETED


async def test_the_report_sums_the_rounds_and_lists_each(rig: Rig) -> None:
    campaign = await recurring(rig)
    await rig.work()
    for _ in (2, 3):
        await come_due(rig, campaign)
        await rig.work()
    done = await rig.get(campaign)
    async with rig.pool.connection() as conn:
        found = await report_summary.summary(conn, done, datetime.now(UTC))
    text = report_summary.render_text(found, "en")
    assert "Sent 9 · failed 0 of 9" in text
    assert (
        "<b>By round</b>\n• Round 1: sent 3 · failed 0 of 3\n• Round 2: sent 3 · failed 0 of 3\n"
        "• Round 3: sent 3 · failed 0 of 3"
    ) in text
    async with rig.pool.connection() as conn:
        lines = [line async for chunk in db_report.lines(conn, campaign.id) for line in chunk]
    assert [line.round for line in lines] == [1, 1, 1, 2, 2, 2, 3, 3, 3]


async def test_a_channel_whose_delete_failed_still_gets_the_new_round(rig: Rig) -> None:
    rule = recurrence.Rule(kind=recurrence.Kind.HOURS, every=1, rounds=2, delete_previous=True)
    rig.deps.actions = rig.sender.post_actions()
    campaign = await recurring(rig, 3, rule)
    await rig.work()
    refused = rig.telegram.channels["chan_00000"].id
    rig.telegram.post_actions.refuse(refused, "delete", "CHAT_ADMIN_REQUIRED")
    await come_due(rig, campaign)
    await rig.work()
    assert posts_per_channel(rig) == [2, 2, 2]  # every channel got round 2
    assert live_posts(rig) == [1, 1, 2]  # the one refusing the delete keeps round 1's too
    assert (await rig.get(campaign)).status is S.COMPLETED
    async with rig.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT status, error_code FROM actions ORDER BY status, error_code"
        )
        assert [tuple(r.values()) for r in await cur.fetchall()] == [
            ("done", None),
            ("done", None),
            ("failed", "CHAT_ADMIN_REQUIRED"),
        ]
        done = await campaigns.get(conn, campaign.id)
        assert done is not None
        found = await report_summary.summary(conn, done, datetime.now(UTC))
    # The report's actions section tells of the delete that failed there.
    text = report_summary.render_text(found, "en")
    assert (
        "🗑 Delete · ✅ Completed: 2 of 3 done, 1 failed\nFailed:\n• only admins may delete: 1"
        in (text)
    )


async def test_a_round_no_account_may_send_pauses_with_the_reason(rig: Rig) -> None:
    campaign = await recurring(rig)
    await rig.work()
    async with rig.pool.connection() as conn:
        await conn.execute(
            "UPDATE accounts SET status = 'stopped', stop_reason = 'USER_DEACTIVATED'"
        )
    await come_due(rig, campaign)
    await rig.work()
    paused = await rig.get(campaign)
    assert (paused.status, paused.status_reason, paused.round) == (
        S.PAUSED,
        "NO_ACTIVE_ACCOUNT",
        1,
    )
    assert posts_per_channel(rig) == [1, 1, 1]
