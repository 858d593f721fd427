"""The progress card: a pure rendering of a campaign and its ledger counts."""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardMarkup

from predlagator.bot.keyboards import action_button
from predlagator.bot.texts import N_, STATUS, Html, duration, t
from predlagator.models import Campaign, CampaignStatus, Progress

S = CampaignStatus
CELLS = 10
# Which button the card carries in each state; finished campaigns get none.
_ACTION = {
    S.DRAFT: "start",
    S.SCHEDULED: "pause",
    S.RUNNING: "pause",
    S.WAITING: "pause",
    S.PAUSED: "resume",
}
BUTTON = {"start": N_("▶️ Start"), "pause": N_("⏸ Pause"), "resume": N_("▶️ Resume")}


def progress_bar(done: int, total: int) -> str:
    """Ten cells and a percentage, e.g. "███░░░░░░░ 30%"."""
    share = done / total if total else 0.0
    filled = min(CELLS, int(share * CELLS))
    return f"{'█' * filled}{'░' * (CELLS - filled)} {int(share * 100)}%"


def render_card(campaign: Campaign, progress: Progress, lang: str) -> str:
    """The card's HTML: name and id, status, bar, counts, pace and ETA."""
    lines = [
        f"<b>{html.escape(campaign.name)}</b> · #{campaign.id}",
        t(lang, STATUS[campaign.status.value]),
    ]
    if campaign.status_reason and campaign.status in {S.PAUSED, S.WAITING, S.CANCELLED}:
        lines.append(t(lang, "Reason: {reason}", reason=campaign.status_reason))
    if campaign.status is S.WAITING and campaign.resume_at is not None:
        lines.append(t(lang, "Resumes at {at} UTC", at=campaign.resume_at.strftime("%H:%M")))
    if campaign.status is S.SCHEDULED and progress.total == 0:
        lines.append(t(lang, "Preparing the channel list…"))
        return "\n".join(lines)
    lines.append(progress_bar(progress.done, progress.total))
    counts = progress.model_dump(include={"sent", "failed", "queued", "total"})
    counts["queued"] = progress.pending
    lines.append(t(lang, "Sent {sent} · failed {failed} · queued {queued} of {total}", **counts))
    lines.append(_pace_or_took(campaign, progress, lang))
    return "\n".join(lines)


def _pace_or_took(campaign: Campaign, progress: Progress, lang: str) -> str:
    if campaign.status in {S.COMPLETED, S.CANCELLED}:
        return t(lang, "Took {took}", took=took(campaign, lang))
    eta = duration(lang, progress.eta_minutes)
    return t(lang, "{rate}/min · about {eta} left", rate=f"{campaign.rate_per_minute:g}", eta=eta)


def took(campaign: Campaign, lang: str) -> Html:
    """How long the campaign ran, from its start to its end."""
    if campaign.started_at is None or campaign.finished_at is None:
        return duration(lang, 0)
    return duration(lang, (campaign.finished_at - campaign.started_at).total_seconds() / 60)


def card_keyboard(campaign: Campaign) -> InlineKeyboardMarkup | None:
    """Pause while it runs or waits, Resume when paused, nothing once finished."""
    action = _ACTION.get(campaign.status)
    if action is None:
        return None
    return action_button(campaign.id, action, t(campaign.language, BUTTON[action]))
