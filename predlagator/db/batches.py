"""Batches: named, ordered lists of channels; deleting one archives it."""

from __future__ import annotations

from dataclasses import dataclass

from predlagator.db import channels
from predlagator.db.rows import Conn, dicts, many, one, run
from predlagator.models import Batch, Campaign, Channel

_Q = "batches"


@dataclass(frozen=True)
class Added:
    """What merging refs into a batch did."""

    added: int  # put into the batch
    in_batch: int  # were in it already
    new_channels: int  # not known before at all


@dataclass(frozen=True)
class Full:
    """Adding would take a batch over its cap; nothing was added."""

    has: int
    adding: int


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
    """Return one batch with its channel and active counts; None if unknown or deleted."""
    return await one(conn, Batch, _Q, "get", id=batch_id)


async def list_all(conn: Conn, limit: int = 50, offset: int = 0) -> list[Batch]:
    """Return batches that are not deleted, newest first."""
    return await many(conn, Batch, _Q, "list_all", limit=limit, offset=offset)


async def count(conn: Conn) -> int:
    """How many batches are not deleted."""
    [row] = await dicts(conn, _Q, "count_live")
    return int(row["n"])


async def newer_count(conn: Conn, batch_id: int) -> int:
    """How many batches /batches lists before this one."""
    [row] = await dicts(conn, _Q, "newer_count", id=batch_id)
    return int(row["n"])


async def latest_id(conn: Conn) -> int:
    """The highest batch id ever given (deleted batches included), 0 when none."""
    [row] = await dicts(conn, _Q, "latest_id")
    return int(row["n"])


async def list_channels(conn: Conn, batch_id: int) -> list[Channel]:
    """Return the batch's channels in list order."""
    return await many(conn, Channel, _Q, "channels", id=batch_id)


async def channels_page(conn: Conn, batch_id: int, limit: int, offset: int) -> list[Channel]:
    """Return `limit` of the batch's channels in list order, skipping `offset`."""
    return await many(conn, Channel, _Q, "channels_page", id=batch_id, limit=limit, offset=offset)


async def add_refs(conn: Conn, batch_id: int, refs: list[str], cap: int) -> Added | Full | None:
    """Append `refs` to a batch (known channels reused) up to `cap` channels in all.

    None if the batch is gone; Full, with nothing changed, if the batch would exceed `cap`.
    """
    async with conn.transaction():
        if await one(conn, Batch, _Q, "lock_live", id=batch_id) is None:
            return None
        [room] = await dicts(conn, _Q, "room_needed", batch_id=batch_id, refs=refs)
        if room["has"] + room["adding"] > cap:
            return Full(has=int(room["has"]), adding=int(room["adding"]))
        ids = await channels.upsert_refs(conn, refs)
        added = await run(
            conn, _Q, "add_channels", batch_id=batch_id, channel_ids=[i for i, _ in ids]
        )
    new = sum(1 for _, created in ids if created)
    return Added(added=added, in_batch=len(ids) - added, new_channels=new)


async def remove_refs(conn: Conn, batch_id: int, refs: list[str]) -> list[str] | None:
    """Take `refs` out of a batch; return the refs removed, or None if the batch is gone."""
    async with conn.transaction():
        if await one(conn, Batch, _Q, "lock_live", id=batch_id) is None:
            return None
        rows = await dicts(conn, _Q, "remove_refs", batch_id=batch_id, refs=refs)
    return [str(row["ref"]) for row in rows]


async def rename(conn: Conn, batch_id: int, name: str) -> Batch | None:
    """Give a batch a new name; None if it is gone."""
    return await one(conn, Batch, _Q, "rename", id=batch_id, name=name)


async def archive(conn: Conn, batch_id: int) -> Batch | None:
    """Delete (archive) a batch unless an unfinished campaign uses it; None if not archived."""
    return await one(conn, Batch, _Q, "archive", id=batch_id)


async def unfinished_campaigns(conn: Conn, batch_id: int) -> list[Campaign]:
    """Campaigns of the batch that are scheduled, running, paused or waiting."""
    return await many(conn, Campaign, _Q, "unfinished_campaigns", id=batch_id)
