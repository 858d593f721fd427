"""The one psycopg connection pool of a process."""

from __future__ import annotations

from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

Pool = AsyncConnectionPool[AsyncConnection[DictRow]]


async def _autocommit(conn: AsyncConnection[DictRow]) -> None:
    await conn.set_autocommit(True)


async def open_pool(url: str, *, min_size: int = 2, max_size: int = 10) -> Pool:
    """Open a pool shared by our repositories and Procrastinate (dict rows, autocommit)."""
    pool: Pool = AsyncConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        open=False,
        kwargs={"row_factory": dict_row},
        # Autocommit is set here, not in kwargs: Procrastinate opens its LISTEN connection
        # with the pool's kwargs plus its own autocommit=True, and a duplicate is an error.
        configure=_autocommit,
        # Reconnect after a database restart instead of handing out dead connections; a check
        # costs a round trip, so only on connections that sat idle for a while.
        check=AsyncConnectionPool.check_connection,
        max_idle=60,
        reconnect_timeout=300,
    )
    await pool.open(wait=True, timeout=30)
    return pool
