"""What a drain tells the operators' chats: progress card refreshes, notices, finished campaigns."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import procrastinate

from predlagator.db import campaigns
from predlagator.db.rows import Conn
from predlagator.delivery import outcomes, rounds
from predlagator.queue import defer

log = logging.getLogger(__name__)

# A card refresh runs this long after it is asked for, and asks meanwhile merge into it: with
# posts recorded a quarter of a second after they go out at most, an ask half a second later at
# most (MERGED_COVERS_S) and the bot's worker polling every half second, the card is about two
# seconds behind the sends at most (the target is three), and edited about once a second at most.
REFRESH_DELAY_S = 1.0
# A refresh is asked for again this long before the one already waiting is due to run, so a
# little clock difference between processes never leaves a record unseen.
REFRESH_MARGIN_S = 0.25
# After an ask merged into a refresh already waiting (due at a moment unknown here, but later
# than the ask), records within this long count as read by it: a refresh that had just read the
# counts then leaves a record unseen for this long at most, and asks stay few.
MERGED_COVERS_S = 0.5


class ChatUpdates:
    """One drain's messages to the chats of the campaigns it sends for.

    Card refreshes are asked for beside the sends, not in their way: each ask runs as a task of
    its own on the pool (the drain's connection stays the drain's), and `close` waits for them.
    """

    def __init__(
        self, app: procrastinate.App, conn: Conn, account_id: int, monotonic: Callable[[], float]
    ) -> None:
        self._app = app
        self._conn = conn
        self._account_id = account_id
        self._monotonic = monotonic
        # When the refresh last asked for is due to run, by campaign: a record before then is
        # read by it, so it needs no ask of its own.
        self._covered_until: dict[int, float] = {}
        self._asking: dict[int, asyncio.Task[None]] = {}

    async def refresh(self, campaign_id: int, *, force: bool = False) -> None:
        """Have the campaign's card redrawn soon with what the ledger says by then."""
        now = self._monotonic()
        covered = self._covered_until.get(campaign_id)
        if not force and covered is not None and now < covered - REFRESH_MARGIN_S:
            return
        asking = self._asking.get(campaign_id)
        if asking is not None and not asking.done():
            return  # its refresh is deferred after this record was written: it reads it
        self._asking[campaign_id] = asyncio.create_task(self._ask(campaign_id, now))

    async def _ask(self, campaign_id: int, now: float) -> None:
        try:
            waiting = not await defer.refresh_progress(self._app, campaign_id, REFRESH_DELAY_S)
        except Exception as error:  # the card only lags; the drain's own work reports the rest
            log.warning(
                "card refresh not asked for",
                extra={"campaign_id": campaign_id, "error": type(error).__name__},
            )
            return
        # A refresh that already waited is due at a moment we do not know, but later than
        # now: it reads this record, and a record a little later asks again.
        covered = MERGED_COVERS_S + REFRESH_MARGIN_S if waiting else REFRESH_DELAY_S
        self._covered_until[campaign_id] = now + covered

    async def close(self) -> None:
        """Wait for the refresh asks still on their way."""
        await asyncio.gather(*self._asking.values(), return_exceptions=True)
        self._asking.clear()

    async def recorded(self, campaign_ids: set[int]) -> None:
        """Posts of these campaigns were recorded: their cards follow."""
        for campaign_id in campaign_ids:
            await self.refresh(campaign_id)

    async def after(self, campaign_id: int | None, effects: outcomes.Effects) -> None:
        """Tell the chat what changed and finish the campaign when nothing is left."""
        app = self._app
        for account_id in effects.kick:  # rows handed over from a stopped account
            await defer.kick_drain(app, account_id)
        if effects.stopped is not None:
            await defer.account_alert(app, self._account_id, effects.stopped)
        if effects.resume_at is not None:
            await defer.kick_drain(app, self._account_id, at=effects.resume_at)
        for campaign in effects.waiting:
            # Until the first of its accounts may send again (this one's wait, or another's).
            until = campaign.resume_at or effects.resume_at
            if until is None:
                continue
            await defer.notify(
                app,
                campaign.id,
                "flood_wait",
                until=until.isoformat(),
                seconds=_seconds_until(until),
            )
            await self.refresh(campaign.id, force=True)
        for campaign in effects.paused:
            await defer.notify(
                app, campaign.id, "account_stopped", reason=campaign.status_reason or ""
            )
            await self.refresh(campaign.id, force=True)
        if campaign_id is None:  # a sweep's effects, of no one post
            return
        if effects.deactivated:
            channels_gone = [channel.params() for channel in effects.deactivated]
            await defer.notify(app, campaign_id, "channels_deactivated", channels=channels_gone)
        if effects.final:
            done = await campaigns.complete_if_done(self._conn, campaign_id)
            if done is not None:
                await rounds.ended(app, done)
                return
        await self.refresh(campaign_id)


def _seconds_until(at: datetime) -> int:
    return max(int((at - datetime.now(UTC)).total_seconds() + 0.999), 0)
