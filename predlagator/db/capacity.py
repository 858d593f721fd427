"""How many more connections the PostgreSQL server takes than it has open now."""

from __future__ import annotations

from predlagator.db.rows import Conn


async def connections_left(conn: Conn) -> int:
    """Connections an ordinary role may still open: the server's limit, less those kept for
    superusers, less every connection open now (other workers' included)."""
    cur = await conn.execute(
        "SELECT current_setting('max_connections')::int"
        " - current_setting('superuser_reserved_connections')::int"
        " - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS n"
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["n"])
