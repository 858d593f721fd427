"""Sending accounts: status, flood deadline and pace (its slots: db/pacing.py)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from predlagator.db.rows import Conn, many, one
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
    """The campaign's sending account, locked against a stop until the transaction ends."""
    return await one(conn, Account, _Q, "of_campaign", campaign_id=campaign_id)


async def list_all(conn: Conn) -> list[Account]:
    """Return every account."""
    return await many(conn, Account, _Q, "list_all")


async def set_flood(conn: Conn, account_id: int, until: datetime | None) -> Account | None:
    """Record (or clear) the moment the account may send again."""
    return await one(conn, Account, _Q, "set_flood", id=account_id, flood_until=until)


async def stop(conn: Conn, account_id: int, reason: str) -> Account | None:
    """Stop an account for good (until an operator acts)."""
    return await one(conn, Account, _Q, "stop", id=account_id, reason=reason)


def lock_key(account_name: str) -> int:
    """The advisory lock key of an account's session: stable, signed 64-bit, per account name."""
    digest = hashlib.blake2b(f"predlagator-session:{account_name}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)
