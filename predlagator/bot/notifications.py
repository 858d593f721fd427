"""The notifications queue's plumbing: task options, the bot and pool a task gets, sending."""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

import procrastinate
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup
from procrastinate import JobContext

from predlagator.db.pool import Pool
from predlagator.queue import names

log = logging.getLogger(__name__)

# Telegram's own hiccups are worth a few tries; everything else it says is an answer.
RETRY = procrastinate.RetryStrategy(
    max_attempts=5, wait=5, retry_exceptions={TelegramNetworkError, TelegramServerError}
)
TASK: dict[str, Any] = {"queue": names.NOTIFICATIONS_QUEUE, "pass_context": True, "retry": RETRY}


def make_bot_worker_context(
    bot: Bot, pool: Pool, zone: ZoneInfo | None = None
) -> dict[str, object]:
    """What the notifications worker hands every task: `additional_context=` this.

    `zone` is TIMEZONE, the zone cards show start times in (UTC when not given).
    """
    return {"bot": bot, "pool": pool, "zone": zone or ZoneInfo("UTC")}


def deps(context: JobContext) -> tuple[Bot, Pool]:
    """The bot and pool a notifications task runs with."""
    bot = context.additional_context["bot"]
    pool: Pool = context.additional_context["pool"]
    assert isinstance(bot, Bot)
    return bot, pool


def zone(context: JobContext) -> ZoneInfo:
    """The zone operators read times in (TIMEZONE)."""
    found = context.additional_context["zone"]
    assert isinstance(found, ZoneInfo)
    return found


async def say(
    context: JobContext,
    bot: Bot,
    chat_id: int,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> bool:
    """Send one message (True if it went); on a rate limit run this job again later."""
    try:
        await bot.send_message(chat_id, text, reply_markup=reply_markup)
        return True
    except TelegramRetryAfter as exc:
        job = context.job
        task = context.app.configure_task(
            job.task_name, queue=job.queue, schedule_in={"seconds": exc.retry_after}
        )
        await task.defer_async(**job.task_kwargs)
    except (TelegramForbiddenError, TelegramNotFound, TelegramBadRequest) as exc:
        # The bot was blocked or the chat is gone: retrying cannot help, and it is no crash.
        log.warning("notification not delivered", extra={"chat_id": chat_id, "error": exc.message})
    return False
