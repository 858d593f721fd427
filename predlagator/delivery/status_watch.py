"""Hear campaign status changes as they happen (LISTEN), to guard the sends of a fast batch."""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType

import psycopg

from predlagator.db.pool import Pool

CHANNEL = "predlagator_campaign"


class StatusWatch:
    """Campaigns that left `running` since the watch began, announced by migration 0002."""

    def __init__(self, pool: Pool) -> None:
        self._pool = pool
        self._stopped: set[int] = set()
        self._conn: psycopg.AsyncConnection[object] | None = None
        self._task: asyncio.Task[None] | None = None

    def stopped(self, campaign_id: int) -> bool:
        """True when the campaign was paused, cancelled or parked after the watch began."""
        return campaign_id in self._stopped

    async def __aenter__(self) -> StatusWatch:
        # A connection of its own: it is blocked reading notifications for the whole drain.
        conninfo = self._pool.conninfo
        assert isinstance(conninfo, str)  # open_pool always gives a URL
        self._conn = await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
        await self._conn.execute(f"LISTEN {CHANNEL}")
        self._task = asyncio.create_task(self._listen(self._conn))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, psycopg.Error):
                await self._task
        if self._conn is not None:
            await self._conn.close()

    async def _listen(self, conn: psycopg.AsyncConnection[object]) -> None:
        async for notice in conn.notifies():
            campaign_id, _, status = notice.payload.partition(" ")
            if status == "running":
                self._stopped.discard(int(campaign_id))
            else:
                self._stopped.add(int(campaign_id))
