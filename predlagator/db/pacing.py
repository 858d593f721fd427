"""Pacing state in PostgreSQL: the last reserved slot of each account and each campaign."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from predlagator.db.rows import Conn, run

_Q = "pacing"


async def set_slots(
    conn: Conn,
    account_id: int,
    account_slot: datetime | None,
    campaign_slots: Mapping[int, datetime | None],
) -> None:
    """Store the account's last slot and its campaigns' (a reservation, or a give-back)."""
    await run(
        conn,
        _Q,
        "set_slots",
        account_id=account_id,
        account_slot=account_slot,
        campaign_ids=list(campaign_slots),
        campaign_slots=list(campaign_slots.values()),
    )


async def release_ahead(conn: Conn, account_id: int, now: datetime | None = None) -> None:
    """Give back slots of the account and its campaigns reserved beyond `now` (or the
    database's clock); only while no drain of the account runs, that is when one starts."""
    await run(conn, _Q, "release_ahead", account_id=account_id, now=now)
