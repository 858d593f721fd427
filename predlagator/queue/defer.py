"""Typed helpers that defer our tasks by name, from any process."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.manager import get_channel_for_queues

from predlagator.queue import names

# What Procrastinate's insert trigger says of a new job; a worker only reads the type, and
# fetches.
WAKE = json.dumps({"type": "job_inserted", "job_id": 0})


def _drain_lock(account_id: int) -> str:
    return f"drain-{account_id}"


async def kick_drain(app: procrastinate.App, account_id: int, at: datetime | None = None) -> None:
    """Make sure a drain of the account runs now (or at `at`), without piling up kicks."""
    lock = _drain_lock(account_id)
    # `lock` runs one drain of an account at a time; `queueing_lock` keeps at most one waiting.
    task = app.configure_task(
        names.DRAIN,
        queue=names.account_queue(account_id),
        lock=lock,
        queueing_lock=lock,
        schedule_at=at,
    )
    try:
        await task.defer_async(account_id=account_id)
    except AlreadyEnqueued:
        # A kick already waits, possibly scheduled later (a retry time): pull it forward, or a
        # campaign started now would wait for someone else's retry. And say so on the queue's
        # channel, as an insert would: the account's drain may be napping until its next slot
        # (delivery/wakeups.py), and only a notification wakes it early.
        (channel,) = get_channel_for_queues([names.account_queue(account_id)])
        await app.connector.execute_query_async(
            "WITH pulled AS (UPDATE procrastinate_jobs SET scheduled_at = coalesce(%(at)s, now()) "
            "WHERE queueing_lock = %(lock)s AND status = 'todo' "
            "AND scheduled_at > coalesce(%(at)s, now())) "
            "SELECT pg_notify(%(channel)s, %(payload)s)",
            at=at,
            lock=lock,
            channel=channel,
            payload=WAKE,
        )


async def launch_campaign(
    app: procrastinate.App, campaign_id: int, at: datetime | None = None
) -> None:
    """Ask a worker to snapshot the campaign's channels and start sending, now or at `at`."""
    task = app.configure_task(names.LAUNCH_CAMPAIGN, queue=names.DELIVERY_QUEUE, schedule_at=at)
    await task.defer_async(campaign_id=campaign_id)


async def start_round(app: procrastinate.App, campaign_id: int, at: datetime | None) -> None:
    """Ask a worker to start the campaign's next round at `at` (now if None or past); at most
    one such job waits per campaign, moved to the latest time asked."""
    lock = f"round-{campaign_id}"
    task = app.configure_task(
        names.START_ROUND, queue=names.DELIVERY_QUEUE, queueing_lock=lock, schedule_at=at
    )
    try:
        await task.defer_async(campaign_id=campaign_id)
    except AlreadyEnqueued:
        await app.connector.execute_query_async(
            "UPDATE procrastinate_jobs SET scheduled_at = coalesce(%(at)s, now()) "
            "WHERE queueing_lock = %(lock)s AND status = 'todo'",
            at=at,
            lock=lock,
        )


async def refresh_progress(app: procrastinate.App, campaign_id: int, delay_s: float = 1.0) -> bool:
    """Ask the bot to redraw the campaign's card soon; repeated asks merge into one.

    False when a refresh already waited (it runs later and reads the latest counts).
    """
    lock = f"progress-{campaign_id}"
    task = app.configure_task(
        names.REFRESH_PROGRESS,
        queue=names.NOTIFICATIONS_QUEUE,
        queueing_lock=lock,
        schedule_in={"seconds": delay_s} if delay_s > 0 else None,
    )
    try:
        await task.defer_async(campaign_id=campaign_id)
    except AlreadyEnqueued:
        return False
    return True


async def campaign_finished(app: procrastinate.App, campaign_id: int) -> None:
    """Ask the bot to draw the final card and send the completion message."""
    task = app.configure_task(names.CAMPAIGN_FINISHED, queue=names.NOTIFICATIONS_QUEUE)
    await task.defer_async(campaign_id=campaign_id)


async def action_finished(app: procrastinate.App, action_id: int) -> None:
    """Ask the bot to tell the chat an action over a campaign's posts ended (its summary)."""
    task = app.configure_task(names.ACTION_FINISHED, queue=names.NOTIFICATIONS_QUEUE)
    await task.defer_async(action_id=action_id)


async def notify(app: procrastinate.App, campaign_id: int, event: str, **params: Any) -> None:
    """Ask the bot to tell the campaign's chat about an event (flood wait, resume, stop)."""
    task = app.configure_task(names.NOTIFY, queue=names.NOTIFICATIONS_QUEUE)
    await task.defer_async(campaign_id=campaign_id, event=event, params=params)


