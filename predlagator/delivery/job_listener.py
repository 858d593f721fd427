"""The worker's LISTEN for new jobs, following the queues of the accounts it takes while it runs.

Procrastinate 3.10's Worker picks its LISTEN channels once, from the queue list it starts with;
the list itself it re-reads at every fetch (served.py). So an account taken later had its jobs
found only by the polling fetch. This connector's listener, when it is the one of that list,
LISTENs on every queue in it and starts over whenever the list changes: a new connection that
LISTENs on the queues of now, then one wake-up of the worker, for what was deferred to a queue
before it was listened to (a newly taken account's first kick). Only the connector's public
seam is used (`listen_notify` and the `on_notification` callback Procrastinate hands it); its
notifications are Procrastinate's own, from its insert trigger, relayed as they come.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

import psycopg
from procrastinate.connector import LISTEN_TIMEOUT, Notify
from procrastinate.manager import get_channel_for_queues
from psycopg import sql

from predlagator.db.connection import Connection, backoff, describe
from predlagator.queue.connector import Connector
from predlagator.queue.defer import WAKE

log = logging.getLogger(__name__)


class FollowingConnector(Connector):
    """Our connector, whose job listener follows a queue list that changes while it runs."""

    def __init__(
        self,
        queues: list[str],
        database_url: str,
        heard: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self._queues = queues
        self._url = database_url
        self._changed = asyncio.Event()
        # Told the channel of every notification it relays (the drains' Wakeups), and every
        # channel when it listens anew: what came while it was not listening is not known.
        self._heard = heard or _deaf

    def queues_changed(self) -> None:
        """The followed list gained or lost a queue: listen again on what it holds now."""
        self._changed.set()

    async def listen_notify(self, on_notification: Notify, channels: Iterable[str]) -> None:
        """Listen until cancelled: following the list when these are its channels (the
        worker's own listener), otherwise as Procrastinate does."""
        channels = list(channels)
        if set(channels) != set(get_channel_for_queues(self._queues)):
            await super().listen_notify(on_notification, channels)
            return
        retries = backoff()
        while True:
            try:
                await self._listen_once(on_notification)
                retries = backoff()  # the list changed: listen again at once
            except psycopg.OperationalError as error:  # the database is away: as Connector
                delay = next(retries)
                log.debug(
                    "job listener cannot reach the database; retrying",
                    extra={"error": describe(error), "retry_in_s": round(delay, 2)},
                )
                await asyncio.sleep(delay)

    async def _listen_once(self, on_notification: Notify) -> None:
        """LISTEN on the list's queues of now and relay notifications until the list changes
        (then return) or the connection breaks (then raise)."""
        self._changed.clear()
        channels = list(get_channel_for_queues(list(self._queues)))
        async with await Connection.connect(self._url, autocommit=True) as conn:
            for channel in channels:
                await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            # Jobs deferred to a queue before this LISTEN got no wake-up: fetch them now.
            for channel in channels[:1]:
                await on_notification(channel=channel, payload=WAKE)
            for channel in channels:
                self._heard(channel)
            relay = asyncio.create_task(_relay(conn, on_notification, self._heard))
            changed = asyncio.create_task(self._changed.wait())
            try:
                await asyncio.wait({relay, changed}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (relay, changed):
                    task.cancel()
                await asyncio.gather(relay, changed, return_exceptions=True)
            error = None if relay.cancelled() else relay.exception()
            if error is not None:
                raise error


async def _relay(conn: Connection, on_notification: Notify, heard: Callable[[str], None]) -> None:
    """Hand every notification on to the worker (and its channel to `heard`); a quiet
    connection is checked now and then (as Procrastinate's own listener does), so a dead one
    is noticed."""
    while True:
        async for notice in conn.notifies(timeout=LISTEN_TIMEOUT):
            heard(notice.channel)
            await on_notification(channel=notice.channel, payload=notice.payload)
        await conn.execute("SELECT 1")


def _deaf(channel: str) -> None:
    """Nobody waits for word of notifications."""
