"""Pacing: plan a batch's send moments from the paces its claim read, and keep every window of
every pace within its rate, whatever ran late.

Every pace binds its own scope only: the account's pace the sum of its posts, a campaign's
pace that campaign's, split among its accounts by their paces, each share paced by the drain
of its account (a share is "the campaign" below, and in a plan). The slots live in
PostgreSQL (db/pacing.py) so they hold across processes; the window guard (`PostLog`) lives in
the worker that holds the account's session.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from predlagator.models import Claim

# Slots lie this much farther apart than the rate's interval, which leaves 0.3 s a minute of
# room for posts that wake late: without it, the window guard below would hold back nearly
# every post, a little more each time.
SLOT_SPACING = 0.005
# After a stall, posts catch up with their slots, but never closer than this share of an
# interval to the previous one (a burst looks like a bot), and only as far as the windows allow:
# once one of them holds a post back, the rest of the batch moves back with it instead of
# riding the window's edge for minutes.
MIN_GAP_SHARE = 0.5
# No window of these lengths holds more posts than its pace puts in it (a pace is per minute,
# and operators and Telegram look at the last seconds too). A post counts from after its
# request was handed on to be written out (Batch._leave settles it then), and its windows are
# kept 0.4 % longer (less than SLOT_SPACING, so posts at their slots are never held back).
# Counting from the mark missed what came between: other drains' work in the event loop and the
# process being descheduled held a request up to 14 ms (bench/accounts.py: 11 posts in one
# second at 10 a second, about once in 3,000, even on a quiet machine).
WINDOWS_S = (1.0, 10.0, 60.0)
WINDOW_MARGIN = 0.004
# Up to a minute of posts at the highest rate the settings allow (6000 a minute); a window
# needing more memory than this (a faster benchmark pace) is not guarded.
GUARD_MEMORY = 6000


# Event-loop rounds from a request's call to Telethon writing it out (its send loop, the
# connection's writer, the socket).
TRANSPORT_ROUNDS = 3


def settle_once_sent(log: PostLog, scopes: Sequence[Scope], monotonic: Callable[[], float]) -> None:
    """Once the event loop has gone round TRANSPORT_ROUNDS times more (the request just made
    is written out by then), count the post in `log` from that moment if it is later."""

    def after(rounds: int) -> None:
        if rounds <= 0:
            log.settle(scopes, monotonic())
        else:
            asyncio.get_running_loop().call_soon(after, rounds - 1)

    after(TRANSPORT_ROUNDS)


def interval_s(rate_per_minute: float) -> float:
    """Seconds between two posts at a rate."""
    return 60.0 / rate_per_minute


@dataclass(frozen=True)
class Turn:
    """One claimed delivery and the moment it may go out."""

    claim: Claim
    slot: datetime


@dataclass
class Plan:
    """A batch's turns in send order, and every pace's slots before and after it."""

    now: datetime  # the clock the claim was read against
    turns: list[Turn]
    account_before: datetime | None
    campaigns_before: dict[int, datetime | None]

    @property
    def first_at(self) -> datetime:
        """When the first post may go out."""
        return self.turns[0].slot

    @property
    def wait_s(self) -> float:
        """Seconds from the claim to the first post."""
        return max((self.first_at - self.now).total_seconds(), 0.0)

    def offset_s(self, index: int) -> float:
        """Seconds from the claim to turn `index`."""
        return (self.turns[index].slot - self.now).total_seconds()

    def slots_until(
        self, reached: int, late_s: float = 0.0
    ) -> tuple[datetime | None, dict[int, datetime | None]]:
        """The account's and each campaign's last slot once the first `reached` turns are
        used (`late_s` later than planned): the whole reservation, or what a batch that
        stopped early or fell behind keeps of it."""
        late = timedelta(seconds=late_s)
        account = self.account_before
        campaigns = dict(self.campaigns_before)
        for turn in self.turns[:reached]:
            account = turn.slot + late
            campaigns[turn.claim.campaign_id] = turn.slot + late
        return account, campaigns


def plan(
    claims: Sequence[Claim],
    *,
    spacing: float = SLOT_SPACING,
    jitter: float = 0.0,
    rng: random.Random | None = None,
) -> Plan:
    """Give each claimed row its slot: one account interval after the account's previous post
    and one of its campaign's own intervals after that campaign's previous post, whichever is
    later, and never before now. Each gap is stretched by up to `jitter` of itself, never
    shortened. The next turn goes to the campaign whose slot comes first; ties keep the
    claim's order (the campaign served least recently first)."""
    draw = (rng or random).random
    first = claims[0]
    now = first.now

    def gap(rate: float) -> timedelta:
        return timedelta(seconds=interval_s(rate) * (1 + spacing) * (1 + jitter * draw()))

    def after(slot: datetime | None, rate: float) -> datetime:
        return now if slot is None else max(now, slot + gap(rate))

    queues: dict[int, deque[tuple[int, Claim]]] = {}
    for order, claim in enumerate(claims):
        queues.setdefault(claim.campaign_id, deque()).append((order, claim))
    account_next = after(first.account_slot_at, first.account_rate)
    campaign_next = {
        cid: after(rows[0][1].campaign_slot_at, rows[0][1].campaign_rate)
        for cid, rows in queues.items()
    }
    turns: list[Turn] = []
    while queues:
        cid = min(queues, key=lambda c: (max(campaign_next[c], account_next), queues[c][0][0]))
        _, claim = queues[cid].popleft()
        if not queues[cid]:
            del queues[cid]
        slot = max(campaign_next[cid], account_next)
        turns.append(Turn(claim, slot))
        account_next = slot + gap(claim.account_rate)
        campaign_next[cid] = slot + gap(claim.campaign_rate)
    before = {c.campaign_id: c.campaign_slot_at for c in claims}
    return Plan(now, turns, first.account_slot_at, before)


