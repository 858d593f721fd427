"""Finding campaigns for a command: by name, by the states an action applies to, what is left."""

from __future__ import annotations

from collections.abc import Iterable

from predlagator.db.rows import Conn, dicts, many
from predlagator.models import Campaign, CampaignStatus

_Q = "campaign_lookup"


async def by_name(conn: Conn, name: str, limit: int = 20) -> list[Campaign]:
    """Campaigns called exactly `name`, ignoring case, newest first."""
    return await many(conn, Campaign, _Q, "by_name", name=name.strip(), limit=limit)


async def in_states(
    conn: Conn, states: Iterable[CampaignStatus], limit: int = 20
) -> list[Campaign]:
    """Campaigns in any of `states`, newest first."""
    return await many(conn, Campaign, _Q, "in_states", states=sorted(states), limit=limit)


async def unsent(conn: Conn, campaign_id: int) -> int:
    """How many posts of the campaign have not gone out and would not after a cancel."""
    rows = await dicts(conn, _Q, "unsent", id=campaign_id)
    return int(rows[0]["n"]) if rows else 0
