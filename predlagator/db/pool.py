"""The one psycopg connection pool of a process."""

from __future__ import annotations

import time
import weakref

from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from predlagator.db.connection import Connection

Pool = AsyncConnectionPool[Connection[DictRow]]

# A connection idle longer than this is checked before use: after a database restart it is
# dead, and the check replaces it instead of failing the caller. Busy connections are not
# checked, since the check is a round trip of its own on every checkout.
IDLE_CHECK_S = 30.0

_returned_at: weakref.WeakKeyDictionary[AsyncConnection[DictRow], float] = (
    weakref.WeakKeyDictionary()
)


async def _autocommit(conn: AsyncConnection[DictRow]) -> None:
    await conn.set_autocommit(True)


async def _stamp(conn: AsyncConnection[DictRow]) -> None:
    _returned_at[conn] = time.monotonic()


async def _check_if_idle(conn: AsyncConnection[DictRow]) -> None:
    if time.monotonic() - _returned_at.get(conn, 0.0) > IDLE_CHECK_S:
        await AsyncConnectionPool.check_connection(conn)


async def open_pool(url: str, *, min_size: int = 2, max_size: int = 10) -> Pool:
    """Open a pool shared by our repositories and Procrastinate (dict rows, autocommit)."""
    pool: Pool = AsyncConnectionPool(
        url,
        # Procrastinate's LISTEN connection is made by this class too, with these kwargs.
        connection_class=Connection,
        min_size=min_size,
        max_size=max_size,
        open=False,
        kwargs={"row_factory": dict_row},
        # Autocommit is set here, not in kwargs: Procrastinate opens its LISTEN connection
        # with the pool's kwargs plus its own autocommit=True, and a duplicate is an error.
        configure=_autocommit,
        reset=_stamp,
        check=_check_if_idle,
        reconnect_timeout=300,
    )
    try:
        await pool.open(wait=True, timeout=30)
    except BaseException:  # a timeout or a cancel: its workers must not go on connecting
        await pool.close()
        raise
    return pool
