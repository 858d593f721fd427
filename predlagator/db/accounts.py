"""Sending accounts: status, flood deadline and pace (its slots: db/pacing.py)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from predlagator.db import campaigns
from predlagator.db.rows import Conn, many, one, run
from predlagator.models import Account

_Q = "accounts"

# The account whose session comes from TG_SESSION / TG_SESSION_FILE.
MAIN_ACCOUNT = "main"


async def ensure(conn: Conn, name: str, rate_per_minute: float) -> Account:
    """Return the account called `name`, creating it on first use."""
    account = await one(conn, Account, _Q, "ensure", name=name, rate_per_minute=rate_per_minute)
    assert account is not None  # an upsert with RETURNING always yields the row
    return account


async def get(conn: Conn, account_id: int) -> Account | None:
    """Return one account."""
    return await one(conn, Account, _Q, "get", id=account_id)


async def of_campaign(conn: Conn, campaign_id: int) -> Account | None:
    """The campaign's first active account (else its first), all of them locked against a stop
    until the transaction ends."""
    return await one(conn, Account, _Q, "of_campaign", campaign_id=campaign_id)


async def active_of_campaign(conn: Conn, campaign_id: int) -> list[Account]:
    """The campaign's accounts that may send (active, not removed)."""
    return await many(conn, Account, _Q, "active_of_campaign", campaign_id=campaign_id)


async def list_all(conn: Conn) -> list[Account]:
    """Return every account."""
    return await many(conn, Account, _Q, "list_all")


async def set_flood(conn: Conn, account_id: int, until: datetime | None) -> Account | None:
    """Record (or clear) the moment the account may send again."""
    return await one(conn, Account, _Q, "set_flood", id=account_id, flood_until=until)


async def stop(conn: Conn, account_id: int, reason: str) -> Account | None:
    """Stop an account for good (until an operator acts). In a transaction, the campaigns'
    changes that follow wait for any other stop or pause to commit first."""
    await run(conn, _Q, "serialize_stops")
    return await one(conn, Account, _Q, "stop", id=account_id, reason=reason)


async def pause(conn: Conn, account_id: int) -> Account | None:
    """Hold an active account back (its drain claims nothing) and pause, with the reason, its
    campaigns that cannot go on without it; None if it was not active.

    Nothing is handed over: a pause is temporary, and the account keeps its rows.
    """
    async with conn.transaction():
        await run(conn, _Q, "serialize_stops")
        account = await one(conn, Account, _Q, "pause", id=account_id)
        if account is not None:
            await campaigns.pause_for_account(conn, account_id, "ACCOUNT_PAUSED")
            await campaigns.settle_stranded(conn, account_id)
    return account


async def resume(conn: Conn, account_id: int) -> Account | None:
    """Let a paused account send again; None if it was not paused. The caller kicks its drain
    (queue.defer.kick_drain) once this commits; campaigns paused meanwhile stay paused until an
    operator resumes them (an automatic resume never undoes a pause)."""
    return await one(conn, Account, _Q, "resume", id=account_id)


def lock_key(account_name: str) -> int:
    """The advisory lock key of an account's session: stable, signed 64-bit, per account name."""
    digest = hashlib.blake2b(f"predlagator-session:{account_name}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)
