"""The progress card: a pure rendering of a campaign and its ledger counts."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from predlagator.bot.keyboards import CampaignAction
from predlagator.bot.report_keyboard import report_buttons
from predlagator.bot.texts import N_, STATUS, Html, duration, t
from predlagator.models import FINISHED, Campaign, CampaignStatus, Progress

S = CampaignStatus
CELLS = 10
BUTTON = {
    "start": N_("▶️ Start"),
    "pause": N_("⏸ Pause"),
    "resume": N_("▶️ Resume"),
    "cancel": N_("✖️ Cancel"),
    "refresh": N_("🔄 Refresh"),
}


def progress_bar(done: int, total: int) -> str:
    """Ten cells and a percentage, e.g. "███░░░░░░░ 30%"."""
    share = done / total if total else 0.0
    filled = min(CELLS, int(share * CELLS))
    return f"{'█' * filled}{'░' * (CELLS - filled)} {int(share * 100)}%"


def render_card(
    campaign: Campaign, progress: Progress, lang: str, now: datetime | None = None
) -> str:
    """The card's HTML: name and id, status, bar, counts, pace and ETA (or the time it took)."""
    lines = [
        f"<b>{html.escape(campaign.name)}</b> · #{campaign.id}",
        t(lang, STATUS[campaign.status.value]),
    ]
    if campaign.status_reason and campaign.status in {S.PAUSED, S.WAITING, S.CANCELLED}:
        lines.append(t(lang, "Reason: {reason}", reason=campaign.status_reason))
    if campaign.status is S.WAITING and campaign.resume_at is not None:
        lines.append(_wait(campaign.resume_at, lang, now or datetime.now(UTC)))
    if campaign.status is S.SCHEDULED and progress.total == 0:
        lines.append(t(lang, "Preparing the channel list…"))
        return "\n".join(lines)
    if campaign.status is S.CANCELLED and campaign.started_at is None:
        lines.append(t(lang, "Cancelled before it started."))
        return "\n".join(lines)
    lines.append(progress_bar(progress.done, progress.total))
    counts = progress.model_dump(include={"sent", "failed", "queued", "total"})
    counts["queued"] = progress.pending
    lines.append(t(lang, "Sent {sent} · failed {failed} · queued {queued} of {total}", **counts))
    lines.append(_pace_or_took(campaign, progress, lang))
    return "\n".join(lines)


def _wait(resume_at: datetime, lang: str, now: datetime) -> str:
    """How much of a flood wait is left and when sending resumes."""
    left = duration(lang, max((resume_at - now).total_seconds(), 0) / 60)
    at = resume_at.astimezone(UTC).strftime("%H:%M")
    return t(lang, "Telegram asked to wait: {left} left, resumes at {at} UTC", left=left, at=at)


def _pace_or_took(campaign: Campaign, progress: Progress, lang: str) -> str:
    if campaign.status in FINISHED:
        if campaign.finished_at is None:  # cancelled, a post still on its way
            return t(lang, "Stopping: waiting for the posts already on their way…")
        return t(lang, "Took {took}", took=took(campaign, lang))
    eta = duration(lang, progress.eta_minutes)
    return t(lang, "{rate}/min · about {eta} left", rate=f"{campaign.rate_per_minute:g}", eta=eta)


def took(campaign: Campaign, lang: str) -> Html:
    """How long the campaign ran, from its start to its end."""
    if campaign.started_at is None or campaign.finished_at is None:
        return duration(lang, 0)
    return duration(lang, (campaign.finished_at - campaign.started_at).total_seconds() / 60)


def card_keyboard(campaign: Campaign) -> InlineKeyboardMarkup | None:
    """Start on a draft; Pause or Resume, Cancel and Refresh until it ends; then the report."""
    if campaign.status in FINISHED:
        # A report exists once a campaign that started has ended (posts in flight recorded).
        if campaign.started_at is None or campaign.finished_at is None:
            return None
        return report_buttons([(campaign.id, t(campaign.language, "📊 Report"))])
    if campaign.status is S.DRAFT:
        return InlineKeyboardMarkup(inline_keyboard=[[_button(campaign, "start")]])
    first = "resume" if campaign.status is S.PAUSED else "pause"
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(campaign, first), _button(campaign, "cancel")],
            [_button(campaign, "refresh")],
        ]
    )


def _button(campaign: Campaign, action: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t(campaign.language, BUTTON[action]),
        callback_data=CampaignAction(id=campaign.id, action=action).pack(),
    )
