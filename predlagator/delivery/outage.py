"""Jobs a database outage cuts off: told apart from failed jobs, and ended without noise.

When the database goes away under a running job, the job fails (its connection broke, or its
next send finds the session lock gone), and then Procrastinate cannot record even that: the
failure to write the job's end is raised inside its job task, where nothing reads it, and
comes out as "Task exception was never retrieved" with a traceback. Neither is news: the
worker says once that the database is lost, and when it is back gives back what the job left
and kicks a fresh drain. So a job the outage cut off ends quietly, and the unwritten end is
read here and logged in one debug line.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

import psycopg
from procrastinate import JobContext
from procrastinate.middleware import AsyncCallNext
from procrastinate.worker import Worker

from predlagator.db.connection import describe
from predlagator.delivery.session_lock import CHECK_S, SessionLockLost

log = logging.getLogger(__name__)


def is_database_loss(error: BaseException) -> bool:
    """Whether `error` means the database (or the session lock's connection) went away."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, psycopg.OperationalError | SessionLockLost):
            return True
        cause = cause.__cause__
    return False


class Verdict(Protocol):
    """The locks' judgement on an outage (SessionLock, AccountLocks)."""

    async def lost(self, within_s: float) -> bool:
        """Whether the lock is not held, or turns out lost within `within_s`."""
        ...


class CutOffJobs:
    """A Procrastinate worker middleware: a job cut off by the loss of the database ends
    without an error, its unwritten end is read, not left to asyncio's "never retrieved".

    It is cut off when it failed for a lost connection and the session lock, the worker's
    judge of an outage, is lost too (a job's broken connection may be noticed a moment before
    the lock's: the verdict is awaited up to `verdict_s`). Any other failure is the job's own.
    """

    def __init__(self, lock: Verdict, *, verdict_s: float = CHECK_S) -> None:
        self._lock = lock
        self._verdict_s = verdict_s

    async def __call__(self, call_next: AsyncCallNext, context: JobContext, worker: Worker) -> Any:
        """Run the job; end it quietly if the outage cut it off."""
        task = asyncio.current_task()
        if task is not None:  # Procrastinate's task for this job, which records its end
            task.add_done_callback(_read_unrecorded_end)
        try:
            return await call_next()
        except Exception as error:
            if not is_database_loss(error) or not await self._lock.lost(self._verdict_s):
                raise
            log.debug(
                "job cut off by the database outage",
                extra={"job": context.job.call_string, "error": describe(error)},
            )
            return None


def _read_unrecorded_end(task: asyncio.Task[Any]) -> None:
    """Read what ended a job's task: an end that could not be written for a lost database is
    expected during an outage; anything else is logged as asyncio would have, but now."""
    if task.cancelled():
        return
    error = task.exception()
    if error is None:
        return
    if is_database_loss(error):
        log.debug(
            "a job's end could not be recorded; it is recovered once the database is back",
            extra={"task": task.get_name(), "error": describe(error)},
        )
    else:
        log.error("job task failed", extra={"task": task.get_name()}, exc_info=error)
