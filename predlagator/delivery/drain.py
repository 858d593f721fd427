"""The drain: one account's loop of claim, pace, re-check, mark sending, send, record."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import procrastinate

from predlagator.db import accounts, campaigns, channels, deliveries
from predlagator.db.pool import Pool
from predlagator.db.rows import Conn
from predlagator.delivery import outcomes
from predlagator.delivery.errors import TelegramFailure
from predlagator.delivery.policy import Policy
from predlagator.delivery.sender import Peer, Sender
from predlagator.models import AccountPeer, Campaign, Claim
from predlagator.queue import defer

log = logging.getLogger(__name__)

# A drain hands over to a fresh job after this long, so no job runs for hours.
HANDOVER_S = 240.0
# The card is asked to refresh at most this often per campaign from one drain.
REFRESH_EVERY_S = 1.5


@dataclass
class DrainDeps:
    """What a drain needs: the database, the queue, the account's sender and the knobs."""

    pool: Pool
    app: procrastinate.App
    sender: Sender
    policy: Policy = field(default_factory=Policy)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    monotonic: Callable[[], float] = time.monotonic


class Drain:
    """Drain one account's due deliveries until none is due, a wait starts or time is up."""

    def __init__(self, deps: DrainDeps, account_id: int, handover_s: float = HANDOVER_S) -> None:
        self.deps = deps
        self.account_id = account_id
        self.deadline = deps.monotonic() + handover_s
        self._refreshed: dict[int, float] = {}
        self._retry_limits: dict[int, int] = {}

    async def run(self) -> None:
        """Loop until there is nothing due, the account must wait, or it is time to hand over."""
        if not await self._ready():
            return
        while True:
            async with self.deps.pool.connection() as conn:
                claims = await deliveries.claim(conn, self.account_id, limit=1)
            if not claims:
                await self._schedule_next()
                return
            for claim in claims:
                if not await self._deliver(claim):
                    return
            if self.deps.monotonic() >= self.deadline:
                await defer.kick_drain(self.deps.app, self.account_id)
                return

    async def _ready(self) -> bool:
        """Check the account may send now; end waits that are over."""
        async with self.deps.pool.connection() as conn:
            account = await accounts.get(conn, self.account_id)
            if account is None or account.status != "active":
                return False
            now = datetime.now(UTC)
            if account.flood_until is not None and account.flood_until > now:
                # Someone resumed a campaign during the wait: it waits too.
                await campaigns.enter_waiting(conn, self.account_id, account.flood_until)
                await defer.kick_drain(self.deps.app, self.account_id, at=account.flood_until)
                return False
            resumed = await campaigns.resume_waiting(conn, self.account_id)
        for campaign in resumed:
            await defer.notify(self.deps.app, campaign.id, "resumed")
            await self._refresh(campaign.id, force=True)
        return True

    async def _deliver(self, claim: Claim) -> bool:
        """Send one claimed delivery; False when the drain must stop."""
        async with self.deps.pool.connection() as conn:
            wait_s = await accounts.reserve_slot(conn, self.account_id, claim.campaign_id)
        if wait_s > 0:
            await self.deps.sleep(wait_s)
        async with self.deps.pool.connection() as conn:
            # The last look at the campaign before the request: a pause lands here.
            if not await deliveries.mark_sending(conn, claim.delivery_id):
                return True
            retry_limit = await self._retry_limit(conn, claim.campaign_id)
        try:
            peer = await self._peer(claim)
            message_id = await self.deps.sender.send(peer, claim.html, claim.random_id)
        except TelegramFailure as failure:
            async with self.deps.pool.connection() as conn:
                effects = await outcomes.record_failure(
                    conn, self.account_id, claim, failure, retry_limit, self.deps.policy
                )
        else:
            async with self.deps.pool.connection() as conn:
                effects = await outcomes.record_sent(conn, claim, message_id)
        await self._after(claim, effects)
        return not effects.stop_draining

    async def _peer(self, claim: Claim) -> Peer:
        """The channel as this account knows it; resolved once, then stored."""
        if claim.peer_type is not None and claim.peer_id is not None:
            return Peer(
                peer_type=claim.peer_type,
                peer_id=claim.peer_id,
                access_hash=claim.access_hash or 0,
            )
        peer = await self.deps.sender.resolve(claim.channel_ref)
        async with self.deps.pool.connection() as conn:
            await channels.save_peer(
                conn,
                AccountPeer(
                    account_id=self.account_id,
                    channel_id=claim.channel_id,
                    peer_type=peer.peer_type,
                    peer_id=peer.peer_id,
                    access_hash=peer.access_hash,
                ),
            )
            if peer.title:
                await channels.set_title(conn, claim.channel_id, peer.title)
        return peer

    async def _after(self, claim: Claim, effects: outcomes.Effects) -> None:
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
            await defer.notify(
                app,
                claim.campaign_id,
                "channels_deactivated",
                channels=[{"ref": r, "reason": why} for r, why in effects.deactivated],
            )
        if effects.final:
            async with self.deps.pool.connection() as conn:
                done = await campaigns.complete_if_done(conn, claim.campaign_id)
            if done is not None:
                await defer.campaign_finished(app, done.id)
                return
        await self._refresh(claim.campaign_id)

    async def _retry_limit(self, conn: Conn, campaign_id: int) -> int:
        if campaign_id not in self._retry_limits:
            campaign: Campaign | None = await campaigns.get(conn, campaign_id)
            self._retry_limits[campaign_id] = campaign.retry_limit if campaign else 0
        return self._retry_limits[campaign_id]

    async def _refresh(self, campaign_id: int, *, force: bool = False) -> None:
        now = self.deps.monotonic()
        if force or now - self._refreshed.get(campaign_id, -REFRESH_EVERY_S) >= REFRESH_EVERY_S:
            self._refreshed[campaign_id] = now
            await defer.refresh_progress(self.deps.app, campaign_id)

    async def _schedule_next(self) -> None:
        """Nothing is due now: kick again when the earliest retry comes due."""
        async with self.deps.pool.connection() as conn:
            at = await deliveries.next_due(conn, self.account_id)
        if at is not None:
            await defer.kick_drain(self.deps.app, self.account_id, at=at)


def _seconds_until(at: datetime) -> int:
    return max(int((at - datetime.now(UTC)).total_seconds() + 0.999), 0)
