"""Which worker holds which account: the accounts a worker may serve, their free locks, and
the `held_by` mark (trusted only while pg_locks shows the account's lock)."""

from __future__ import annotations

import os
import socket

from predlagator.db.rows import Conn, dicts, many, run
from predlagator.models import Account

_Q = "holders"


def this_process() -> str:
    """How a worker names itself in `accounts.held_by`: host and pid."""
    return f"{socket.gethostname()} {os.getpid()}"


async def servable(conn: Conn, *, sealed: bool, settings_account: str | None) -> list[Account]:
    """Accounts a worker may serve: stored sessions only when it can open them (`sealed`), the
    account whose session comes from the settings, and simulated ones."""
    return await many(
        conn, Account, _Q, "servable", sealed=sealed, settings_account=settings_account
    )


async def free(conn: Conn, keys: list[int]) -> set[int]:
    """The advisory lock keys among `keys` that no session holds right now."""
    return {int(row["key"]) for row in await dicts(conn, _Q, "free", keys=keys)}


async def set_holder(conn: Conn, account_id: int, holder: str) -> None:
    """Mark the account held by `holder` since now."""
    await run(conn, _Q, "set_holder", id=account_id, holder=holder)


async def clear_holder(conn: Conn, account_id: int, holder: str) -> None:
    """Clear the account's holder mark if it is still `holder`'s."""
    await run(conn, _Q, "clear_holder", id=account_id, holder=holder)