async def account_alert(app: procrastinate.App, account_id: int, reason: str) -> None:
    """Ask the bot to tell the owners that an account stopped, and why."""
    task = app.configure_task(names.ACCOUNT_ALERT, queue=names.NOTIFICATIONS_QUEUE)
    await task.defer_async(account_id=account_id, reason=reason)


async def test_send(app: procrastinate.App, account_id: int, **request: Any) -> int:
    """Ask the worker holding the account's session to send one test post; return the job id.

    The account's queue is served only where its session lives; no lock, so the test runs
    beside a drain instead of after it (their requests take turns in the worker's sender).
    """
    task = app.configure_task(names.TEST_SEND, queue=names.account_queue(account_id))
    return await task.defer_async(account_id=account_id, **request)


async def test_result(app: procrastinate.App, chat_id: int, lang: str, **outcome: Any) -> None:
    """Ask the bot to tell the operator how a test send went."""
    task = app.configure_task(names.TEST_RESULT, queue=names.NOTIFICATIONS_QUEUE)
    await task.defer_async(chat_id=chat_id, lang=lang, outcome=outcome)


async def test_expiry(
    app: procrastinate.App, job_id: int, at: datetime, chat_id: int, lang: str, **request: Any
) -> None:
    """Ask the bot to drop test `job_id` at `at` if no worker took it, and say so."""
    task = app.configure_task(names.TEST_EXPIRY, queue=names.NOTIFICATIONS_QUEUE, schedule_at=at)
    await task.defer_async(job_id=job_id, chat_id=chat_id, lang=lang, request=request)


def report_lock(campaign_id: int, chat_id: int) -> str:
    """The queueing lock (and lock) of a campaign's report jobs into one chat."""
    return f"report-{campaign_id}-{chat_id}"


async def send_report(
    app: procrastinate.App,
    campaign_id: int,
    chat_id: int,
    lang: str,
    parts: list[str] | None = None,
    *,
    delay_s: float = 0,
    attempt: int = 0,
) -> None:
    """Ask the bot to send a campaign's report (or the parts of it still owed) to a chat.

    At most one report job per campaign and chat waits (its queueing lock) and one runs (its
    lock), so two reports never interleave; a report asked for while one waits joins it.
    """
    lock = report_lock(campaign_id, chat_id)
    task = app.configure_task(
        names.SEND_REPORT,
        queue=names.NOTIFICATIONS_QUEUE,
        lock=lock,
        queueing_lock=lock,
        schedule_in={"seconds": delay_s} if delay_s > 0 else None,
    )
    # None: the whole report.
    args: dict[str, Any] = {"parts": parts, "attempt": attempt}
    for _ in range(3):
        try:
            await task.defer_async(campaign_id=campaign_id, chat_id=chat_id, lang=lang, **args)
            return
        except AlreadyEnqueued:
            if await _join_waiting_report(app, lock, parts):
                return
            # The waiting one started meanwhile: this one may wait now.


async def _join_waiting_report(app: procrastinate.App, lock: str, parts: list[str] | None) -> bool:
    """Add `parts` (None: all) to the report job waiting under `lock`; False if none waits."""
    rows = await app.connector.execute_query_all_async(
        "UPDATE procrastinate_jobs SET args = jsonb_set(args, '{parts}', "
        "CASE WHEN %(parts)s::text[] IS NULL OR jsonb_typeof(args -> 'parts') <> 'array' "
        "THEN 'null'::jsonb ELSE to_jsonb(ARRAY(SELECT jsonb_array_elements_text(args -> 'parts') "
        "UNION SELECT unnest(%(parts)s::text[]))) END) "
        "WHERE queueing_lock = %(lock)s AND status = 'todo' RETURNING id",
        parts=parts,
        lock=lock,
    )
    return bool(rows)


async def login_step(app: procrastinate.App, task_name: str, login_id: int) -> None:
    """Ask any worker to run a step of a login from the chat (its state is in its row)."""
    task = app.configure_task(task_name, queue=names.DELIVERY_QUEUE)
    await task.defer_async(login_id=login_id)


async def login_result(
    app: procrastinate.App,
    chat_id: int,
    user_id: int,
    lang: str,
    login_id: int,
    name: str,
    **outcome: Any,
) -> None:
    """Ask the bot to tell the operator how a login step went (never anything typed)."""
    task = app.configure_task(names.LOGIN_RESULT, queue=names.NOTIFICATIONS_QUEUE)
    await task.defer_async(
        chat_id=chat_id, user_id=user_id, lang=lang, login_id=login_id, name=name, outcome=outcome
    )


async def login_expiry(app: procrastinate.App, login_id: int, at: datetime) -> None:
    """Ask the bot to drop login `login_id` at `at` if it has not ended by then, and say so."""
    task = app.configure_task(names.LOGIN_EXPIRY, queue=names.NOTIFICATIONS_QUEUE, schedule_at=at)
    await task.defer_async(login_id=login_id)
