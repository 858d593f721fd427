"""Retry failed: which failed deliveries may go again, and the runs a campaign's ledger went
through (run 1 the first send, then one per retry), each with its report's numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from pydantic import BaseModel

from predlagator.db import audit, campaigns
from predlagator.db.rows import Conn, dicts, many, one, run
from predlagator.models import FINISHED, Campaign, CampaignStatus
from predlagator.telegram_errors import CODES, ErrorClass, classify

_Q = "retries"

# Codes a new try cannot get past: the account's own end, a post already out, and a channel
# closed to the account (that one only until /channels switches the channel back on).
_NEVER_CLASSES = {ErrorClass.CHANNEL_PERMANENT, ErrorClass.ACCOUNT_FATAL, ErrorClass.ALREADY_SENT}
NEVER = sorted(code for code in CODES if classify(code) in _NEVER_CLASSES)
CHANNEL_CODES = sorted(code for code in CODES if classify(code) is ErrorClass.CHANNEL_PERMANENT)


class Run(BaseModel):
    """One run of a campaign's ledger and what came of the rows it queued."""

    run: int
    kind: str  # 'round' for the first send (of each round), 'retry' for a Retry failed
    round: int = 1  # a recurring campaign's round
    started_at: datetime
    finished_at: datetime | None
    total: int
    sent: int
    failed: int
    cancelled: int
    frozen: bool  # its numbers were frozen when the next run opened


class Refusal(Enum):
    """Why a retry did not start."""

    NO_CAMPAIGN = "no_campaign"
    NOT_FINISHED = "not_finished"  # still sending (maybe an earlier retry), or never started
    STALE = "stale"  # the button was for a run that already has a retry after it
    NOTHING = "nothing"  # no failed delivery a new try could get past


@dataclass(frozen=True)
class Started:
    """A retry that opened: its run, how many rows it queued, the accounts that send them."""

    campaign: Campaign
    run: int
    requeued: int
    account_ids: list[int]


@dataclass(frozen=True)
class Refused:
    """A retry that did not open, why, and the campaign as it was found (if there is one)."""

    why: Refusal
    campaign: Campaign | None
    run: int


async def retryable(conn: Conn, campaign_id: int) -> int:
    """How many of the campaign's failed deliveries a retry would queue again."""
    [row] = await dicts(
        conn, _Q, "retryable", campaign_id=campaign_id, never=NEVER, channel_codes=CHANNEL_CODES
    )
    return int(row["n"])


async def current_run(conn: Conn, campaign_id: int) -> int:
    """The campaign's latest run: 1 until a retry opened another."""
    [row] = await dicts(conn, _Q, "current_run", campaign_id=campaign_id)
    return int(row["run"])


async def candidates(conn: Conn, limit: int) -> list[Campaign]:
    """The newest finished campaigns with failures a retry would take."""
    return await many(
        conn, Campaign, _Q, "candidates", limit=limit, never=NEVER, channel_codes=CHANNEL_CODES
    )


async def freeze(conn: Conn, campaign_id: int, run_no: int) -> None:
    """Freeze run `run_no`'s numbers on its row (made now for run 1), as its report says them."""
    await run(conn, _Q, "freeze", campaign_id=campaign_id, run=run_no)


async def runs(conn: Conn, campaign_id: int) -> list[Run]:
    """Every run the campaign's ledger went through, the first send first (none before a
    retry: until then the campaign's own numbers are the first send's)."""
    return await many(conn, Run, _Q, "runs", campaign_id=campaign_id)


async def start(
    conn: Conn, campaign_id: int, actor_id: int, *, expected_run: int | None = None
) -> Started | Refused:
    """Open the next run of a finished campaign and queue its retryable failures again, in one
    transaction, audited; `expected_run` is the run a pressed button was drawn for.

    The campaign's row is locked first, so a second press waits and then finds it running.
    """
    async with conn.transaction():
        campaign = await campaigns.lock_for_launch(conn, campaign_id)
        if campaign is None:
            return Refused(Refusal.NO_CAMPAIGN, None, 1)
        latest = await current_run(conn, campaign_id)
        if expected_run is not None and expected_run != latest:
            return Refused(Refusal.STALE, campaign, latest)
        if campaign.status not in FINISHED or campaign.finished_at is None:
            return Refused(Refusal.NOT_FINISHED, campaign, latest)
        if campaign.started_at is None or await retryable(conn, campaign_id) == 0:
            return Refused(Refusal.NOTHING, campaign, latest)
        await freeze(conn, campaign_id, latest)
        following = latest + 1
        await run(conn, _Q, "open_run", campaign_id=campaign_id, run=following, created_by=actor_id)
        queued = await dicts(
            conn,
            _Q,
            "requeue",
            campaign_id=campaign_id,
            run=following,
            never=NEVER,
            channel_codes=CHANNEL_CODES,
        )
        again = await one(conn, Campaign, _Q, "run_again", campaign_id=campaign_id)
        assert again is not None and again.status is CampaignStatus.RUNNING  # locked above
        await audit.record(
            conn,
            actor_id,
            "campaign.retry",
            "campaign",
            campaign_id,
            run=following,
            requeued=len(queued),
        )
    accounts = sorted({row["account_id"] for row in queued})
    return Started(again, following, len(queued), accounts)
