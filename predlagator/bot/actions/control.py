"""Pause, resume and cancel of an open action over a campaign's posts."""

from __future__ import annotations

from predlagator.bot.actions import starting
from predlagator.bot.campaigns.lifecycle import Tools
from predlagator.bot.texts import N_, t
from predlagator.db import actions, audit
from predlagator.models import ACTION_OPEN, ActionStatus

A = ActionStatus
TO = {"pause": A.PAUSED, "resume": A.RUNNING, "cancel": A.CANCELLED}
# What the press toasts: the card's redraw shows which action changed.
DONE = {"pause": N_("Paused"), "resume": N_("Resumed"), "cancel": N_("Cancelled")}
ENDED = N_("That action has already ended.")
NOT_PAUSED = N_("That action is not paused.")
PAUSED = N_("That action is already paused.")


async def control(tools: Tools, campaign_id: int, action_id: int, do: str) -> str:
    """Move the action as `do` says, audited; the answer under the pressed button."""
    lang = tools.lang
    async with tools.pool.connection() as conn, conn.transaction():
        found = await actions.get(conn, action_id) if 0 < action_id <= starting.MAX_ID else None
        if found is None or found.campaign_id != campaign_id:
            return t(lang, "This button is no longer valid")
        if found.status not in ACTION_OPEN:
            return t(lang, ENDED)
        if do == "resume" and found.status is not A.PAUSED:
            return t(lang, NOT_PAUSED)
        if do == "pause" and found.status is A.PAUSED:
            return t(lang, PAUSED)
        changed = await actions.set_status(conn, action_id, TO[do])
        if changed is None:
            return t(lang, ENDED)
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
    return t(lang, DONE[do])
