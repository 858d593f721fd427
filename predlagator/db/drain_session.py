"""The session a drain's connection runs in while the drain holds it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from predlagator.db.rows import Conn

# The drain's records need not wait for the disk: if the database crashes and loses the last
# few, those posts are sent again with their stored random_id, and Telegram answers with the
# original message. Waiting for a flush per post would cost ms each.
# Each statement is planned once for all its runs: the drain runs a handful of statements again
# and again, and a custom plan per run cost PostgreSQL more than the run itself (2-3 ms to plan
# a claim that runs in 0.3 ms; a batch of one post's array was planned anew every time).
SETTINGS = "SET synchronous_commit TO off; SET plan_cache_mode TO force_generic_plan"
RESET = "RESET synchronous_commit; RESET plan_cache_mode"


@asynccontextmanager
async def drain_session(conn: Conn) -> AsyncIterator[None]:
    """Run the drain's statements on `conn` prepared at their first run, planned once, with
    records that do not wait for the disk; the connection goes back as it came."""
    threshold = conn.prepare_threshold
    await conn.execute(SETTINGS)
    conn.prepare_threshold = 0
    try:
        yield
    finally:
        conn.prepare_threshold = threshold
        if not conn.closed:
            await conn.execute(RESET)
