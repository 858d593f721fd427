"""One process per Telegram session: a PostgreSQL advisory lock held while the session is used."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg

log = logging.getLogger(__name__)


def lock_key(account_name: str) -> int:
    """A stable signed 64-bit key per account name."""
    digest = hashlib.blake2b(f"predlagator-session:{account_name}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


@asynccontextmanager
async def session_lock(
    url: str, account_name: str, *, poll_s: float = 2.0
) -> AsyncIterator[psycopg.AsyncConnection[object]]:
    """Hold the account's lock on a connection of its own; wait while another process has it.

    Telegram kills a session used from two places at once (AUTH_KEY_DUPLICATED), so a second
    worker for the same account waits here instead of connecting.
    """
    key = lock_key(account_name)
    conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
    try:
        announced = False
        while True:
            cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", (key,))
            row = await cur.fetchone()
            if row is not None and row[0]:
                break
            if not announced:
                log.warning(
                    "session in use by another worker; waiting", extra={"account": account_name}
                )
                announced = True
            await asyncio.sleep(poll_s)
        log.info("session lock held", extra={"account": account_name})
        yield conn
    finally:
        await conn.close()  # closing the connection releases the lock
