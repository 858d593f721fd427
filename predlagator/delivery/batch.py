"""One planned batch of a drain: reserve its slots, then for each turn wait, re-check, mark
sending, send and record, giving back the slots it did not use."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from predlagator.db import channels, deliveries
from predlagator.db import pacing as slots
from predlagator.db.rows import Conn
from predlagator.delivery import outcomes, pacing
from predlagator.delivery.chat_updates import ChatUpdates
from predlagator.delivery.posting import Poster
from predlagator.delivery.sender import Peer, Sender
from predlagator.models import Claim
from predlagator.telegram_errors import TelegramFailure

if TYPE_CHECKING:
    from predlagator.delivery.drain import DrainDeps

# Posts that went out are recorded together, but the oldest waits no longer than about this
# (and none waits while the drain waits for a later slot), so the progress card is never more
# than a moment behind; one record per post would cost a round trip each at a fast pace.
RECORD_EVERY_S = 0.25


class Lookups:
    """First-time resolves, possibly started ahead of their turn."""

    def __init__(self, sender: Sender) -> None:
        self._sender = sender
        self._ahead: dict[int, asyncio.Task[Peer]] = {}

    def prefetch(self, claim: Claim) -> None:
        """Start resolving `claim`'s channel now if it was never resolved."""
        # Keyed by channel: two campaigns' rows to one new channel in a batch resolve it once.
        if claim.peer_id is None and claim.channel_id not in self._ahead:
            self._ahead[claim.channel_id] = asyncio.create_task(
                self._sender.resolve(claim.channel_ref)
            )

    def resolved(self, claim: Claim) -> bool:
        """Whether `claim`'s channel was already resolved in this batch."""
        task = self._ahead.get(claim.channel_id)
        return task is not None and task.done() and not task.cancelled() and not task.exception()

    async def get(self, claim: Claim) -> Peer:
        """The resolved peer; a failure surfaces here, at the claim's own turn."""
        task = self._ahead.get(claim.channel_id)
        if task is None:
            task = self._ahead[claim.channel_id] = asyncio.create_task(
                self._sender.resolve(claim.channel_ref)
            )
        return await task

    async def close(self) -> None:
        """Drop resolves nobody will use (the batch stopped early)."""
        for task in self._ahead.values():
            if not task.done():
                task.cancel()
        await asyncio.gather(*self._ahead.values(), return_exceptions=True)
        self._ahead.clear()


@dataclass
class _Unrecorded:
    """Outcomes not yet written: posts that went out, with their campaigns, and peers resolved."""

    sent: list[tuple[int, int | None]] = field(default_factory=list)
    campaigns: set[int] = field(default_factory=set)
    peers: list[tuple[int, Peer]] = field(default_factory=list)
    since: float = 0.0  # when the oldest of `sent` went out

    def take_sent(self) -> tuple[list[tuple[int, int | None]], set[int]]:
        sent, campaign_ids = self.sent, self.campaigns
        self.sent, self.campaigns = [], set()
        return sent, campaign_ids


