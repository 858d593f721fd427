"""Campaign notices on the notifications queue: progress cards, reports and alerts in the chat."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import procrastinate
from procrastinate import JobContext

from predlagator.bot import notifications
from predlagator.bot.batches.refs import display
from predlagator.bot.campaigns import card
from predlagator.bot.reports import sending as report_send
from predlagator.bot.texts import duration, error, switched_off, t, tn
from predlagator.db import campaigns
from predlagator.models import Campaign
from predlagator.queue import names

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()

SHOWN_CHANNELS = 20


@blueprint.task(name=names.REFRESH_PROGRESS, **notifications.TASK)
async def refresh_progress(context: JobContext, campaign_id: int) -> None:
    """Redraw the campaign's card (or send it if there is none yet)."""
    bot, pool = notifications.deps(context)
    await card.redraw(bot, pool, context.app, campaign_id, zone=notifications.zone(context))


@blueprint.task(name=names.CAMPAIGN_FINISHED, **notifications.TASK)
async def campaign_finished(context: JobContext, campaign_id: int) -> None:
    """Draw the final card (unless it shows it already) and send the report, in the campaign's
    language: the report's text says how it ended, so nothing else is said."""
    bot, pool = notifications.deps(context)
    await card.redraw(bot, pool, context.app, campaign_id, zone=notifications.zone(context))
    async with pool.connection() as conn:
        campaign = await campaigns.get(conn, campaign_id)
    if campaign is None or campaign.chat_id is None:
        return
    # Whatever Telegram postpones comes later as a send_report job, never twice.
    await report_send.send(
        context.app,
        bot,
        pool,
        campaign.id,
        campaign.chat_id,
        campaign.language,
        zone=notifications.zone(context),
    )


@blueprint.task(name=names.SEND_REPORT, **notifications.TASK)
async def send_report(
    context: JobContext,
    campaign_id: int,
    chat_id: int,
    lang: str,
    parts: list[str] | None = None,
    attempt: int = 0,
) -> None:
    """Send a campaign's report, or the parts of it Telegram asked us to send later."""
    bot, pool = notifications.deps(context)
    await report_send.send(context.app, bot, pool, campaign_id, chat_id, lang, parts, attempt)


@blueprint.task(name=names.NOTIFY, **notifications.TASK)
async def notify(context: JobContext, campaign_id: int, event: str, params: dict[str, Any]) -> None:
    """Tell the campaign's chat about a flood wait, a resume, a stopped account or channels."""
    bot, pool = notifications.deps(context)
    async with pool.connection() as conn:
        campaign = await campaigns.get(conn, campaign_id)
    if campaign is None or campaign.chat_id is None:
        return
    text = event_text(campaign, event, params)
    if text is None:
        log.warning("unknown notification", extra={"campaign_id": campaign_id, "event": event})
        return
    await notifications.say(context, bot, campaign.chat_id, text)


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
            "Campaign #{id} paused: the sending account stopped. {reason}. Fix it, then press "
            "Resume.",
            id=cid,
            reason=error(lang, params.get("reason")),
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
        ref = item.get("ref")
        # A notice queued before the reason became data (0007) has "reason": the code, or
        # "CODE ×5", shown as it is beside the words for a refusal.
        why = switched_off(lang, item.get("code") or item.get("reason"), item.get("count"))
        lines.append(t(lang, "• {line}: {reason}", line=display(ref) if ref else "?", reason=why))
    if len(channels) > SHOWN_CHANNELS:
        lines.append(t(lang, "…and {n} more", n=len(channels) - SHOWN_CHANNELS))
    return "\n".join(lines)


def _hhmm(iso: object) -> str:
    try:
        return datetime.fromisoformat(str(iso)).astimezone(UTC).strftime("%H:%M")
    except ValueError:
        return "?"
