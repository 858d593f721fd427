"""What the campaign wizard offers: batches with their active channels, sending accounts."""

from __future__ import annotations

from pydantic import BaseModel

from predlagator.db.rows import Conn, many, one
from predlagator.models import Account

_Q = "picks"


class BatchPick(BaseModel):
    """A batch as a picker shows it: all its channels and those still active."""

    id: int
    name: str
    channel_count: int
    active_count: int


async def batches_page(conn: Conn, limit: int, offset: int) -> list[BatchPick]:
    """Return `limit` batches, newest first, after skipping `offset`."""
    return await many(conn, BatchPick, _Q, "batches_page", limit=limit, offset=offset)


async def batch(conn: Conn, batch_id: int) -> BatchPick | None:
    """Return one batch with its channel counts."""
    return await one(conn, BatchPick, _Q, "batch", id=batch_id)


async def active_accounts(conn: Conn) -> list[Account]:
    """Return the accounts that may send, oldest first."""
    return await many(conn, Account, _Q, "active_accounts")
