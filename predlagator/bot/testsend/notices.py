"""Notifications-queue tasks of /test: the outcome, and the answer for a test no worker took."""

from __future__ import annotations

import logging
from typing import Any

import procrastinate
from procrastinate import JobContext
from procrastinate.jobs import Status

from predlagator.bot import notifications
from predlagator.bot.testsend.texts import (
    expired_text,
    outcome_text,
    target_label,
    worker_failed_text,
)
from predlagator.queue import names

log = logging.getLogger(__name__)

# A test still running at its deadline (queued behind a slow request, or its worker died and the
# job waits to be recovered) is looked at again this often, this many times.
RECHECK_S = 30
RECHECKS = 10

blueprint = procrastinate.Blueprint()

_TASK: dict[str, Any] = {
    "queue": names.NOTIFICATIONS_QUEUE,
    "pass_context": True,
    "retry": notifications.RETRY,
}


@blueprint.task(name=names.TEST_RESULT, **_TASK)
async def test_result(
    context: JobContext, chat_id: int, lang: str, outcome: dict[str, Any]
) -> None:
    """Tell the operator how the test send went."""
    bot, _ = notifications.deps(context)
    await notifications.say(context, bot, chat_id, outcome_text(lang, outcome))


@blueprint.task(name=names.TEST_EXPIRY, **_TASK)
async def test_expiry(
    context: JobContext,
    job_id: int,
    chat_id: int,
    lang: str,
    request: dict[str, Any],
    checks: int = 0,
) -> None:
    """At the test's deadline: drop it if no worker took it, and answer for a failed one.

    A test a worker ran answers for itself (its job is gone by now); one still running is looked
    at again a little later, in case it fails without answering. Only a test nobody took, or
    whose job failed, would otherwise leave the operator waiting forever.
    """
    bot, _ = notifications.deps(context)
    where = target_label(lang, str(request.get("target") or ""))
    template_id = request.get("template_id")
    manager = context.app.job_manager
    # Cancelling succeeds only for a job still waiting; a worker can no longer take it after.
    if await manager.cancel_job_by_id_async(job_id):
        log.warning("test send dropped: no worker took it", extra={"job_id": job_id})
        await notifications.say(context, bot, chat_id, expired_text(lang, template_id, where))
        return
    status = next((job.status for job in await manager.list_jobs_async(id=job_id)), None)
    if status == Status.FAILED.value:
        await notifications.say(context, bot, chat_id, worker_failed_text(lang, template_id, where))
    elif status == Status.DOING.value and checks < RECHECKS:
        task = context.app.configure_task(
            names.TEST_EXPIRY, queue=names.NOTIFICATIONS_QUEUE, schedule_in={"seconds": RECHECK_S}
        )
        await task.defer_async(
            job_id=job_id, chat_id=chat_id, lang=lang, request=request, checks=checks + 1
        )
