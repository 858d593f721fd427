"""What each send outcome does to the ledger, the channel, the account and its campaigns."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from predlagator.db import accounts, audit, campaigns, channels, deliveries
from predlagator.db.rows import Conn
from predlagator.delivery.policy import Policy
from predlagator.delivery.serial_sender import DEFAULT_FLOOD_S, KnownFloodWait
from predlagator.models import Campaign, CampaignStatus, Claim
from predlagator.telegram_errors import ErrorClass, TelegramFailure, classify

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deactivated:
    """A channel switched off: its ref, the error's code and how many times in a row it came."""

    ref: str
    code: str
    count: int

    def params(self) -> dict[str, str | int]:
        """As the chat's notice gets it."""
        return {"ref": self.ref, "code": self.code, "count": self.count}


@dataclass
class Effects:
    """What the drain must do after recording an outcome."""

    stop_draining: bool = False
    resume_at: datetime | None = None
    final: bool = False  # the delivery reached sent or failed
    waiting: list[Campaign] = field(default_factory=list)
    paused: list[Campaign] = field(default_factory=list)
    deactivated: list[Deactivated] = field(default_factory=list)
    kick: list[int] = field(default_factory=list)  # accounts handed rows: their drains start
    stopped: str | None = None  # the account stopped for good, with this code: owners are told


async def record_sent(conn: Conn, claim: Claim, message_id: int | None, tz: str = "UTC") -> Effects:
    """A post went out (or Telegram says it already had)."""
    await deliveries.mark_sent(conn, claim.delivery_id, message_id, tz)
    return Effects(final=True)


async def record_failure(
    conn: Conn,
    account_id: int,
    claim: Claim,
    failure: TelegramFailure,
    retry_limit: int,
    policy: Policy,
) -> Effects:
    """Apply the taxonomy of DESIGN.md to one failed request."""
    kind = classify(failure.code)
    text = failure.text[:500]
    log.info(
        "send failed",
        extra={"delivery_id": claim.delivery_id, "code": failure.code, "class": kind.value},
    )
    if kind is ErrorClass.ALREADY_SENT:
        return await record_sent(conn, claim, None, policy.timezone)
    if isinstance(failure, KnownFloodWait):
        # Never reached Telegram: another request (a test send) got the wait and records it,
        # campaigns and resume included. This one steps back, no attempt counted.
        await deliveries.requeue(conn, claim.delivery_id)
        return Effects(stop_draining=True)
    if kind is ErrorClass.ACCOUNT_FLOOD:
        return await _flood(conn, account_id, claim, failure, policy.timezone)
    if kind is ErrorClass.ACCOUNT_FATAL:
        return await _account_fatal(conn, account_id, claim, failure, policy.timezone)
    if kind is ErrorClass.SLOWMODE:
        await deliveries.retry_later(
            conn, claim.delivery_id, float(failure.seconds or 10), failure.code, text, refund=True
        )
        return Effects()
    if kind is ErrorClass.CHANNEL_PERMANENT:
        await deliveries.mark_failed(conn, claim.delivery_id, failure.code, text)
        effects = Effects(final=True)
        if await channels.deactivate(conn, claim.channel_id, failure.code) is not None:
            await _deactivated(conn, claim, failure.code, 1, effects)
        return effects
    if kind is ErrorClass.NEEDS_OPERATOR:
        await deliveries.mark_failed(conn, claim.delivery_id, failure.code, text)
        return Effects(final=True)
    return await _transient(conn, claim, failure, retry_limit, policy)


async def _transient(
    conn: Conn, claim: Claim, failure: TelegramFailure, retry_limit: int, policy: Policy
) -> Effects:
    # The claim was read before the row was marked sending, which counted this attempt.
    attempt = claim.attempts + 1
    text = failure.text[:500]
    if attempt <= retry_limit:
        await deliveries.retry_later(
            conn, claim.delivery_id, policy.backoff_s(attempt), failure.code, text
        )
        return Effects()
    await deliveries.mark_failed(conn, claim.delivery_id, failure.code, text)
    effects = Effects(final=True)
    # One failed delivery is one error for the channel: an outage retried a few times must not
    # deactivate every channel at once.
    limit = policy.channel_error_limit
    channel = await channels.count_error(conn, claim.channel_id, failure.code, limit)
    # Only the error that crossed the limit reports the deactivation.
    if channel is not None and not channel.active and channel.consecutive_errors == limit:
        await _deactivated(conn, claim, failure.code, limit, effects)
    return effects


async def _deactivated(conn: Conn, claim: Claim, code: str, count: int, effects: Effects) -> None:
    """Audit a channel's deactivation and have the chat told."""
    await audit.record(
        conn,
        None,
        "channel.deactivated",
        "channel",
        claim.channel_id,
        code=code,
        count=count,
        ref=claim.channel_ref,
    )
    effects.deactivated.append(Deactivated(claim.channel_ref, code, count))


async def _flood(
    conn: Conn, account_id: int, claim: Claim, failure: TelegramFailure, tz: str
) -> Effects:
    async with conn.transaction():
        # Throttling is not the channel's fault: no attempt is counted.
        await deliveries.requeue(conn, claim.delivery_id)
        return await account_flood(conn, account_id, failure, tz)


async def account_flood(
    conn: Conn, account_id: int, failure: TelegramFailure, tz: str = "UTC"
) -> Effects:
    """Park the account until its flood wait ends, and with it its running campaigns that no
    other of their accounts carries on; its rows stay its own (they wait with it)."""
    until = datetime.now(UTC) + timedelta(seconds=max(failure.seconds or DEFAULT_FLOOD_S, 1))
    async with conn.transaction():
        await accounts.set_flood(conn, account_id, until)
        waiting = await campaigns.enter_waiting(conn, account_id, until, tz)
        await audit.record(
            conn,
            None,
            "account.flood_wait",
            "account",
            account_id,
            seconds=failure.seconds,
            until=until.isoformat(),
        )
    return Effects(stop_draining=True, resume_at=until, waiting=waiting)


async def _account_fatal(
    conn: Conn, account_id: int, claim: Claim, failure: TelegramFailure, tz: str
) -> Effects:
    async with conn.transaction():
        await deliveries.requeue(conn, claim.delivery_id)
        # The row that met the error was tried from this account: it stays with it.
        return await account_fatal(conn, account_id, failure, keep=[claim.delivery_id], tz=tz)


async def account_fatal(
    conn: Conn,
    account_id: int,
    failure: TelegramFailure,
    keep: Sequence[int] = (),
    tz: str = "UTC",
) -> Effects:
    """Stop the account for good, hand its never-tried rows (save `keep`) to its campaigns'
    other active accounts, and pause with the reason the campaigns left with none; those whose
    rows left are all on accounts that wait, wait with them."""
    async with conn.transaction():
        await accounts.stop(conn, account_id, failure.code)
        kick = await deliveries.hand_over(conn, account_id, keep)
        paused = await campaigns.pause_for_account(conn, account_id, failure.code)
        settled = await campaigns.settle_stranded(conn, account_id, tz)
        await audit.record(
            conn, None, "account.stopped", "account", account_id, reason=failure.code
        )
    paused += [c for c in settled if c.status is CampaignStatus.PAUSED]
    waiting = [c for c in settled if c.status is CampaignStatus.WAITING]
    return Effects(
        stop_draining=True, paused=paused, waiting=waiting, kick=kick, stopped=failure.code
    )
