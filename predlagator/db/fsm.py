"""Dialog state (aiogram FSM) rows: one per chat, user, thread and destiny."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psycopg.types.json import Jsonb

from predlagator.db.rows import Conn, dicts, run

_Q = "fsm"

# The key columns: bot_id, chat_id, user_id, thread_id (0 when none),
# business_connection_id ('' when none) and destiny.
Key = Mapping[str, int | str]


async def get(conn: Conn, key: Key) -> tuple[str | None, dict[str, Any]]:
    """Return the state and data stored at `key` (None and {} when nothing is)."""
    rows = await dicts(conn, _Q, "get", **key)
    if not rows:
        return None, {}
    return rows[0]["state"], dict(rows[0]["data"])


async def set_state(conn: Conn, key: Key, state: str | None) -> None:
    """Store the state at `key`, keeping its data; drop the row once both are empty."""
    async with conn.transaction():
        await run(conn, _Q, "set_state", state=state, **key)
        if state is None:
            await run(conn, _Q, "prune", **key)


async def set_data(conn: Conn, key: Key, data: Mapping[str, Any]) -> None:
    """Replace the data at `key`, keeping its state; drop the row once both are empty."""
    async with conn.transaction():
        await run(conn, _Q, "set_data", data=Jsonb(dict(data)), **key)
        if not data:
            await run(conn, _Q, "prune", **key)


async def finish(conn: Conn, key: Key, state: str, token: str) -> dict[str, Any] | None:
    """End the dialog at `key` if it is at `state` with `token`; return its data, else None."""
    rows = await dicts(conn, _Q, "finish", state=state, token=token, **key)
    return dict(rows[0]["data"]) if rows else None


async def expire(conn: Conn, hours: int) -> int:
    """Delete dialogs untouched for `hours`; return how many."""
    return await run(conn, _Q, "expire", hours=hours)
