"""The worker's side of the actions' ledger: claim an account's due rows and record outcomes."""

from __future__ import annotations

from datetime import datetime

from predlagator.db import actions, claiming, rounds
from predlagator.db.rows import Conn, dicts, many, run
from predlagator.models import ActionClaim, CampaignAction, PostAction

_Q = "action_rows"


async def claim(
    conn: Conn,
    account_id: int,
    *,
    limit: int,
    batch_s: float,
    now: datetime | None = None,
    spacing: float = 0.0,
) -> list[ActionClaim]:
    """The account's due rows of running actions, as many as its pace fits in `batch_s`;
    rows whose post ended without being out are settled (cancelled, or failed) and the batch
    is claimed again without them."""
    return await _claim(
        conn, account_id, reach=False, limit=limit, batch_s=batch_s, now=now, spacing=spacing
    )


async def claim_reach(
    conn: Conn, account_id: int, *, limit: int, now: datetime | None = None
) -> list[ActionClaim]:
    """Up to `limit` of the account's due reach rows (the drain asks only in a gap)."""
    return await _claim(conn, account_id, reach=True, limit=limit, batch_s=None, now=now)


async def _claim(
    conn: Conn,
    account_id: int,
    *,
    reach: bool,
    limit: int,
    batch_s: float | None,
    now: datetime | None,
    spacing: float = 0.0,
) -> list[ActionClaim]:
    claims = await claiming.claim(
        conn,
        ActionClaim,
        _Q,
        "claim",
        _settle,
        account_id=account_id,
        reach=reach,
        limit=limit,
        batch_s=batch_s,
        now=now,
        spacing=spacing,
    )
    # Left only when settle found it changed meanwhile (its row cancelled): nothing to act on.
    return [claim for claim in claims if claim.post_out]


async def _settle(conn: Conn, claims: list[ActionClaim]) -> int:
    """End the claimed rows whose post ended without being out."""
    ended = [claim.row_id for claim in claims if not claim.post_out]
    return await run(conn, _Q, "settle", ids=ended) if ended else 0


async def record_reach(
    conn: Conn,
    row_id: int,
    *,
    views: int | None,
    forwards: int | None,
    reactions: int,
    members: int | None,
) -> None:
    """Keep a read's figures on its row and as its post's latest; the channel's members."""
    await run(
        conn,
        _Q,
        "record_reach",
        id=row_id,
        views=views,
        forwards=forwards,
        reactions=reactions,
        members=members,
    )


async def mark_sending(conn: Conn, row_id: int) -> bool:
    """Count an attempt and mark the row sending, if its action still runs and its account is
    still active."""
    return await run(conn, _Q, "mark_sending", id=row_id) == 1


async def mark_done(conn: Conn, row_id: int, note: str | None = None) -> None:
    """The post is as the action wants it; `note` keeps Telegram's code when it said so."""
    await run(conn, _Q, "mark_done", id=row_id, note=note)


async def mark_failed(conn: Conn, row_id: int, code: str, text: str) -> None:
    """Record a final failure."""
    await run(conn, _Q, "mark_failed", id=row_id, code=code, text=text)


async def retry_later(conn: Conn, row_id: int, delay_s: float, code: str, text: str) -> None:
    """Queue the row again, due after `delay_s` s."""
    await run(conn, _Q, "retry_later", id=row_id, delay_s=delay_s, code=code, text=text)


async def requeue(conn: Conn, row_id: int) -> None:
    """Give back a mark without counting the attempt."""
    await run(conn, _Q, "requeue", id=row_id)


async def release_interrupted(conn: Conn, account_id: int) -> int:
    """Give back, attempt refunded, what a dead drain of the account left `sending`; only
    while holding the account's session lock."""
    return await run(conn, _Q, "release_interrupted", account_id=account_id)


async def finish_done(conn: Conn, account_id: int | None = None) -> list[CampaignAction]:
    """End the actions with nothing left to go (of one account's campaigns and rows, or all):
    completed, or a cancelled one's end. An edit first looks again for posts that went out
    with an older version while it ran (actions.resnapshot)."""
    found = await dicts(conn, _Q, "finishable", account_id=account_id)
    if not found:
        return []
    for row in found:
        if row["kind"] == PostAction.EDIT:
            await actions.resnapshot(conn, row["id"])
    async with conn.transaction():
        ended = await many(conn, CampaignAction, _Q, "finish", ids=[row["id"] for row in found])
        # A recurring campaign's new round waited for the delete of the round before's posts.
        await rounds.release(conn, [a.id for a in ended if a.round is not None])
    return ended


async def next_due(conn: Conn, account_id: int) -> datetime | None:
    """When the account's earliest row of a running action comes due, if any."""
    rows = await dicts(conn, _Q, "next_due", account_id=account_id)
    at: datetime | None = rows[0]["at"] if rows else None
    return at


async def accounts_due(conn: Conn) -> list[int]:
    """Active accounts, out of a flood wait, with rows of running actions due now."""
    return [row["id"] for row in await dicts(conn, _Q, "accounts_due")]
