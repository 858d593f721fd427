"""The bot's notifications worker (cards, alerts, reports), kept running through outages.

Procrastinate's worker stops when it loses the database. The bot goes on polling Telegram
meanwhile, so without a restart here every card would freeze and every alert and report would
wait for a restart of the whole bot.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import procrastinate
import psycopg
import psycopg_pool

from predlagator.db.connection import backoff, describe
from predlagator.db.pool import Pool
from predlagator.queue import names
from predlagator.queue.jobs_worker import run_jobs

log = logging.getLogger(__name__)

# The two lines an outage leaves in the bot's log.
LOST = "database lost: chat notifications wait until it is back"
BACK = "database is back: chat notifications run again"


async def serve_notifications(app: procrastinate.App, pool: Pool, context: dict[str, Any]) -> None:
    """Run the notifications worker until cancelled, again after each database outage."""
    while True:
        try:
            await run_jobs(
                app,
                {
                    "queues": [names.NOTIFICATIONS_QUEUE],
                    "name": "bot-notifications",
                    "concurrency": 4,
                    "additional_context": context,
                    "install_signal_handlers": False,
                    "shutdown_graceful_timeout": 5.0,
                },
            )
            # It returns by itself only when a side task (the heartbeat) lost the database.
            error = "the job queue stopped"
        except Exception as exc:
            if not _is_database_loss(exc):
                raise
            error = describe(exc)
        log.warning(LOST, extra={"error": error})
        await _wait_for_database(pool)
        log.info(BACK)


def _is_database_loss(error: BaseException) -> bool:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, psycopg.OperationalError | psycopg_pool.PoolTimeout):
            return True
        cause = cause.__cause__
    return False


async def _wait_for_database(pool: Pool) -> None:
    """Wait with capped backoff until the pool hands out a connection that answers."""
    retries = backoff()
    while True:
        try:
            # Connections a restart killed are replaced before any task gets one.
            await pool.check()
            async with pool.connection(timeout=10) as conn:
                await conn.execute("SELECT 1")
            return
        except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
            delay = next(retries)
            log.debug(
                "database still unreachable; retrying",
                extra={"error": describe(exc), "retry_in_s": round(delay, 2)},
            )
            await asyncio.sleep(delay)
