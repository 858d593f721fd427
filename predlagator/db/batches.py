"""Batches: named, ordered lists of channels."""

from __future__ import annotations

from predlagator.db import channels
from predlagator.db.rows import Conn, many, one, run
from predlagator.models import Batch, Channel

_Q = "batches"


async def create(
    conn: Conn, name: str, refs: list[str], created_by: int | None
) -> tuple[Batch, int]:
    """Create a batch of `refs` (known channels reused); return it and how many were new."""
    async with conn.transaction():
        batch = await one(conn, Batch, _Q, "create", name=name, created_by=created_by)
        assert batch is not None
        ids = await channels.upsert_refs(conn, refs)
        await run(conn, _Q, "add_channels", batch_id=batch.id, channel_ids=[i for i, _ in ids])
    batch.channel_count = len(ids)
    return batch, sum(1 for _, created in ids if created)


async def get(conn: Conn, batch_id: int) -> Batch | None:
    """Return one batch with its channel count."""
    return await one(conn, Batch, _Q, "get", id=batch_id)


async def list_all(conn: Conn, limit: int = 50, offset: int = 0) -> list[Batch]:
    """Return batches, newest first."""
    return await many(conn, Batch, _Q, "list_all", limit=limit, offset=offset)


async def list_channels(conn: Conn, batch_id: int) -> list[Channel]:
    """Return the batch's channels in list order."""
    return await many(conn, Channel, _Q, "channels", id=batch_id)
