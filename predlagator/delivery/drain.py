"""The drain: one account's loop of claim, pace, re-check, mark sending, send, record."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import procrastinate

from predlagator.db import accounts, audit, campaigns, channels, deliveries
from predlagator.db.pool import Pool
from predlagator.db.rows import Conn
from predlagator.delivery import outcomes
from predlagator.delivery.policy import Policy
from predlagator.delivery.posting import Poster
from predlagator.delivery.sender import Peer, Sender
from predlagator.models import Claim
from predlagator.queue import defer
from predlagator.telegram_errors import TelegramFailure

log = logging.getLogger(__name__)

# A drain hands over to a fresh job after this long, so no job runs for hours.
HANDOVER_S = 240.0
# The card is asked to refresh at most this often per campaign from one drain.
REFRESH_EVERY_S = 1.5
# A batch holds about this many seconds of the pace (one row when the pace is slow), so a fast
# campaign saves round trips; the campaign's status is still read before every post.
# Campaigns sharing an account take turns batch by batch.
BATCH_S = 5.0
MAX_BATCH = 500
# Slots lie this much farther apart than the rate's interval, which leaves 0.3 s a minute of
# room for posts that wake late: without it, the per-minute guard below would hold back
# nearly every post, a little more each time.
SLOT_SPACING = 0.005
# After a stall, posts catch up with their slots, but never closer than this share of an
# interval to the previous one (a burst looks like a bot); the per-minute guard still holds.
MIN_GAP_SHARE = 0.5
# The rate is per minute, so the guard remembers up to the highest rate's minute of posts.
GUARD_WINDOW_S = 60.0
GUARD_MEMORY = 6000


@dataclass
class DrainDeps:
    """What a drain needs: the database, the queue, the account's sender and the knobs."""

    pool: Pool
    app: procrastinate.App
    sender: Sender
    policy: Policy = field(default_factory=Policy)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    monotonic: Callable[[], float] = time.monotonic


@dataclass
class _Batch:
    """Outcomes of a batch not yet written: posts that went out and peers resolved."""

    sent: list[tuple[int, int | None]] = field(default_factory=list)
    peers: list[tuple[int, Peer]] = field(default_factory=list)


class _Lookups:
    """First-time resolves, possibly started ahead of their turn."""

    def __init__(self, sender: Sender) -> None:
        self._sender = sender
        self._ahead: dict[int, asyncio.Task[Peer]] = {}

    def prefetch(self, claim: Claim) -> None:
        """Start resolving `claim`'s channel now if it was never resolved."""
        if claim.peer_id is None and claim.delivery_id not in self._ahead:
            self._ahead[claim.delivery_id] = asyncio.create_task(
                self._sender.resolve(claim.channel_ref)
            )

    async def get(self, claim: Claim) -> Peer:
        """The resolved peer; a failure surfaces here, at the claim's own turn."""
        task = self._ahead.pop(claim.delivery_id, None)
        return await task if task is not None else await self._sender.resolve(claim.channel_ref)

    async def close(self) -> None:
        """Drop resolves nobody will use (the batch stopped early)."""
        for task in self._ahead.values():
            task.cancel()
        await asyncio.gather(*self._ahead.values(), return_exceptions=True)
        self._ahead.clear()


