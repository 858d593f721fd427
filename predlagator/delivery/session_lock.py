"""One process per Telegram session: a PostgreSQL advisory lock held while the session is used.

The lock lives on a connection of its own and lasts exactly as long as that connection: a
database restart, or anything else that breaks the connection, ends it, and another process
may take the session from then on. So the holder watches the connection (`SessionLock.watch`)
and stops using the session as soon as it fails, then takes the lock again (`acquire`) before
using the session again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import psycopg

from predlagator.db.accounts import lock_key
from predlagator.db.connection import RETRY_MAX_S, Connection, backoff, describe

log = logging.getLogger(__name__)

# How often the watch asks the lock's connection whether it still works when nothing else
# woke it: a server that goes away closes the socket, which wakes the watch at once; this
# catches a connection that merely goes silent (a network cut).
CHECK_S = 5.0


class SessionLockLost(RuntimeError):
    """The lock's connection failed: the lock is gone, and the session must not be used."""


class SessionLock:
    """The account's advisory lock on a dedicated connection, taken again after a loss."""

    def __init__(
        self,
        url: str,
        account_name: str,
        *,
        poll_s: float = 2.0,
        check_s: float = CHECK_S,
        retry_max_s: float = RETRY_MAX_S,
    ) -> None:
        self._url = url
        self._account = account_name
        self._key = lock_key(account_name)
        self._poll_s = poll_s
        self._check_s = check_s
        self._retry_max_s = retry_max_s
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._held = False
        self._lost = asyncio.Event()

    @property
    def held(self) -> bool:
        """True from `acquire` until the lock's connection is known lost or it is released."""
        return self._held

    async def lost(self, within_s: float) -> bool:
        """Whether the lock is not held, or turns out lost within `within_s` (the watch's
        verdict on a failure seen elsewhere first, such as a job's broken connection)."""
        if not self._held:
            return True
        try:
            async with asyncio.timeout(within_s):
                await self._lost.wait()
        except TimeoutError:
            return False
        return True

    async def acquire(self) -> None:
        """Take the lock; wait while another process has it or the database does not answer.

        Telegram kills a session used from two places at once (AUTH_KEY_DUPLICATED), so a
        second worker for the same account waits here instead of connecting.
        """
        if self._held:
            return
        announced = False
        retries = backoff(max_s=self._retry_max_s)
        while True:
            try:
                if self._conn is None:
                    self._conn = await Connection.connect(self._url, autocommit=True)
                cur = await self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key,))
                row = await cur.fetchone()
            except psycopg.OperationalError as error:
                await self._close()
                delay = next(retries)
                log.debug(
                    "database unreachable for the session lock; retrying",
                    extra={"error": describe(error), "retry_in_s": round(delay, 2)},
                )
                await asyncio.sleep(delay)
                continue
            if row is not None and row[0]:
                self._held = True
                self._lost.clear()
                log.info("session lock held", extra={"account": self._account})
                return
            if not announced:
                log.warning(
                    "session in use by another worker; waiting", extra={"account": self._account}
                )
                announced = True
            await asyncio.sleep(self._poll_s)

    async def watch(self) -> None:
        """Return only by raising SessionLockLost, as soon as the lock's connection fails."""
        conn = self._conn
        if conn is None or not self._held:
            raise SessionLockLost("the session lock is not held")
        try:
            while True:
                # Nothing is LISTENed to here: the wait wakes only when the server writes,
                # which on this connection means it is going away (or after check_s).
                async for _ in conn.notifies(timeout=self._check_s):
                    pass
                # asyncio.timeout, not wait_for, which can drop a cancellation in 3.11.
                async with asyncio.timeout(self._check_s):
                    await conn.execute("SELECT 1")
        except (psycopg.OperationalError, TimeoutError) as error:
            self._held = False
            self._lost.set()
            raise SessionLockLost(describe(error)) from error

    async def release(self) -> None:
        """Let the lock go (closing its connection releases it); harmless when not held."""
        self._held = False
        self._lost.set()
        await self._close()

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(psycopg.Error):
                await conn.close()


@asynccontextmanager
async def session_lock(
    url: str, account_name: str, *, poll_s: float = 2.0
) -> AsyncIterator[SessionLock]:
    """Hold the account's lock for the block (waiting for it first); release it after."""
    lock = SessionLock(url, account_name, poll_s=poll_s)
    await lock.acquire()
    try:
        yield lock
    finally:
        await lock.release()
