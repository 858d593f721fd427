"""Reach reads in the gaps of an account's pace: how many fit before its next post, and the read.

A read takes one of the account's pace slots, as a post or an action does, but only one that no
post would have taken: when nothing else is due, or as many as end one slot before the next
post's slot, so that post's slot does not move (docs/after-send-plan.md, "Reach").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from predlagator.db import action_rows
from predlagator.db.rows import Conn
from predlagator.delivery import action_batch, pacing
from predlagator.delivery.chat_updates import ChatUpdates
from predlagator.delivery.post_actions import PostActions

if TYPE_CHECKING:
    from predlagator.delivery.drain import DrainDeps

# Reads go in batches this short (one read at least), so a campaign started meanwhile waits at
# most about this long for its first post; at most this many rows per claim.
REACH_BATCH_S = 2.0
REACH_BATCH_MAX = 50
# Campaigns whose paces add up to this share of the account's leave no gap for reads.
FULL_PACE = 0.9


def fills_pace(plan: pacing.Plan) -> bool:
    """Whether the planned campaigns' own paces together take (nearly) all the account's."""
    rates = {turn.claim.campaign_id: turn.claim.campaign_rate for turn in plan.turns}
    return sum(rates.values()) >= plan.turns[0].claim.account_rate * FULL_PACE


def reach_fits(account_rate: float, plan: pacing.Plan | None, jitter: float) -> int:
    """How many reads fit now: a short batch when no post is due, else as many account slots
    as end one slot before the next post, so its slot does not move."""
    slot_s = pacing.interval_s(account_rate) * (1 + pacing.SLOT_SPACING) * (1 + jitter)
    short = max(1, int(REACH_BATCH_S / slot_s))
    if plan is None:
        return short
    return min(short, int(plan.wait_s / slot_s) - 1)


class GapRead(NamedTuple):
    """What a look for reach reads did: whether the drain may go on (None: nothing read),
    whether its posts should go one per turn meanwhile, and whether any read was due."""

    go_on: bool | None
    gaps: bool
    due: bool


async def read_in_gap(
    deps: DrainDeps,
    conn: Conn,
    account_id: int,
    actions: PostActions,
    chat: ChatUpdates,
    plan: pacing.Plan | None,
) -> GapRead:
    """Read what fits before `plan`'s first post (all of a short batch without one).

    Its posts should go one per turn while reads are due and the campaigns leave gaps: a batch
    holds the drain for its whole span, and the gaps inside it would go unread.
    """
    claims = await action_rows.claim_reach(conn, account_id, limit=REACH_BATCH_MAX, now=deps.now())
    gaps = bool(claims) and (plan is None or not fills_pace(plan))
    fits = reach_fits(claims[0].account_rate, plan, deps.policy.pacing_jitter) if claims else 0
    if fits < 1:
        return GapRead(None, gaps, bool(claims))
    deps.let_go.forget_before(deps.monotonic())
    deps.left.forget_before(deps.monotonic())
    batch = action_batch.ActionBatch(deps, conn, account_id, actions, claims[:fits], chat)
    return GapRead(await batch.send(), gaps, True)
