"""What a campaign's final report reads: outcomes, errors, every delivery, pace and waits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from psycopg.rows import class_row
from pydantic import BaseModel

from predlagator.db.rows import Conn, many, one, run
from predlagator.db.sql import query
from predlagator.models import Campaign

_Q = "report"
# Rows fetched per round trip while streaming the ledger: a few hundred kilobytes at a time.
STREAM_ROWS = 2000


class Outcomes(BaseModel):
    """The ledger's counts by status, and the channels left out because they were off."""

    total: int
    sent: int
    failed: int
    cancelled: int
    pending: int  # queued or sending: only while the campaign is not finished
    skipped_inactive: int


class ErrorCount(BaseModel):
    """How many deliveries failed with one error code."""

    code: str
    n: int


class MinuteCount(BaseModel):
    """Posts and failures recorded in one UTC minute."""

    minute: datetime
    sent: int
    failed: int


class WaitEvent(BaseModel):
    """A flood wait of the account (with its end) or a resume of the campaign after one."""

    action: str
    created_at: datetime
    until: datetime | None


@dataclass(slots=True)
class Line:
    """One delivery as its CSV row needs it.

    A plain dataclass, not a pydantic model: a report reads every row of the ledger, and
    validating ten thousand models would cost more than the query.
    """

    position: int
    ref: str
    title: str | None
    status: str
    attempts: int
    error_code: str | None
    sent_at: str | None  # ISO 8601 in UTC, e.g. 2026-03-01T10:01:10Z
    message_id: int | None
    peer_type: str | None
    peer_id: int | None
    account_id: int = 0  # the account that sends it
    run: int = 1  # the run that last queued it (db/retries.py)
    round: int = 1  # a recurring campaign's round (predlagator/recurrence.py)

    # Its latest reach as read back from Telegram (db/reach.py); None until a read.
    views: int | None = None
    forwards: int | None = None
    reactions: int | None = None
    reach_read_at: str | None = None  # ISO 8601 in UTC


class RoundCount(BaseModel):
    """One round's rows of a recurring campaign, by outcome."""

    round: int
    total: int
    sent: int
    failed: int
    cancelled: int


async def by_round(conn: Conn, campaign_id: int) -> list[RoundCount]:
    """The campaign's rows per round, the first round first."""
    return await many(conn, RoundCount, _Q, "by_round", campaign_id=campaign_id)


async def outcomes(conn: Conn, campaign_id: int) -> Outcomes | None:
    """Return the campaign's counts, or None if there is no such campaign."""
    return await one(conn, Outcomes, _Q, "outcomes", campaign_id=campaign_id)


async def errors(conn: Conn, campaign_id: int) -> list[ErrorCount]:
    """Return failed deliveries per error code, most common first."""
    return await many(conn, ErrorCount, _Q, "errors", campaign_id=campaign_id)


async def per_minute(conn: Conn, campaign_id: int) -> list[MinuteCount]:
    """Return posts and failures per minute, minutes without either left out."""
    return await many(conn, MinuteCount, _Q, "per_minute", campaign_id=campaign_id)


async def wait_events(
    conn: Conn, campaign: Campaign, since: datetime, till: datetime
) -> list[WaitEvent]:
    """Return the account's flood waits and the campaign's resumes recorded up to `till`."""
    return await many(
        conn,
        WaitEvent,
        _Q,
        "wait_events",
        account_id=campaign.account_id,
        campaign_id=campaign.id,
        since=since,
        till=till,
    )


async def lines(conn: Conn, campaign_id: int) -> AsyncIterator[list[Line]]:
    """Yield every delivery in list order, in chunks read through a server-side cursor."""
    # A named cursor needs a transaction; it keeps memory flat however long the ledger is.
    # Binary results spare parsing numbers from text; chunks spare an await per row.
    async with (
        conn.transaction(),
        conn.cursor(name="report_lines", row_factory=class_row(Line), binary=True) as cur,
    ):
        await cur.execute(query(_Q, "lines"), {"campaign_id": campaign_id})
        while chunk := await cur.fetchmany(STREAM_ROWS):
            yield chunk


async def by_name(conn: Conn, name: str) -> list[Campaign]:
    """Return campaigns with this exact name (any case), newest first."""
    return await many(conn, Campaign, _Q, "by_name", name=name)


async def reportable(conn: Conn, limit: int) -> list[Campaign]:
    """Return the latest campaigns past their start, newest first."""
    return await many(conn, Campaign, _Q, "reportable", limit=limit)


async def claim_send(
    conn: Conn, campaign_id: int, chat_id: int, *, lock: str, window_s: float
) -> bool:
    """Claim sending the report into the chat now; False while one is on its way or just went.

    `lock` is the queueing lock of the chat's report jobs (queue.defer.report_lock).
    """
    claimed = await run(
        conn,
        _Q,
        "claim_send",
        campaign_id=campaign_id,
        chat_id=chat_id,
        lock=lock,
        window_s=window_s,
    )
    return claimed == 1
