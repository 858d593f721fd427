"""Strangers the bot refused: when it last did, and how much it ignored since."""

from __future__ import annotations

from datetime import timedelta

from predlagator.db.rows import Conn, dicts, run

_Q = "strangers"


async def note_message(conn: Conn, user_id: int, window: timedelta) -> tuple[bool, int]:
    """Note a stranger's message: (refuse it now?, updates ignored since the last refusal)."""
    [row] = await dicts(conn, _Q, "note_message", user_id=user_id, window=window)
    return bool(row["refuse"]), int(row["ignored_before"])


async def note_ignored(conn: Conn, user_id: int) -> None:
    """Count an update from a stranger that gets no message (a button press)."""
    await run(conn, _Q, "note_ignored", user_id=user_id)


async def prune(conn: Conn, keep: timedelta) -> int:
    """Forget strangers refused longer ago than `keep`; return how many."""
    return await run(conn, _Q, "prune", keep=keep)
