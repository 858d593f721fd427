"""A drain's claim: claim, settle what the claim found that may not go, and claim again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from predlagator.db.rows import Conn, M, many

# Ends the claimed rows that may not go (a channel switched off, a post that ended without
# being out); returns how many it ended.
Settle = Callable[[Conn, list[M]], Awaitable[int]]


async def claim(
    conn: Conn, model: type[M], module: str, name: str, settle: Settle[M], /, **params: Any
) -> list[M]:
    """Run the named claim; while `settle` ends some of what it found, claim again without them.

    Settling only what a claim found keeps it to the claimed rows: a look over every pending
    row of the account before each claim cost a scan of them all, and right after a big launch
    or action the statistics count them as a handful, so the planner drove it from them. When
    `settle` ends none (what it found changed meanwhile), the claim stands as it is.
    """
    while True:
        claims = await many(conn, model, module, name, **params)
        if not await settle(conn, claims):
            return claims
