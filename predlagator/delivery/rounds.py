"""Starting a recurring campaign's rounds: at their time, or late after a restart, never twice."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import procrastinate

from predlagator.db import accounts, campaigns, rounds
from predlagator.db.pool import Pool
from predlagator.db.rows import Conn
from predlagator.models import Campaign, CampaignAction, CampaignStatus
from predlagator.queue import defer

log = logging.getLogger(__name__)
# Why a round none of whose accounts may send pauses (telegram_words; as tasks.NO_ACCOUNT).
NO_ACCOUNT = "NO_ACTIVE_ACCOUNT"


async def start(app: procrastinate.App, pool: Pool, campaign_id: int, tz: str) -> bool:
    """Start the campaign's next round if its time has come and it waits between rounds; True
    if this call started it. The round number moves on with the round's ledger in one
    transaction, under the campaign's row lock, so two starters never make a round twice."""
    async with pool.connection() as conn, conn.transaction():
        current = await campaigns.get(conn, campaign_id)
        if current is None or current.status is not CampaignStatus.SCHEDULED:
            return False
        due = current.next_round_at is not None and current.next_round_at <= datetime.now(UTC)
        senders = [a.id for a in await accounts.active_of_campaign(conn, campaign_id)]
        if due and not senders:
            # Nobody may send the round: paused with the reason, as a launch is; Resume once an
            # account can send starts the due round then.
            paused = await campaigns.transition(
                conn,
                campaign_id,
                CampaignStatus.PAUSED,
                reason=NO_ACCOUNT,
                from_states=[CampaignStatus.SCHEDULED],
            )
            started = None
        else:
            paused, started = None, await rounds.advance(conn, campaign_id, current.round, tz)
    if paused is not None:
        await defer.notify(app, campaign_id, "account_stopped", reason=NO_ACCOUNT)
        await defer.refresh_progress(app, campaign_id, delay_s=0)
        return False
    if started is None:
        return False
    log.info("round started", extra={"campaign_id": campaign_id, "round": started.round})
    await after_start(app, pool, started, senders)
    return True


async def after_start(
    app: procrastinate.App, pool: Pool, campaign: Campaign, senders: list[int]
) -> None:
    """A round began: ask for the next one at its time, kick the senders, redraw the card."""
    if campaign.next_round_at is not None:
        await defer.start_round(app, campaign.id, campaign.next_round_at)
    async with pool.connection() as conn:
        done = await campaigns.complete_if_done(conn, campaign.id)
    if done is not None:  # no active channel left at all
        await ended(app, done)
        return
    for account_id in senders:
        await defer.kick_drain(app, account_id)
    await defer.refresh_progress(app, campaign.id, delay_s=0)


async def ended(app: procrastinate.App, campaign: Campaign) -> None:
    """A round, or the whole campaign, ended: its report goes to the chat; a recurring one
    waiting for its next round has that round asked for at its time (at once if it is late)."""
    if campaign.status is CampaignStatus.SCHEDULED and campaign.next_round_at is not None:
        await defer.start_round(app, campaign.id, campaign.next_round_at)
    await defer.campaign_finished(app, campaign.id)


async def kick_released(app: procrastinate.App, conn: Conn, action: CampaignAction) -> None:
    """A delete of a round's posts ended: its campaign's accounts send the new round now."""
    if action.round is None:
        return
    for account in await accounts.active_of_campaign(conn, action.campaign_id):
        await defer.kick_drain(app, account.id)


async def start_due(app: procrastinate.App, pool: Pool, tz: str) -> list[int]:
    """The reconcile's part: start every round whose time has come and that did not start (its
    job lost, its worker dead, or the round before ended late); return the campaigns."""
    async with pool.connection() as conn:
        due = await rounds.due(conn)
    return [cid for cid, _ in due if await start(app, pool, cid, tz)]
