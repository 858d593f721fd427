"""The delivery ledger: one row per campaign and channel."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from predlagator.db import assignment, claiming
from predlagator.db.rows import Conn, dicts, many, one, run
from predlagator.models import Claim, Delivery

_Q = "deliveries"


async def snapshot(conn: Conn, campaign_id: int, run_no: int = 1) -> int:
    """Lay the campaign's active channels out in the ledger of its current round (in run
    `run_no`), each assigned to one of its active accounts (db/assignment.py); return rows
    added (none when no account may take them)."""
    loads = await dicts(conn, _Q, "launch_accounts", campaign_id=campaign_id)
    if not loads:
        return 0
    paces = {row["id"]: row["pace"] for row in loads}
    channels = await dicts(
        conn, _Q, "launch_channels", campaign_id=campaign_id, account_ids=list(paces)
    )
    rows = [assignment.Row(c["channel_id"], list(paces), c["sticky"]) for c in channels]
    chosen = assignment.plan(rows, {row["id"]: row["pending"] for row in loads}, paces)
    return await run(
        conn,
        _Q,
        "lay_out",
        campaign_id=campaign_id,
        run=run_no,
        channel_ids=[c["channel_id"] for c in channels],
        positions=[c["position"] for c in channels],
        account_ids=chosen,
    )


async def stopped_holders(conn: Conn) -> list[int]:
    """Stopped or removed accounts still holding never-tried rows of live campaigns."""
    return [row["id"] for row in await dicts(conn, _Q, "stopped_holders")]


async def hand_over(conn: Conn, account_id: int, keep: Sequence[int] = ()) -> list[int]:
    """Move the stopped account's never-attempted rows (save `keep`) to their campaigns' other
    active accounts; return the accounts that got some. Rows already tried stay: Telegram
    deduplicates a random_id per sending account, so another account could post them twice."""
    found = await dicts(conn, _Q, "handover_rows", account_id=account_id, keep=list(keep))
    found = [row for row in found if row["candidates"]]
    if not found:
        return []
    others = sorted({a for row in found for a in row["candidates"]})
    loads = await dicts(conn, _Q, "account_loads", account_ids=others)
    paces = {row["id"]: row["pace"] for row in loads}
    rows = [assignment.Row(r["id"], r["candidates"], r["sticky"]) for r in found]
    chosen = assignment.plan(rows, {row["id"]: row["pending"] for row in loads}, paces)
    moved = [(row.key, account) for row, account in zip(rows, chosen, strict=True) if account]
    await run(
        conn,
        _Q,
        "reassign",
        from_account=account_id,
        ids=[i for i, _ in moved],
        account_ids=[a for _, a in moved],
    )
    return sorted({a for _, a in moved})


async def claim(
    conn: Conn,
    account_id: int,
    limit: int = 1,
    batch_s: float | None = None,
    *,
    now: datetime | None = None,
    spacing: float = 0.0,
    tz: str = "UTC",
) -> list[Claim]:
    """Return up to `limit` due deliveries of the account's running campaigns, in turn order.

    With `batch_s`, the batch spans that many seconds from the earliest campaign's next slot,
    each campaign at its own pace (its intervals widened by `spacing`); `now` stands in for the
    database's clock; the account's daily cap counts days in `tz`. Rows to channels switched
    off since the ledger was made fail untried (fail_switched_off), and the batch is claimed
    again without them.
    """
    return await claiming.claim(
        conn,
        Claim,
        _Q,
        "claim",
        _fail_switched_off,
        account_id=account_id,
        limit=limit,
        batch_s=batch_s,
        now=now,
        spacing=spacing,
        tz=tz,
    )


async def _fail_switched_off(conn: Conn, claims: list[Claim]) -> int:
    """Fail, untried, the claimed rows to channels switched off since the ledger was made."""
    off = [claim.delivery_id for claim in claims if not claim.channel_active]
    # None failed: switched on again meanwhile, so they go (mark_sending looks again).
    return await run(conn, _Q, "fail_switched_off", ids=off) if off else 0


async def mark_sent_many(
    conn: Conn, sent: Sequence[tuple[int, int | None]], tz: str = "UTC"
) -> None:
    """Record a batch of (delivery id, message id) that went out; each account counts its
    posts of the day (in `tz`)."""
    if sent:
        await run(
            conn,
            _Q,
            "mark_sent_many",
            ids=[i for i, _ in sent],
            message_ids=[m for _, m in sent],
            tz=tz,
        )


async def release_interrupted(conn: Conn, account_id: int) -> int:
    """Give back, attempt refunded, what a dead drain of the account left `sending` (the rows
    stay the account's: their random_id was sent from it).

    Only while holding the account's session lock, so no live drain has rows in flight.
    """
    return await run(conn, _Q, "release_interrupted", account_id=account_id)


async def mark_sending(conn: Conn, delivery_id: int, template_id: int | None = None) -> bool:
    """Count an attempt and mark the row sending, if its campaign still runs (still with
    `template_id`, the version claimed, when given) and its account is still active."""
    return await run(conn, _Q, "mark_sending", id=delivery_id, template_id=template_id) == 1


async def mark_sent(conn: Conn, delivery_id: int, message_id: int | None, tz: str = "UTC") -> bool:
    """Record a post that went out; resets the channel's error count."""
    return await run(conn, _Q, "mark_sent", id=delivery_id, message_id=message_id, tz=tz) == 1


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


async def has_ledger(conn: Conn, campaign_id: int) -> bool:
    """Whether the campaign's ledger was laid out."""
    return bool(await dicts(conn, _Q, "has_ledger", campaign_id=campaign_id))


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