# ("account", account id, 0), or ("campaign", campaign id, account id): one account's share.
Scope = tuple[str, int, int]


@dataclass
class PostLog:
    """When the latest posts of each scope went out, on this process's clock.

    It keeps every window of `WINDOWS_S` within the scope's rate and no two posts closer than
    `MIN_GAP_SHARE` of an interval, when posts that woke late catch up with their slots.
    The worker keeps two, across its drains of an account so a handover forgets nothing: one
    of the moments posts were let go (their slot came), which the wait for a slot goes by, and
    one of the moments they left (their mark done), which holds a post back for the few
    milliseconds a mark that went quicker than an earlier one would otherwise gain.
    """

    margin: float = 0.0  # each window is kept this share longer
    memory: int = GUARD_MEMORY
    _posts: dict[Scope, deque[float]] = field(default_factory=dict)

    def after_gap(self, scope: Scope, rate_per_minute: float, moment: float) -> float:
        """`moment`, or later if the scope's last post was less than the shortest gap before."""
        posts = self._posts.get(scope)
        if not posts:
            return moment
        return max(moment, posts[-1] + interval_s(rate_per_minute) * MIN_GAP_SHARE)

    def after_windows(self, scope: Scope, rate_per_minute: float, moment: float) -> float:
        """`moment`, or later if a window ending then would hold more than the scope's rate."""
        posts = self._posts.get(scope)
        if not posts:
            return moment
        for window in WINDOWS_S:
            # At an even pace, a window holds this many posts at most (2 for 10 s at 10/min).
            fits = math.ceil(window * rate_per_minute / 60.0 - 1e-9)
            if 0 < fits <= len(posts):
                moment = max(moment, posts[-fits] + window * (1 + self.margin))
        return moment

    def record(self, scopes: Sequence[Scope], moment: float) -> None:
        """A post of these scopes went out at `moment`."""
        for scope in scopes:
            posts = self._posts.get(scope)
            if posts is None:
                posts = self._posts[scope] = deque(maxlen=self.memory)
            posts.append(moment)

    def settle(self, scopes: Sequence[Scope], moment: float) -> None:
        """The post these scopes recorded last went out at `moment` after all, if that is
        later: its request reached the transport only once the event loop got to it."""
        for scope in scopes:
            posts = self._posts.get(scope)
            if posts:
                posts[-1] = max(posts[-1], moment)

    def forget_before(self, moment: float) -> None:
        """Drop scopes that last posted before `moment` minus the longest window."""
        horizon = moment - max(WINDOWS_S)
        for scope in [s for s, posts in self._posts.items() if posts[-1] < horizon]:
            del self._posts[scope]
