"""Campaigns: creation, status transitions and progress."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from predlagator.db import deliveries
from predlagator.db.rows import Conn, dicts, many, one, run
from predlagator.models import Campaign, CampaignStatus, Progress

_Q = "campaigns"

# Migration 0002 announces every status change here as "<id> <status>".
STATUS_CHANNEL = "predlagator_campaign"

S = CampaignStatus
# Which states each requested status may be entered from.
ALLOWED_FROM: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    S.RUNNING: frozenset({S.DRAFT, S.SCHEDULED, S.PAUSED, S.WAITING}),
    S.PAUSED: frozenset({S.RUNNING, S.WAITING, S.SCHEDULED}),
    S.WAITING: frozenset({S.RUNNING}),
    S.CANCELLED: frozenset({S.DRAFT, S.SCHEDULED, S.RUNNING, S.PAUSED, S.WAITING}),
}


async def create(
    conn: Conn,
    *,
    name: str,
    batch_id: int,
    template_id: int,
    account_id: int,
    rate_per_minute: float | None,
    retry_limit: int,
    chat_id: int | None,
    language: str,
    created_by: int | None,
    more_accounts: Sequence[int] = (),
) -> Campaign:
    """Create a draft campaign sending through `account_id` and `more_accounts`."""
    campaign = await one(
        conn,
        Campaign,
        _Q,
        "create",
        name=name,
        batch_id=batch_id,
        template_id=template_id,
        account_id=account_id,
        rate_per_minute=rate_per_minute,
        retry_limit=retry_limit,
        chat_id=chat_id,
        language=language,
        created_by=created_by,
        more_accounts=[a for a in more_accounts if a != account_id],
    )
    assert campaign is not None
    return campaign


async def get(conn: Conn, campaign_id: int) -> Campaign | None:
    """Return one campaign."""
    return await one(conn, Campaign, _Q, "get", id=campaign_id)


async def is_running(conn: Conn, campaign_id: int) -> bool:
    """Tell whether the campaign is running right now."""
    rows = await dicts(conn, _Q, "is_running", id=campaign_id)
    return bool(rows and rows[0]["running"])


async def list_recent(conn: Conn, limit: int = 20, offset: int = 0) -> list[Campaign]:
    """Return campaigns, newest first."""
    return await many(conn, Campaign, _Q, "list_recent", limit=limit, offset=offset)


async def transition(
    conn: Conn,
    campaign_id: int,
    to: CampaignStatus,
    *,
    reason: str | None = None,
    from_states: Iterable[CampaignStatus] | None = None,
) -> Campaign | None:
    """Move a campaign to `to` if its current state allows it; None when it does not."""
    allowed = ALLOWED_FROM[to] if from_states is None else frozenset(from_states)
    return await one(
        conn,
        Campaign,
        _Q,
        "transition",
        id=campaign_id,
        to=to,
        reason=reason,
        from_states=sorted(allowed),
    )


async def resume(conn: Conn, campaign_id: int) -> Campaign | None:
    """Resume a paused campaign: running, or scheduled again if its start is still ahead."""
    return await one(conn, Campaign, _Q, "resume", id=campaign_id)


async def cancel(conn: Conn, campaign_id: int) -> Campaign | None:
    """Cancel a campaign and every delivery not yet on its way; None if it had finished."""
    # It ends (finished_at) here unless a post is in flight; then whoever records the last one
    # ends it (complete_if_done) and reports, so the report counts that post.
    async with conn.transaction():
        campaign = await transition(conn, campaign_id, CampaignStatus.CANCELLED)
        if campaign is None:
            return None
        await deliveries.cancel_pending(conn, campaign_id)
        ended = await complete_if_done(conn, campaign_id)
    return ended or campaign


async def set_card(
    conn: Conn, campaign_id: int, chat_id: int, message_id: int, digest: str | None = None
) -> None:
    """Remember the chat message that shows this campaign's progress, and what it shows."""
    await run(
        conn, _Q, "set_card", id=campaign_id, chat_id=chat_id, message_id=message_id, digest=digest
    )


async def card_drawn(conn: Conn, campaign_id: int, message_id: int, digest: str) -> None:
    """Remember what the card `message_id` shows now."""
    await run(conn, _Q, "card_drawn", id=campaign_id, message_id=message_id, digest=digest)


async def complete_if_done(conn: Conn, campaign_id: int) -> Campaign | None:
    """Complete the campaign, or end a cancelled one, once nothing is left; else None."""
    return await one(conn, Campaign, _Q, "complete_if_done", id=campaign_id)


async def complete_all_done(conn: Conn, account_id: int | None = None) -> list[Campaign]:
    """Complete (or end, if cancelled) every campaign of one account (any of its accounts), or
    all, with nothing left."""
    return await many(conn, Campaign, _Q, "complete_all_done", account_id=account_id)


async def progress(conn: Conn, campaign_id: int) -> Progress | None:
    """Count the campaign's ledger by status in one query."""
    return await one(conn, Progress, _Q, "progress", id=campaign_id)


async def lock_for_launch(conn: Conn, campaign_id: int) -> Campaign | None:
    """Read the campaign and lock its row until the transaction ends."""
    return await one(conn, Campaign, _Q, "lock_for_launch", id=campaign_id)


async def lock_stranded_launch(conn: Conn, campaign_id: int) -> Campaign | None:
    """Lock a campaign maybe not yet launched whose row no live launch holds; else None."""
    return await one(conn, Campaign, _Q, "lock_stranded_launch", id=campaign_id)


async def enter_waiting(
    conn: Conn, account_id: int, until: datetime, tz: str = "UTC", reason: str = "FLOOD_WAIT"
) -> list[Campaign]:
    """The account cannot send before `until` (`reason`: FLOOD_WAIT or DAILY_CAP): park its
    running campaigns that none of their other accounts can carry on now, until the first of
    them may send; return them."""
    return await many(
        conn,
        Campaign,
        _Q,
        "enter_waiting",
        account_id=account_id,
        until=until,
        tz=tz,
        reason=reason,
    )


async def resume_waiting(conn: Conn, account_id: int) -> list[Campaign]:
    """Bring back the account's campaigns whose wait has ended; return them."""
    return await many(conn, Campaign, _Q, "resume_waiting", account_id=account_id)


async def pause_for_account(conn: Conn, account_id: int, reason: str) -> list[Campaign]:
    """Pause, with the reason, every live campaign of a stopped (or paused) account that has no
    other active account; the others go on through theirs."""
    return await many(conn, Campaign, _Q, "pause_for_account", account_id=account_id, reason=reason)


async def settle_stranded(
    conn: Conn, account_id: int | None = None, tz: str = "UTC"
) -> list[Campaign]:
    """Running campaigns (of one account, or all) whose pending rows are all on accounts that
    cannot send now: waiting until the first may (a flood wait, a daily cap in `tz`), or paused
    with a reason when all are stopped or paused; return them."""
    return await many(conn, Campaign, _Q, "settle_stranded", account_id=account_id, tz=tz)


async def running_unlaid(conn: Conn) -> list[int]:
    """Running campaigns that have no ledger (resumed after a launch found no account)."""
    return [row["id"] for row in await dicts(conn, _Q, "running_unlaid")]


async def accounts_needing_drain(conn: Conn) -> list[int]:
    """Return accounts that have due work or an ended wait."""
    rows = await dicts(conn, _Q, "accounts_needing_drain")
    return [row["account_id"] for row in rows]
