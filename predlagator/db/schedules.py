"""Campaigns that start later: a draft scheduled for a moment."""

from __future__ import annotations

from datetime import datetime

from predlagator.db.rows import Conn, one
from predlagator.models import Campaign

_Q = "schedules"


async def schedule(conn: Conn, campaign_id: int, at: datetime) -> Campaign | None:
    """Mark a draft scheduled to start at `at`; None if it is not a draft."""
    return await one(conn, Campaign, _Q, "schedule", id=campaign_id, at=at)
