"""Procrastinate's psycopg connector, with a job listener that rides out a lost database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

import procrastinate
import psycopg
from procrastinate import exceptions
from procrastinate.connector import Notify

from predlagator.db.connection import backoff, describe

log = logging.getLogger(__name__)


class Connector(procrastinate.PsycopgConnector):
    """The connector of our Procrastinate apps: its LISTEN connection waits for the database.

    Procrastinate's own listener reconnects when its connection breaks, but fails when that
    reconnect fails (the database is restarting), which stops the worker with an ERROR and a
    traceback, and logs the same error again as the worker shuts down. A lost database is not
    the listener's to report (the worker says it once, from its session lock): the listener
    tries again with capped backoff instead, and jobs keep being noticed once it is back. Its
    connections come from the pool's connection class, so a connect cancelled by a stopping
    worker closes its socket.
    """

    async def listen_notify(self, on_notification: Notify, channels: Iterable[str]) -> None:
        """Listen until cancelled, through any number of database outages."""
        channels = list(channels)
        retries = backoff()
        while True:
            try:
                await super().listen_notify(on_notification, channels)
            except exceptions.ConnectorException as error:
                if not isinstance(error.__cause__, psycopg.OperationalError):
                    raise
                delay = next(retries)
                log.debug(
                    "job listener cannot reach the database; retrying",
                    extra={"error": describe(error), "retry_in_s": round(delay, 2)},
                )
                await asyncio.sleep(delay)
