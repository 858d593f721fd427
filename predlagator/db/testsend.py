"""What a test send (/test) looks up: templates by name, a target's stored peer, the session."""

from __future__ import annotations

from pydantic import BaseModel

from predlagator.db.rows import Conn, dicts, many, one
from predlagator.models import Peer, Template

_Q = "testsend"


class KnownChannel(BaseModel):
    """A channel the database knows, and how the account resolved it (if it did)."""

    channel_id: int
    active: bool
    peer_type: str | None
    peer_id: int | None
    access_hash: int | None

    @property
    def peer(self) -> Peer | None:
        """The stored peer, or None when the account never resolved this channel."""
        if self.peer_type is None or self.peer_id is None:
            return None
        return Peer(
            peer_type=self.peer_type, peer_id=self.peer_id, access_hash=self.access_hash or 0
        )


async def templates_named(conn: Conn, name: str, limit: int = 10) -> list[Template]:
    """Templates called `name` (any case), oldest first."""
    return await many(conn, Template, _Q, "templates_named", name=name, limit=limit)


async def known_channel(conn: Conn, account_id: int, ref: str) -> KnownChannel | None:
    """The channel with this normalised ref and the account's stored peer, if it is known."""
    return await one(conn, KnownChannel, _Q, "known_channel", account_id=account_id, ref=ref)


async def session_held(conn: Conn, lock_key: int) -> bool:
    """Whether some process holds the advisory lock `lock_key` (an account's session lock)."""
    unsigned = lock_key & 0xFFFF_FFFF_FFFF_FFFF
    rows = await dicts(conn, _Q, "session_held", high=unsigned >> 32, low=unsigned & 0xFFFF_FFFF)
    return bool(rows[0]["held"])
