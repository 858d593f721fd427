"""Actions over a campaign's posts (edit, delete, pin, unpin): each with its own ledger."""

from __future__ import annotations

from predlagator.db import deliveries
from predlagator.db.rows import Conn, dicts, many, one, run
from predlagator.models import (
    ActionProgress,
    ActionReportRow,
    ActionRow,
    ActionStatus,
    CampaignAction,
    PostAction,
)

_Q = "actions"
# Where every action status change is announced, "<id> <status>" (migration 0013).
STATUS_CHANNEL = "predlagator_action"


async def targets(conn: Conn, campaign_id: int) -> int:
    """Posts an action would touch now: sent (with a message id) or sending, not deleted."""
    rows = await dicts(conn, _Q, "targets", campaign_id=campaign_id)
    return int(rows[0]["n"])


async def start(
    conn: Conn,
    *,
    campaign_id: int,
    kind: PostAction,
    template_id: int | None = None,
    silent: bool = True,
    chat_id: int | None = None,
    created_by: int | None = None,
) -> tuple[CampaignAction, bool]:
    """Make the action and its ledger in one transaction; return (action, made now).

    A second start of a kind still open returns the open one and False (a double press). A
    delete cancels the campaign's queued posts first; an edit points the campaign at its new
    template, so posts not yet sent go out in the new version. Audits are the caller's.
    """
    if kind is PostAction.EDIT and template_id is None:
        raise ValueError("an edit needs the new version's template")
    async with conn.transaction():
        made = await one(
            conn,
            CampaignAction,
            _Q,
            "create",
            campaign_id=campaign_id,
            kind=kind.value,
            template_id=template_id,
            silent=silent,
            chat_id=chat_id,
            created_by=created_by,
        )
        if made is None:
            found = await one(
                conn, CampaignAction, _Q, "open_of_kind", campaign_id=campaign_id, kind=kind.value
            )
            assert found is not None, "the open action ended between two statements"
            return found, False
        if kind is PostAction.DELETE:
            await deliveries.cancel_pending(conn, campaign_id)
        if kind is PostAction.EDIT:
            await run(conn, _Q, "point_campaign", campaign_id=campaign_id, template_id=template_id)
        await run(conn, _Q, "snapshot", action_id=made.id)
    return made, True


async def resnapshot(conn: Conn, action_id: int) -> int:
    """Add rows for posts the action does not have yet (an edit's: those that went out with
    an older version while it ran); return rows added."""
    return await run(conn, _Q, "snapshot", action_id=action_id)


async def get(conn: Conn, action_id: int) -> CampaignAction | None:
    """Return one action."""
    return await one(conn, CampaignAction, _Q, "get", id=action_id)


async def of_campaign(conn: Conn, campaign_id: int) -> list[CampaignAction]:
    """The campaign's actions, newest first."""
    return await many(conn, CampaignAction, _Q, "of_campaign", campaign_id=campaign_id)


async def open_of_campaigns(conn: Conn, campaign_ids: list[int]) -> list[CampaignAction]:
    """The open (running, paused, waiting) actions of these campaigns, newest first."""
    return await many(conn, CampaignAction, _Q, "open_of_campaigns", campaign_ids=campaign_ids)


async def progress(conn: Conn, action_id: int) -> ActionProgress:
    """Count the action's ledger by status, with its errors and what waits for an account."""
    found = await one(conn, ActionProgress, _Q, "progress", id=action_id)
    if found is None:
        raise LookupError(f"no action {action_id}")
    return found


async def set_status(conn: Conn, action_id: int, status: ActionStatus) -> CampaignAction | None:
    """Pause, resume (running) or cancel an open action; None if it had finished. A cancel
    also cancels its rows not yet on their way."""
    if status is ActionStatus.COMPLETED:
        raise ValueError("an action completes by itself")
    async with conn.transaction():
        changed = await one(
            conn, CampaignAction, _Q, "set_status", id=action_id, status=status.value
        )
        if changed is not None and status is ActionStatus.CANCELLED:
            await run(conn, _Q, "cancel_rows", id=action_id)
    return changed


async def report_rows(conn: Conn, campaign_id: int) -> list[ActionReportRow]:
    """Every action's outcome per channel, for the report and its CSV."""
    return await many(conn, ActionReportRow, _Q, "report_rows", campaign_id=campaign_id)


async def accounts_of(conn: Conn, action_id: int) -> list[int]:
    """The accounts whose drains to kick for the action."""
    return [row["id"] for row in await dicts(conn, _Q, "accounts_of", id=action_id)]


async def rows_of(conn: Conn, action_id: int) -> list[ActionRow]:
    """The action's whole ledger."""
    return await many(conn, ActionRow, _Q, "rows_of", id=action_id)
