"""The audit log: every change, who made it and when."""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from predlagator.db.rows import Conn, many, one
from predlagator.models import AuditEntry

_Q = "audit"


async def record(
    conn: Conn,
    actor_id: int | None,
    action: str,
    object_type: str | None = None,
    object_id: int | None = None,
    **details: Any,
) -> None:
    """Append one entry; `actor_id` None means the system itself."""
    await one(
        conn,
        AuditEntry,
        _Q,
        "record",
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=Jsonb(details),
    )


async def latest(conn: Conn, limit: int = 20) -> list[AuditEntry]:
    """Return the newest entries first."""
    return await many(conn, AuditEntry, _Q, "latest", limit=limit)


async def page(conn: Conn, limit: int, offset: int) -> list[AuditEntry]:
    """Return `limit` entries, newest first, skipping the `offset` newest."""
    return await many(conn, AuditEntry, _Q, "page", limit=limit, offset=offset)
