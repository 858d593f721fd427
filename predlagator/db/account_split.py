"""A campaign's accounts: which ones it sends through and each one's share of its ledger."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel

from predlagator.db.rows import Conn, many
from predlagator.models import Account

_Q = "account_split"


class AccountShare(BaseModel):
    """One account of a campaign: its state and its deliveries by outcome."""

    id: int
    name: str
    kind: str
    status: str  # active | paused | stopped
    stop_reason: str | None
    flood_until: datetime | None
    rate_per_minute: float
    removed_at: datetime | None
    sent: int
    pending: int  # queued or on its way
    failed: int

    @property
    def simulated(self) -> bool:
        """A simulated account: it never reaches Telegram."""
        return self.kind == "simulated"


async def of_campaign(conn: Conn, campaign_id: int) -> list[AccountShare]:
    """Every account of the campaign with its counts, the busiest first."""
    return await many(conn, AccountShare, _Q, "of_campaign", id=campaign_id)


async def lock_of_campaign(conn: Conn, campaign_id: int) -> list[Account]:
    """The campaign's accounts, locked against a stop until the transaction ends."""
    return await many(conn, Account, _Q, "lock_of_campaign", campaign_id=campaign_id)


async def by_ids(conn: Conn, ids: Sequence[int]) -> list[Account]:
    """The accounts with these ids, in that order (missing ones left out)."""
    return await many(conn, Account, _Q, "by_ids", ids=list(ids))
