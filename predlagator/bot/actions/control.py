"""Pause, resume and cancel of an open action over a campaign's posts (a cancel asked first)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from predlagator.bot.actions import keyboards, starting, views
from predlagator.bot.campaigns.lifecycle import Tools
from predlagator.bot.texts import N_, t
from predlagator.db import actions, audit, campaigns
from predlagator.db.rows import Conn
from predlagator.models import ACTION_OPEN, ActionStatus, CampaignAction, PostAction

A = ActionStatus
K = PostAction
TO = {"pause": A.PAUSED, "resume": A.RUNNING, "cancel": A.CANCELLED}
# What the press toasts: the card's redraw shows which action changed.
DONE = {"pause": N_("Paused"), "resume": N_("Resumed"), "cancel": N_("Cancelled")}
ENDED = N_("That action has already ended.")
NOT_PAUSED = N_("That action is not paused.")
PAUSED = N_("That action is already paused.")
INVALID = N_("This button is no longer valid")
# The cancel question: what is done so far, and what happens to the posts not reached yet.
ASK_CANCEL = {
    K.EDIT: N_(
        "Cancel the edit of campaign #{id} «{name}»'s posts? So far {counts}; posts not reached "
        "yet keep their old version."
    ),
    K.DELETE: N_(
        "Cancel the delete of campaign #{id} «{name}»'s posts? So far {counts}; posts not "
        "reached yet stay in their channels."
    ),
    K.PIN: N_(
        "Cancel pinning campaign #{id} «{name}»'s posts? So far {counts}; posts not reached yet "
        "stay unpinned."
    ),
    K.UNPIN: N_(
        "Cancel unpinning campaign #{id} «{name}»'s posts? So far {counts}; posts not reached "
        "yet stay pinned."
    ),
}
KEPT = {
    K.EDIT: N_("Not cancelled: the edit goes on."),
    K.DELETE: N_("Not cancelled: the delete goes on."),
    K.PIN: N_("Not cancelled: the pinning goes on."),
    K.UNPIN: N_("Not cancelled: the unpinning goes on."),
}
CANCELLED = N_("✖️ Cancelled. The card shows where it stopped.")


async def _open(conn: Conn, campaign_id: int, action_id: int) -> CampaignAction | str:
    """The campaign's open action `action_id`, or why a press at it does nothing (untranslated)."""
    found = await actions.get(conn, action_id) if 0 < action_id <= starting.MAX_ID else None
    if found is None or found.campaign_id != campaign_id:
        return INVALID
    if found.status not in ACTION_OPEN:
        return ENDED
    return found


async def ask_cancel(
    tools: Tools, campaign_id: int, action_id: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The question before a cancel, with Yes and No; or why not, without buttons."""
    lang = tools.lang
    async with tools.pool.connection() as conn:
        found = await _open(conn, campaign_id, action_id)
        campaign = await campaigns.get(conn, campaign_id)
        if isinstance(found, str) or campaign is None:
            return t(lang, found if isinstance(found, str) else INVALID), None
        progress = await actions.progress(conn, action_id)
    text = t(
        lang,
        ASK_CANCEL[found.kind],
        id=campaign_id,
        name=campaign.name,
        counts=views.counts(progress, lang),
    )
    return text, keyboards.confirm_cancel(campaign_id, action_id, lang)


async def kept(tools: Tools, campaign_id: int, action_id: int) -> str:
    """No to the cancel question: the action goes on (or has ended meanwhile)."""
    async with tools.pool.connection() as conn:
        found = await _open(conn, campaign_id, action_id)
    if isinstance(found, str):
        return t(tools.lang, found)
    return t(tools.lang, KEPT[found.kind])


async def cancel(tools: Tools, campaign_id: int, action_id: int) -> str:
    """Yes to the cancel question: what the question turns into."""
    said, changed = await control(tools, campaign_id, action_id, "cancel")
    return t(tools.lang, CANCELLED) if changed else said


async def control(tools: Tools, campaign_id: int, action_id: int, do: str) -> tuple[str, bool]:
    """Move the action as `do` says, audited; the answer under the pressed button, and whether
    it moved."""
    lang = tools.lang
    async with tools.pool.connection() as conn, conn.transaction():
        found = await _open(conn, campaign_id, action_id)
        if isinstance(found, str):
            return t(lang, found), False
        if do == "resume" and found.status is not A.PAUSED:
            return t(lang, NOT_PAUSED), False
        if do == "pause" and found.status is A.PAUSED:
            return t(lang, PAUSED), False
        changed = await actions.set_status(conn, action_id, TO[do])
        if changed is None:
            return t(lang, ENDED), False
        await audit.record(
            conn,
            tools.operator.user_id,
            f"action.{do}",
            "action",
            action_id,
            campaign_id=campaign_id,
            kind=found.kind.value,
        )
    # Resume and cancel both need a drain: one to send again, the other to end rows in flight.
    await starting.kick(tools, changed)
    return t(lang, DONE[do]), True
