"""The delivery ledger: one row per campaign and channel."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from predlagator.db.rows import Conn, dicts, many, one, run
from predlagator.models import Claim, Delivery

_Q = "deliveries"


async def snapshot(conn: Conn, campaign_id: int) -> int:
    """Copy the campaign's active channels into the ledger; return rows added."""
    return await run(conn, _Q, "snapshot", campaign_id=campaign_id)


async def claim(
    conn: Conn,
    account_id: int,
    limit: int = 1,
    batch_s: float | None = None,
    *,
    now: datetime | None = None,
    spacing: float = 0.0,
) -> list[Claim]:
    """Return up to `limit` due deliveries of the account's running campaigns, in turn order.

    With `batch_s`, the batch spans that many seconds from the earliest campaign's next slot,
    each campaign at its own pace (its intervals widened by `spacing`); `now` stands in for the
    database's clock. Rows to channels switched off since the ledger was made fail first,
    untried (fail_switched_off).
    """
    await run(conn, _Q, "fail_switched_off", account_id=account_id)
    return await many(
        conn,
        Claim,
        _Q,
        "claim",
        account_id=account_id,
        limit=limit,
        batch_s=batch_s,
        now=now,
        spacing=spacing,
    )


async def mark_sent_many(conn: Conn, sent: Sequence[tuple[int, int | None]]) -> None:
    """Record a batch of (delivery id, message id) that went out."""
    if sent:
        await run(
            conn,
            _Q,
            "mark_sent_many",
            ids=[i for i, _ in sent],
            message_ids=[m for _, m in sent],
        )


async def release_interrupted(conn: Conn, account_id: int) -> int:
    """Give back, attempt refunded, what a dead drain of the account left `sending`.

    Only while holding the account's session lock, so no live drain has rows in flight.
    """
    return await run(conn, _Q, "release_interrupted", account_id=account_id)


async def mark_sending(conn: Conn, delivery_id: int) -> bool:
    """Count an attempt and mark the row sending, if its campaign still runs."""
    return await run(conn, _Q, "mark_sending", id=delivery_id) == 1


async def mark_sent(conn: Conn, delivery_id: int, message_id: int | None) -> bool:
    """Record a post that went out; resets the channel's error count."""
    return await run(conn, _Q, "mark_sent", id=delivery_id, message_id=message_id) == 1


async def mark_failed(conn: Conn, delivery_id: int, code: str, text: str) -> Delivery | None:
    """Record a final failure."""
    return await one(conn, Delivery, _Q, "mark_failed", id=delivery_id, code=code, text=text)


async def retry_later(
    conn: Conn, delivery_id: int, delay_s: float, code: str, text: str, *, refund: bool = False
) -> Delivery | None:
    """Queue the delivery again, due after `delay_s` s; `refund` gives the attempt back."""
    return await one(
        conn,
        Delivery,
        _Q,
        "retry_later",
        id=delivery_id,
        delay_s=delay_s,
        code=code,
        text=text,
        refund=refund,
    )


async def requeue(conn: Conn, delivery_id: int) -> None:
    """Give back a claim without counting the attempt."""
    await run(conn, _Q, "requeue", id=delivery_id)


async def cancel_pending(conn: Conn, campaign_id: int) -> int:
    """Cancel every delivery of the campaign that has not ended."""
    return await run(conn, _Q, "cancel_pending", campaign_id=campaign_id)


async def list_for_campaign(conn: Conn, campaign_id: int) -> list[Delivery]:
    """Return the campaign's whole ledger in list order."""
    return await many(conn, Delivery, _Q, "list_for_campaign", campaign_id=campaign_id)


async def next_due(conn: Conn, account_id: int) -> datetime | None:
    """Return when the account's earliest pending delivery comes due, if any."""
    rows = await dicts(conn, _Q, "next_due", account_id=account_id)
    at: datetime | None = rows[0]["at"] if rows else None
    return at


async def next_retry(conn: Conn, account_id: int) -> datetime | None:
    """Return when the account's earliest retry still to come is due, if any."""
    rows = await dicts(conn, _Q, "next_retry", account_id=account_id)
    at: datetime | None = rows[0]["at"] if rows else None
    return at
