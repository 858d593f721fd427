"""Reach collections: the +1 h and +24 h reads the reconcile makes, Refresh reach, the figures."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from predlagator.db.rows import Conn, dicts, many
from predlagator.models import ReachFigure

_Q = "reach"
# (label, stage, hours after the send): the +24 h one first, so a post found later than that
# (a worker down for a day) gets that read only.
COLLECTIONS = (("24h", 2, 24), ("1h", 1, 1))
# A Refresh reach is let through at most this often per campaign.
REFRESH_EVERY_S = 600
# The label of a Refresh reach collection (the others are the COLLECTIONS).
MANUAL = "manual"


async def make_due(conn: Conn) -> list[int]:
    """Make the collections that came due; return the accounts whose drains read them."""
    kick: set[int] = set()
    for label, stage, hours in COLLECTIONS:
        rows = await dicts(conn, _Q, "make_due", label=label, stage=stage, hours=hours)
        kick.update(row["account_id"] for row in rows)
    return sorted(kick)


async def readable(conn: Conn, campaign_id: int) -> int:
    """How many of the campaign's posts a Refresh reach would read."""
    rows = await dicts(conn, _Q, "readable", id=campaign_id)
    return int(rows[0]["n"])


class TooSoon(NamedTuple):
    """A Refresh reach refused: when the last one was made, by the database's clock."""

    last: datetime
    now: datetime


async def refresh(
    conn: Conn, campaign_id: int, *, chat_id: int | None, created_by: int | None
) -> list[int] | TooSoon:
    """Make a Refresh reach collection, in the caller's transaction, unless one was made in the
    last REFRESH_EVERY_S; return the accounts whose drains read it, or when the last one was."""
    taken = await dicts(conn, _Q, "take_refresh", id=campaign_id, every_s=REFRESH_EVERY_S)
    if not taken:
        [last] = await dicts(conn, _Q, "refreshed_at", id=campaign_id)
        return TooSoon(last["at"], last["now"])
    rows = await dicts(
        conn,
        _Q,
        "make_manual",
        id=campaign_id,
        label=MANUAL,
        chat_id=chat_id,
        created_by=created_by,
    )
    return sorted({row["account_id"] for row in rows})


async def figures(conn: Conn, campaign_id: int) -> list[ReachFigure]:
    """The latest figures of every post of the campaign read at least once, most viewed first."""
    return await many(conn, ReachFigure, _Q, "figures", id=campaign_id)
