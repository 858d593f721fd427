"""Every account a worker process holds, each under its advisory lock, all on one connection.

An advisory lock lasts as long as the session that took it, so one dedicated connection can
hold any number of them: a worker serving a hundred accounts costs one connection for its
locks, not a hundred (PostgreSQL allows about a hundred connections in all). The same keys as
SessionLock (`accounts.lock_key`), so the screens that read pg_locks see either.

Only the supervisor's loop uses the connection (psycopg serialises a connection, and a wait for
its notices holds it): between its rounds it waits on the connection (`wait`), which wakes at
once when the server goes away. When the connection fails, every lock is gone at once: `held`
turns False for every account before anything else runs, so no sender reaches Telegram, and
the worker treats it as a database outage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any, TypeVar

import psycopg

from predlagator.db.accounts import lock_key
from predlagator.db.connection import RETRY_MAX_S, Connection, backoff, describe
from predlagator.delivery.session_lock import CHECK_S, SessionLockLost

log = logging.getLogger(__name__)

T = TypeVar("T")
Conn = psycopg.AsyncConnection[Any]


class AccountLock:
    """One account's lock as its sender sees it: held or not, right now."""

    def __init__(self, locks: AccountLocks, name: str) -> None:
        self._locks = locks
        self._name = name

    @property
    def held(self) -> bool:
        """True while the account's lock is held on a connection not known lost."""
        return self._locks.holds(self._name)


class AccountLocks:
    """The process's account locks on one connection, watched for its loss."""

    def __init__(
        self, url: str, *, check_s: float = CHECK_S, retry_max_s: float = RETRY_MAX_S
    ) -> None:
        self._url = url
        self._check_s = check_s
        self._retry_max_s = retry_max_s
        self._conn: Conn | None = None
        self._held: set[str] = set()
        self._lost = asyncio.Event()
        self._lost.set()  # nothing is held before `connect`

    def holds(self, name: str) -> bool:
        """Whether this process holds the account's lock (False once the connection failed)."""
        return name in self._held

    def lock(self, name: str) -> AccountLock:
        """The account's lock, for its LockedSender."""
        return AccountLock(self, name)

    async def lost(self, within_s: float) -> bool:
        """Whether the locks are gone, or turn out gone within `within_s` (the verdict on a
        failure seen elsewhere first, such as a job's broken connection)."""
        if self._lost.is_set():
            return True
        try:
            async with asyncio.timeout(within_s):
                await self._lost.wait()
        except TimeoutError:
            return False
        return True

    async def connect(self) -> None:
        """Open the locks' connection, waiting with backoff while the database does not answer."""
        retries = backoff(max_s=self._retry_max_s)
        while self._conn is None:
            try:
                self._conn = await Connection.connect(self._url, autocommit=True)
            except psycopg.OperationalError as error:
                delay = next(retries)
                log.debug(
                    "database unreachable for the account locks; retrying",
                    extra={"error": describe(error), "retry_in_s": round(delay, 2)},
                )
                await asyncio.sleep(delay)
        self._lost.clear()

    async def run(self, work: Callable[[Conn], Awaitable[T]]) -> T:
        """Run `work` on the locks' connection; its failure there means every lock is gone."""
        conn = self._conn
        if conn is None or self._lost.is_set():
            raise SessionLockLost("the account locks' connection is not open")
        try:
            # asyncio.timeout, not wait_for, which can drop a cancellation in 3.11; a query
            # that hangs (a network cut) is a lost connection too.
            async with asyncio.timeout(self._check_s):
                return await work(conn)
        except (psycopg.OperationalError, TimeoutError) as error:
            self._fail()
            raise SessionLockLost(describe(error)) from error

    async def take(self, name: str) -> bool:
        """Take the account's lock if nobody holds it; True if this process holds it now."""
        if name in self._held:
            return True

        async def try_lock(conn: Conn) -> bool:
            cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", (lock_key(name),))
            row = await cur.fetchone()
            return row is not None and bool(row[0])

        if await self.run(try_lock):
            self._held.add(name)
            log.info("account lock held", extra={"account": name})
            return True
        return False

    async def let_go(self, name: str) -> None:
        """Let the account's lock go (its sender must be closed first)."""
        if name not in self._held:
            return
        self._held.discard(name)  # before the round trip: nothing is sent from here on

        async def unlock(conn: Conn) -> None:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (lock_key(name),))

        await self.run(unlock)
        log.info("account lock let go", extra={"account": name})

    async def wait(self, seconds: float) -> None:
        """Wait `seconds` on the connection; raise SessionLockLost as soon as it fails."""
        conn = self._conn
        if conn is None or self._lost.is_set():
            raise SessionLockLost("the account locks' connection is not open")
        try:
            # Nothing is LISTENed to here: the wait wakes only when the server writes, which
            # on this connection means it is going away.
            async for _ in conn.notifies(timeout=seconds):
                pass
        except psycopg.OperationalError as error:
            self._fail()
            raise SessionLockLost(describe(error)) from error

    async def release(self) -> None:
        """Let every lock go (closing the connection releases them); harmless when closed."""
        self._fail()
        conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(psycopg.Error):
                await conn.close()

    def _fail(self) -> None:
        self._held.clear()
        self._lost.set()
