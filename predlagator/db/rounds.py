"""Recurring campaigns' rounds: the rule on the campaign, and moving from one round to the next."""

from __future__ import annotations

from datetime import UTC, datetime

from psycopg.types.json import Jsonb

from predlagator import recurrence
from predlagator.db import actions, deliveries, retries
from predlagator.db.rows import Conn, dicts, one, run
from predlagator.models import Campaign, CampaignStatus

_Q = "rounds"


async def set_rule(conn: Conn, campaign_id: int, rule: recurrence.Rule | None) -> Campaign | None:
    """Make a campaign not started yet recurring by `rule` (None: sent once)."""
    raw = None if rule is None else Jsonb(rule.to_json())
    return await one(conn, Campaign, _Q, "set_rule", id=campaign_id, rule=raw)


async def plan_next(
    conn: Conn, campaign_id: int, round_no: int, at: datetime | None
) -> Campaign | None:
    """Set when the round after `round_no` (the current one) starts; None: no round after it."""
    return await one(conn, Campaign, _Q, "plan_next", id=campaign_id, round=round_no, at=at)


async def advance(conn: Conn, campaign_id: int, from_round: int, tz: str) -> Campaign | None:
    """Start round `from_round` + 1 of a campaign waiting between rounds, its time come: the
    round number moves on, the round before's numbers are frozen into its run and the new
    round's ledger is laid out, in the caller's transaction. None when it is not the moment
    (another starter did it, paused, cancelled, not yet due)."""
    before = await one(conn, Campaign, "campaigns", "lock_for_launch", id=campaign_id)
    if before is None or before.status is not CampaignStatus.SCHEDULED:
        return None
    rule = recurrence.from_json(before.repeat)
    if rule is None or before.round != from_round or before.next_round_at is None:
        return None
    # The round before's numbers first: its run's start is the campaign's until it moves on.
    latest = await retries.current_run(conn, campaign_id)
    following = recurrence.following(rule, from_round + 1, before.next_round_at, tz)
    started = await one(
        conn, Campaign, _Q, "advance", id=campaign_id, round=from_round, next_at=following
    )
    if started is None:
        return None  # not due yet: nothing written (the transaction is the caller's)
    await retries.freeze(conn, campaign_id, latest)
    await run(conn, _Q, "end_run", campaign_id=campaign_id, run=latest)
    await run(conn, _Q, "open_run", campaign_id=campaign_id, run=latest + 1, round=started.round)
    await deliveries.snapshot(conn, campaign_id, latest + 1)
    if rule.delete_previous:
        await _delete_previous(conn, campaign_id, from_round)
    return started


async def _delete_previous(conn: Conn, campaign_id: int, previous: int) -> None:
    """Open the delete of round `previous`'s posts and hold the new round's rows until it ends
    (a delete with nothing to take down holds nothing)."""
    made = await dicts(conn, _Q, "delete_round", campaign_id=campaign_id, round=previous)
    if not made:
        return
    targets = await actions.resnapshot(conn, made[0]["id"])
    if targets:
        await run(conn, _Q, "hold", campaign_id=campaign_id, round=previous + 1)


async def release(conn: Conn, action_ids: list[int] | None) -> list[int]:
    """The deletes of previous rounds among `action_ids` (None: all) ended: their next rounds'
    rows go now; return the accounts that hold them."""
    rows = await dicts(conn, _Q, "release", ids=action_ids)
    return sorted({row["account_id"] for row in rows})


async def open_first(conn: Conn, campaign: Campaign, tz: str) -> Campaign | None:
    """At a recurring campaign's launch: round 1's run, and when round 2 starts (from round 1's
    due time: its start time, or now). None for a campaign sent once."""
    rule = recurrence.from_json(campaign.repeat)
    if rule is None or campaign.round != 1:
        return None
    await run(conn, _Q, "open_run", campaign_id=campaign.id, run=1, round=1)
    due_at = campaign.start_at or campaign.started_at or datetime.now(UTC)
    return await plan_next(conn, campaign.id, 1, recurrence.following(rule, 1, due_at, tz))


async def between(conn: Conn, campaign: Campaign) -> bool:
    """Whether a recurring campaign waits between rounds (scheduled, with its ledger made)."""
    if campaign.repeat is None or campaign.status is not CampaignStatus.SCHEDULED:
        return False
    return await deliveries.has_ledger(conn, campaign.id)


async def due(conn: Conn) -> list[tuple[int, int]]:
    """(campaign, current round) of recurring campaigns whose next round's time has come."""
    return [(row["id"], row["round"]) for row in await dicts(conn, _Q, "due")]