@dataclass
class Batch:
    """Send one plan's turns in order; `send` says whether the drain may go on."""

    deps: DrainDeps
    conn: Conn
    account_id: int
    plan: pacing.Plan
    poster: Poster
    chat: ChatUpdates
    retry_limits: dict[int, int]
    _reached: int = 0
    _start: float = 0.0
    _late_s: float = 0.0  # how far the turns are moved back after a stall
    _unrecorded: _Unrecorded = field(default_factory=_Unrecorded)

    async def send(self) -> bool:
        """Reserve the plan's slots and send its turns; False when the drain must stop."""
        self._start = self.deps.monotonic()  # the plan's `now`: its claim just came back
        await slots.set_slots(
            self.conn, self.account_id, *self.plan.slots_until(len(self.plan.turns))
        )
        lookups = Lookups(self.deps.sender)
        # The first channel's first-time resolve overlaps the wait for the first slot.
        lookups.prefetch(self.plan.turns[0].claim)
        try:
            go_on = await self._turns(lookups)
        finally:
            await lookups.close()
        await self._record()
        if self._reached < len(self.plan.turns) or self._late_s > 0:
            # Stopped early (a pause, a cancel, a wait): the slots not used hold nothing. Moved
            # back after a stall: the next batch follows the posts as they went.
            kept = self.plan.slots_until(self._reached, self._late_s)
            await slots.set_slots(self.conn, self.account_id, *kept)
        return go_on

    async def _turns(self, lookups: Lookups) -> bool:
        turns = self.plan.turns
        for index, turn in enumerate(turns):
            claim = turn.claim
            marked = False
            try:
                peer = await self._peer(claim, lookups)
                await self._wait_turn(claim, self._moment(index))
                self._reached = index + 1
                # The last look at the campaign and the mark, in one statement: a pause or
                # cancel committed a moment ago stops this post; the rest stay queued.
                marked = await deliveries.mark_sending(
                    self.conn, claim.delivery_id, claim.template_id or None
                )
                if not marked:
                    return True
                await self._leave(claim)
                message_id = await self.poster.post(self.conn, peer, claim)
                if index + 1 < len(turns):
                    # The next channel's first-time resolve overlaps the wait for its slot.
                    # Never this send: one request at a time, so nothing is in flight when
                    # Telegram answers with a flood wait.
                    lookups.prefetch(turns[index + 1].claim)
            except TelegramFailure as failure:
                await self._record()
                if not marked:  # a failed first-time resolve counts as an attempt too
                    await deliveries.mark_sending(self.conn, claim.delivery_id)
                limit = self.retry_limits.get(claim.campaign_id, 0)
                effects = await outcomes.record_failure(
                    self.conn, self.account_id, claim, failure, limit, self.deps.policy
                )
                await self.chat.after(claim.campaign_id, effects)
                if effects.stop_draining:
                    return False
            else:
                unrecorded = self._unrecorded
                if not unrecorded.sent:
                    unrecorded.since = self.deps.monotonic()
                unrecorded.sent.append((claim.delivery_id, message_id))
                unrecorded.campaigns.add(claim.campaign_id)
                await self._record_if_due(index)
        return True

    async def _record_if_due(self, index: int) -> None:
        """Record what went out when the oldest has waited RECORD_EVERY_S, or before a wait
        for a slot that long; a campaign's last pending post is recorded at once, and ends
        the campaign if nothing else is left."""
        claim = self.plan.turns[index].claim
        if claim.last_pending:
            await self._record()
            await self.chat.after(claim.campaign_id, outcomes.Effects(final=True))
            return
        if index + 1 == len(self.plan.turns):
            return  # the batch's end records it
        now = self.deps.monotonic()
        if (
            now - self._unrecorded.since >= RECORD_EVERY_S
            or self._moment(index + 1) - now >= RECORD_EVERY_S
        ):
            await self._record()

    async def _record(self) -> None:
        """Write the posts and peers not yet written, in one statement each."""
        sent, campaign_ids = self._unrecorded.take_sent()
        if self._unrecorded.peers:
            await channels.save_peers(self.conn, self.account_id, self._unrecorded.peers)
            self._unrecorded.peers = []
        if sent:
            await deliveries.mark_sent_many(self.conn, sent, self.deps.policy.timezone)
            await self.chat.recorded(campaign_ids)

    async def _peer(self, claim: Claim, lookups: Lookups) -> Peer:
        """The channel as this account knows it; resolved once, then stored with a record."""
        if claim.peer_type is not None and claim.peer_id is not None:
            return Peer(
                peer_type=claim.peer_type,
                peer_id=claim.peer_id,
                access_hash=claim.access_hash or 0,
            )
        known = lookups.resolved(claim)
        peer = await lookups.get(claim)
        if not known:  # a channel two campaigns share in this batch is stored once
            self._unrecorded.peers.append((claim.channel_id, peer))
        return peer

    async def _leave(self, claim: Claim) -> None:
        """The mark is done: hold the post the moment a mark quicker than an earlier one would
        gain on the windows (usually none), so what reaches Telegram keeps them too, and count
        it from when its request reaches the transport."""
        await self._hold(self.deps.left, claim, self.deps.monotonic())
        # The send below hands its request to Telethon's send loop (a task) without yielding;
        # the loop gets to it behind whatever other drains made ready, and the process may be
        # descheduled meanwhile. That lag is the post's: once the loop has gone round a few
        # times more (the send loop, the connection's writer, the socket), the post counts
        # from then, so the post a window later waits for it.
        scopes = [scope for scope, _ in self._scopes(claim)]
        pacing.settle_once_sent(self.deps.left, scopes, self.deps.monotonic)

    async def _hold(self, log: pacing.PostLog, claim: Claim, moment: float) -> tuple[float, bool]:
        """Wait from `moment` on as long as the account's pace and its share of the campaign's
        in `log` need, then count the post there; return that moment, and whether a window held
        it. The share is keyed by campaign and account: a worker serving several accounts of one
        campaign keeps each share's windows apart, as each is paced by its own drain."""
        scopes = self._scopes(claim)
        for scope, rate in scopes:
            moment = log.after_gap(scope, rate, moment)
        gapped = moment
        for scope, rate in scopes:
            moment = log.after_windows(scope, rate, moment)
        delay = moment - self.deps.monotonic()
        if delay > 0:
            await self.deps.sleep(delay)
        now = self.deps.monotonic()
        log.record([scope for scope, _ in scopes], now)
        return now, moment > gapped

    def _scopes(self, claim: Claim) -> list[tuple[pacing.Scope, float]]:
        """The paces a post of `claim` counts in, with their rates."""
        return [
            (("account", self.account_id, 0), claim.account_rate),
            (("campaign", claim.campaign_id, self.account_id), claim.campaign_rate),
        ]

    def _moment(self, index: int) -> float:
        """Turn `index`'s slot on this process's clock."""
        return self._start + self.plan.offset_s(index) + self._late_s

    async def _wait_turn(self, claim: Claim, slot: float) -> None:
        """Wait for the slot, and as long as the account's and the campaign's pace need
        whatever ran late before: posts that woke late catch up, as far as the windows allow;
        when one holds a post back, the rest of the batch moves back with it."""
        now, held = await self._hold(self.deps.let_go, claim, slot)
        if held:
            self._late_s += now - slot
