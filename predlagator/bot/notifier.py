"""Tasks of the notifications queue: progress cards, reports and alerts in operators' chats."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

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
from procrastinate import JobContext

from predlagator.bot import cards
from predlagator.bot.card import took
from predlagator.bot.texts import N_, duration, t, tn
from predlagator.db import campaigns
from predlagator.db.pool import Pool
from predlagator.models import Campaign, CampaignStatus
from predlagator.queue import names

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()

# Telegram's own hiccups are worth a few tries; everything else it says is an answer.
_RETRY = procrastinate.RetryStrategy(
    max_attempts=5, wait=5, retry_exceptions={TelegramNetworkError, TelegramServerError}
)
_TASK: dict[str, Any] = {"queue": names.NOTIFICATIONS_QUEUE, "pass_context": True, "retry": _RETRY}
SHOWN_CHANNELS = 20


def make_bot_worker_context(bot: Bot, pool: Pool) -> dict[str, object]:
    """What the notifications worker hands every task: `additional_context=` this."""
    return {"bot": bot, "pool": pool}


def _deps(context: JobContext) -> tuple[Bot, Pool]:
    bot = context.additional_context["bot"]
    pool: Pool = context.additional_context["pool"]
    assert isinstance(bot, Bot)
    return bot, pool


@blueprint.task(name=names.REFRESH_PROGRESS, **_TASK)
async def refresh_progress(context: JobContext, campaign_id: int) -> None:
    """Redraw the campaign's card (or send it if there is none yet)."""
    bot, pool = _deps(context)
    await cards.redraw(bot, pool, context.app, campaign_id)


@blueprint.task(name=names.CAMPAIGN_FINISHED, **_TASK)
async def campaign_finished(context: JobContext, campaign_id: int) -> None:
    """Draw the final card and report the outcome in the campaign's language."""
    bot, pool = _deps(context)
    await cards.redraw(bot, pool, context.app, campaign_id)
    async with pool.connection() as conn:
        campaign = await campaigns.get(conn, campaign_id)
        progress = await campaigns.progress(conn, campaign_id)
    if campaign is None or progress is None or campaign.chat_id is None:
        return
    lang = campaign.language
    key = (
        N_("Campaign #{id} cancelled: {sent} sent, {failed} failed (of {total}), took {took}.")
        if campaign.status is CampaignStatus.CANCELLED
        else N_("Campaign #{id} completed: {sent} sent, {failed} failed (of {total}), took {took}.")
    )
    counts = progress.model_dump(include={"sent", "failed", "total"})
    text = t(lang, key, id=campaign.id, took=took(campaign, lang), **counts)
    await _say(context, bot, campaign.chat_id, text)


@blueprint.task(name=names.NOTIFY, **_TASK)
async def notify(context: JobContext, campaign_id: int, event: str, params: dict[str, Any]) -> None:
    """Tell the campaign's chat about a flood wait, a resume, a stopped account or channels."""
    bot, pool = _deps(context)
    async with pool.connection() as conn:
        campaign = await campaigns.get(conn, campaign_id)
    if campaign is None or campaign.chat_id is None:
        return
    text = event_text(campaign, event, params)
    if text is None:
        log.warning("unknown notification", extra={"campaign_id": campaign_id, "event": event})
        return
    await _say(context, bot, campaign.chat_id, text)


def event_text(campaign: Campaign, event: str, params: dict[str, Any]) -> str | None:
    """The message for one event, or None for an event we do not know."""
    lang, cid = campaign.language, campaign.id
    if event == "flood_wait":
        wait = duration(lang, float(params.get("seconds", 0)) / 60)
        return t(
            lang,
            "Campaign #{id}: Telegram asked to wait {wait} (until {until} UTC). It resumes by "
            "itself.",
            id=cid,
            wait=wait,
            until=_hhmm(params.get("until")),
        )
    if event == "resumed":
        return t(lang, "Campaign #{id} resumed after the wait.", id=cid)
    if event == "account_stopped":
        return t(
            lang,
            "Campaign #{id} paused: the sending account stopped ({reason}). Fix it, then press "
            "Resume.",
            id=cid,
            reason=params.get("reason") or "?",
        )
    if event == "channels_deactivated":
        return _deactivated(lang, cid, list(params.get("channels") or []))
    return None


def _deactivated(lang: str, campaign_id: int, channels: list[dict[str, Any]]) -> str:
    lines = [
        tn(
            lang,
            "Campaign #{id}: {n} channel switched off and skipped:",
            "Campaign #{id}: {n} channels switched off and skipped:",
            len(channels),
            id=campaign_id,
        )
    ]
    for item in channels[:SHOWN_CHANNELS]:
        ref, why = item.get("ref") or "?", item.get("reason") or "?"
        lines.append(t(lang, "• {line}: {reason}", line=ref, reason=why))
    if len(channels) > SHOWN_CHANNELS:
        lines.append(t(lang, "…and {n} more", n=len(channels) - SHOWN_CHANNELS))
    return "\n".join(lines)


def _hhmm(iso: object) -> str:
    try:
        return datetime.fromisoformat(str(iso)).astimezone(UTC).strftime("%H:%M")
    except ValueError:
        return "?"


async def _say(context: JobContext, bot: Bot, chat_id: int, text: str) -> None:
    """Send one message; on a rate limit run this job again when Telegram allows."""
    try:
        await bot.send_message(chat_id, text)
    except TelegramRetryAfter as exc:
        job = context.job
        task = context.app.configure_task(
            job.task_name, queue=job.queue, schedule_in={"seconds": exc.retry_after}
        )
        await task.defer_async(**job.task_kwargs)
    except (TelegramForbiddenError, TelegramNotFound, TelegramBadRequest) as exc:
        # The bot was blocked or the chat is gone: retrying cannot help, and it is no crash.
        log.warning("notification not delivered", extra={"chat_id": chat_id, "error": exc.message})
