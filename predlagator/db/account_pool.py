"""The account pool as /accounts sees and changes it: listing, holders, pace, cap, status."""

from __future__ import annotations

from datetime import date

from predlagator.db.rows import Conn, dicts, many, one
from predlagator.models import Account

_Q = "account_pool"

# The stop reason of an account stopped by hand (its words: telegram_words.py).
OPERATOR_STOPPED = "OPERATOR_STOPPED"


class ListedAccount(Account):
    """An account with what its screen says: today's posts, channels resolved, live campaigns."""

    today_posts: int
    peers: int
    live_ids: list[int]
    live_names: list[str]


async def count_listed(conn: Conn) -> int:
    """How many accounts are not removed."""
    rows = await dicts(conn, _Q, "count_listed")
    return int(rows[0]["n"])


async def page(conn: Conn, today: date, limit: int, offset: int) -> list[ListedAccount]:
    """A page of the accounts not removed, oldest first; `today` is the day in TIMEZONE."""
    return await many(conn, ListedAccount, _Q, "page", today=today, limit=limit, offset=offset)


async def get(conn: Conn, account_id: int, today: date) -> ListedAccount | None:
    """One account as its screen shows it, removed or not."""
    return await one(conn, ListedAccount, _Q, "one", id=account_id, today=today)


async def older_count(conn: Conn, account_id: int) -> int:
    """How many listed accounts come before this one."""
    rows = await dicts(conn, _Q, "older_count", id=account_id)
    return int(rows[0]["n"])


async def held(conn: Conn, keys: list[int]) -> set[int]:
    """Which of these advisory lock keys some process holds now."""
    if not keys:
        return set()
    unsigned = [key & 0xFFFF_FFFF_FFFF_FFFF for key in keys]
    rows = await dicts(
        conn,
        _Q,
        "held_keys",
        high=[key >> 32 for key in unsigned],
        low=[key & 0xFFFF_FFFF for key in unsigned],
    )
    return {keys[int(row["position"]) - 1] for row in rows}


async def by_name(conn: Conn, name: str) -> Account | None:
    """The account called `name`, case aside, removed or not."""
    return await one(conn, Account, _Q, "by_name", name=name)


async def set_pace(conn: Conn, account_id: int, rate: float) -> Account | None:
    """Set the account's pace (posts a minute); None if it is gone."""
    return await one(conn, Account, _Q, "set_pace", id=account_id, rate=rate)


async def set_cap(conn: Conn, account_id: int, cap: int | None) -> Account | None:
    """Set (or clear, None) the account's daily cap; None if it is gone."""
    return await one(conn, Account, _Q, "set_cap", id=account_id, cap=cap)


async def pause(conn: Conn, account_id: int) -> Account | None:
    """Active → paused; None if it was not active."""
    return await one(conn, Account, _Q, "pause", id=account_id)


async def resume(conn: Conn, account_id: int) -> Account | None:
    """Paused → active; None if it was not paused."""
    return await one(conn, Account, _Q, "resume", id=account_id)


async def restart(conn: Conn, account_id: int) -> Account | None:
    """Stopped by an operator → active; None if it was not stopped so."""
    return await one(conn, Account, _Q, "restart", id=account_id, reason=OPERATOR_STOPPED)


async def stop(conn: Conn, account_id: int) -> Account | None:
    """Stop the account by hand; None if it was stopped already or is gone."""
    return await one(conn, Account, _Q, "stop", id=account_id, reason=OPERATOR_STOPPED)


async def remove(conn: Conn, account_id: int) -> Account | None:
    """Remove the account and wipe its session; None if a live campaign uses it or it is gone.

    Run it in a transaction: the row lock it takes first holds until the end.
    """
    await dicts(conn, _Q, "lock", id=account_id)
    return await one(conn, Account, _Q, "remove", id=account_id, reason=OPERATOR_STOPPED)


async def add_simulated(
    conn: Conn, name: str, rate: float, latency_ms: int, failure_share: float
) -> Account | None:
    """Create a simulated account; None if the name is taken."""
    return await one(
        conn,
        Account,
        _Q,
        "add_simulated",
        name=name,
        rate=rate,
        latency_ms=latency_ms,
        failure_share=failure_share,
    )