class Drain:
    """Drain one account's due deliveries until none is due, a wait starts or time is up."""

    def __init__(self, deps: DrainDeps, account_id: int, handover_s: float = HANDOVER_S) -> None:
        self.deps = deps
        self.account_id = account_id
        self.deadline = deps.monotonic() + handover_s
        self._refreshed: dict[int, float] = {}
        self._retry_limits: dict[int, int] = {}
        self._recent: deque[float] = deque(maxlen=GUARD_MEMORY)
        self._conn: Conn | None = None
        self._poster = Poster(deps.sender)

    @property
    def conn(self) -> Conn:
        """The drain's own connection: it works one step at a time, so one is enough."""
        assert self._conn is not None, "only while running"
        return self._conn

    async def run(self) -> None:
        """Loop until there is nothing due, the account must wait, or it is time to hand over."""
        async with self.deps.pool.connection() as conn:
            # The drain's records need not wait for the disk: if the database crashes and loses
            # the last few, those posts are sent again with their stored random_id, and Telegram
            # answers with the original message. Waiting for a flush per post would cost ms each.
            await conn.execute("SET synchronous_commit TO off")
            self._conn = conn
            try:
                await self._run()
            finally:
                self._conn = None
                if not conn.closed:
                    await conn.execute("RESET synchronous_commit")

    async def _run(self) -> None:
        if not await self._ready():
            return
        while True:
            claims = await deliveries.claim(
                self.conn, self.account_id, limit=MAX_BATCH, batch_s=BATCH_S
            )
            if not claims:
                for done in await campaigns.complete_all_done(self.conn, self.account_id):
                    await defer.campaign_finished(self.deps.app, done.id)
                await self._schedule_next()
                return
            if not await self._send_batch(claims):
                return
            if self.deps.monotonic() >= self.deadline:
                await defer.kick_drain(self.deps.app, self.account_id)
                return

    async def _ready(self) -> bool:
        """Check the account may send now; end waits that are over."""
        account = await accounts.get(self.conn, self.account_id)
        if account is None or account.status != "active":
            return False
        if account.flood_until is not None and account.flood_until > datetime.now(UTC):
            # Someone resumed a campaign during the wait: it waits too.
            await campaigns.enter_waiting(self.conn, self.account_id, account.flood_until)
            await defer.kick_drain(self.deps.app, self.account_id, at=account.flood_until)
            return False
        # Only one drain of an account runs, in the process holding its session: rows still
        # `sending` were left by one that died mid-post. Back to the queue, same random_id.
        await deliveries.release_interrupted(self.conn, self.account_id)
        resumed = await campaigns.resume_waiting(self.conn, self.account_id)
        for campaign in resumed:
            await audit.record(
                self.conn,
                None,
                "campaign.resumed_after_wait",
                "campaign",
                campaign.id,
                account_id=self.account_id,
            )
            await defer.notify(self.deps.app, campaign.id, "resumed")
            await self._refresh(campaign.id, force=True)
        return True

    async def _send_batch(self, claims: list[Claim]) -> bool:
        """Send one campaign's batch at its pace; False when the drain must stop."""
        campaign_id = claims[0].campaign_id
        lookups = _Lookups(self.deps.sender)
        # The first channel's first-time resolve overlaps the wait for the first slot.
        lookups.prefetch(claims[0])
        slots = await accounts.reserve_slots(
            self.conn,
            self.account_id,
            campaign_id,
            len(claims),
            jitter=self.deps.policy.pacing_jitter,
            spacing=SLOT_SPACING,
        )
        start = self.deps.monotonic() + slots.wait_s
        retry_limit = await self._retry_limit(campaign_id)
        pending = _Batch()
        try:
            for index, claim in enumerate(claims):
                marked = False
                try:
                    peer = await self._peer(claim, pending, lookups)
                    await self._wait_turn(
                        start + slots.offsets[index], slots.interval_s / (1 + SLOT_SPACING)
                    )
                    # The last look at the campaign and the mark, in one statement: a pause or
                    # cancel committed a moment ago stops this post; the rest stay queued.
                    marked = await deliveries.mark_sending(self.conn, claim.delivery_id)
                    if not marked:
                        await self._flush(campaign_id, pending)
                        return True
                    message_id = await self._poster.post(self.conn, peer, claim)
                    if index + 1 < len(claims):
                        # The next channel's first-time resolve overlaps the wait for its slot.
                        # Never this send: one request at a time, so nothing is in flight when
                        # Telegram answers with a flood wait.
                        lookups.prefetch(claims[index + 1])
                except TelegramFailure as failure:
                    await self._flush(campaign_id, pending)
                    pending = _Batch()
                    if not marked:  # a failed first-time resolve counts as an attempt too
                        await deliveries.mark_sending(self.conn, claim.delivery_id)
                    effects = await outcomes.record_failure(
                        self.conn, self.account_id, claim, failure, retry_limit, self.deps.policy
                    )
                    await self._after(campaign_id, effects)
                    if effects.stop_draining:
                        return False
                else:
                    pending.sent.append((claim.delivery_id, message_id))
        finally:
            await lookups.close()
        await self._flush(campaign_id, pending, maybe_done=len(claims) < claims[0].batch)
        return True

    async def _peer(self, claim: Claim, pending: _Batch, lookups: _Lookups) -> Peer:
        """The channel as this account knows it; resolved once, then stored with the batch."""
        if claim.peer_type is not None and claim.peer_id is not None:
            return Peer(
                peer_type=claim.peer_type,
                peer_id=claim.peer_id,
                access_hash=claim.access_hash or 0,
            )
        peer = await lookups.get(claim)
        pending.peers.append((claim.channel_id, peer))
        return peer

    async def _wait_turn(self, slot: float, interval: float) -> None:
        """Wait for the slot, never closer than MIN_GAP_SHARE of an interval to the last post,
        and never more posts in a minute than the rate allows, whatever ran late before."""
        earliest = slot
        if self._recent:
            earliest = max(earliest, self._recent[-1] + interval * MIN_GAP_SHARE)
        per_minute = int(GUARD_WINDOW_S / interval) if interval > 0 else 0
        if 0 < per_minute <= len(self._recent):
            earliest = max(earliest, self._recent[-per_minute] + GUARD_WINDOW_S)
        await self._sleep_until(earliest)
        self._recent.append(self.deps.monotonic())

    async def _flush(self, campaign_id: int, pending: _Batch, *, maybe_done: bool = True) -> None:
        """Write a batch's posts and peers in one go, then finish or refresh the campaign.

        `maybe_done` False (the claim was full, so more rows were due) saves asking whether the
        campaign is complete.
        """
        if not pending.sent and not pending.peers:
            return
        await channels.save_peers(self.conn, self.account_id, pending.peers)
        await deliveries.mark_sent_many(self.conn, pending.sent)
        if pending.sent:
            await self._after(campaign_id, outcomes.Effects(final=maybe_done))

    async def _after(self, campaign_id: int, effects: outcomes.Effects) -> None:
        """Tell the chat what changed and finish the campaign when nothing is left."""
        app = self.deps.app
        if effects.resume_at is not None:
            await defer.kick_drain(app, self.account_id, at=effects.resume_at)
            for campaign in effects.waiting:
                await defer.notify(
                    app,
                    campaign.id,
                    "flood_wait",
                    until=effects.resume_at.isoformat(),
                    seconds=_seconds_until(effects.resume_at),
                )
                await self._refresh(campaign.id, force=True)
        for campaign in effects.paused:
            await defer.notify(
                app, campaign.id, "account_stopped", reason=campaign.status_reason or ""
            )
            await self._refresh(campaign.id, force=True)
        if effects.deactivated:
            channels_gone = [channel.params() for channel in effects.deactivated]
            await defer.notify(app, campaign_id, "channels_deactivated", channels=channels_gone)
        if effects.final:
            done = await campaigns.complete_if_done(self.conn, campaign_id)
            if done is not None:
                await defer.campaign_finished(app, done.id)
                return
        await self._refresh(campaign_id)

    async def _retry_limit(self, campaign_id: int) -> int:
        if campaign_id not in self._retry_limits:
            campaign = await campaigns.get(self.conn, campaign_id)
            self._retry_limits[campaign_id] = campaign.retry_limit if campaign else 0
        return self._retry_limits[campaign_id]

    async def _refresh(self, campaign_id: int, *, force: bool = False) -> None:
        now = self.deps.monotonic()
        if force or now - self._refreshed.get(campaign_id, -REFRESH_EVERY_S) >= REFRESH_EVERY_S:
            self._refreshed[campaign_id] = now
            await defer.refresh_progress(self.deps.app, campaign_id)

    async def _sleep_until(self, moment: float) -> None:
        delay = moment - self.deps.monotonic()
        if delay > 0:
            await self.deps.sleep(delay)

    async def _schedule_next(self) -> None:
        """Nothing is due now: kick again when the earliest retry comes due."""
        at = await deliveries.next_due(self.conn, self.account_id)
        if at is not None:
            await defer.kick_drain(self.deps.app, self.account_id, at=at)


def _seconds_until(at: datetime) -> int:
    return max(int((at - datetime.now(UTC)).total_seconds() + 0.999), 0)
