"""Channels and their per-account resolved peers."""

from __future__ import annotations

from predlagator.db.rows import Conn, dicts, many, one, run
from predlagator.models import AccountPeer, Channel, Peer

_Q = "channels"


async def upsert_refs(conn: Conn, refs: list[str]) -> list[tuple[int, bool]]:
    """Insert unknown refs; return (channel id, newly created) in input order."""
    rows = await dicts(conn, _Q, "upsert_refs", refs=refs)
    return [(row["id"], row["created"]) for row in rows]


async def get(conn: Conn, channel_id: int) -> Channel | None:
    """Return one channel."""
    return await one(conn, Channel, _Q, "get", id=channel_id)


async def list_inactive(conn: Conn) -> list[Channel]:
    """Return deactivated channels, latest first."""
    return await many(conn, Channel, _Q, "list_inactive")


async def inactive_page(conn: Conn, limit: int, offset: int) -> list[Channel]:
    """Return `limit` deactivated channels, latest first, skipping `offset`."""
    return await many(conn, Channel, _Q, "inactive_page", limit=limit, offset=offset)


async def count_inactive(conn: Conn) -> int:
    """How many channels are deactivated."""
    [row] = await dicts(conn, _Q, "count_inactive")
    return int(row["n"])


async def get_peer(conn: Conn, account_id: int, channel_id: int) -> AccountPeer | None:
    """Return the channel as resolved by this account, if it was."""
    return await one(
        conn, AccountPeer, _Q, "get_peer", account_id=account_id, channel_id=channel_id
    )


async def save_peer(conn: Conn, peer: AccountPeer) -> None:
    """Store a resolved peer so the account never resolves this channel again."""
    await run(conn, _Q, "save_peer", **peer.model_dump())


async def save_peers(conn: Conn, account_id: int, peers: list[tuple[int, Peer]]) -> None:
    """Store (channel id, peer) pairs resolved by one account, with their titles."""
    if not peers:
        return
    await run(
        conn,
        _Q,
        "save_peers",
        account_id=account_id,
        channel_ids=[c for c, _ in peers],
        peer_types=[p.peer_type for _, p in peers],
        peer_ids=[p.peer_id for _, p in peers],
        access_hashes=[p.access_hash for _, p in peers],
        titles=[p.title for _, p in peers],
    )


async def set_title(conn: Conn, channel_id: int, title: str) -> None:
    """Remember the channel's title as Telegram reported it."""
    await run(conn, _Q, "set_title", id=channel_id, title=title)


async def deactivate(conn: Conn, channel_id: int, code: str) -> Channel | None:
    """Deactivate a channel for an error with this code; None when it already was."""
    return await one(conn, Channel, _Q, "deactivate", id=channel_id, code=code)


async def count_error(conn: Conn, channel_id: int, code: str, limit: int) -> Channel | None:
    """Count one more consecutive error; at `limit` the channel is deactivated with `code`."""
    return await one(conn, Channel, _Q, "count_error", id=channel_id, code=code, limit=limit)


async def reactivate(conn: Conn, channel_id: int) -> Channel | None:
    """Make an inactive channel receive posts again."""
    return await one(conn, Channel, _Q, "reactivate", id=channel_id)


async def reactivate_many(conn: Conn, channel_ids: list[int]) -> list[Channel]:
    """Reactivate those of `channel_ids` that are inactive; return them."""
    return await many(conn, Channel, _Q, "reactivate_many", ids=channel_ids)
