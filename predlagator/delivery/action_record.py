"""What each outcome of an action over a post does to its row, the account and its campaigns."""

from __future__ import annotations

import logging

from predlagator.db import action_rows
from predlagator.db.rows import Conn
from predlagator.delivery import outcomes
from predlagator.delivery.action_outcomes import ActionOutcome, action_outcome
from predlagator.delivery.policy import Policy
from predlagator.delivery.serial_sender import KnownFloodWait
from predlagator.models import ActionClaim
from predlagator.telegram_errors import TelegramFailure

log = logging.getLogger(__name__)


async def record_failure(
    conn: Conn, account_id: int, claim: ActionClaim, failure: TelegramFailure, policy: Policy
) -> outcomes.Effects:
    """Apply delivery/action_outcomes.py to one failed request; the account-wide answers
    (flood wait, account stop) go through outcomes as for a post."""
    if isinstance(failure, KnownFloodWait):
        # Never reached Telegram: the request that met the wait records it.
        await action_rows.requeue(conn, claim.row_id)
        return outcomes.Effects(stop_draining=True)
    outcome = action_outcome(claim.kind, failure.code)
    text = failure.text[:500]
    log.info(
        "action failed",
        extra={"row_id": claim.row_id, "code": failure.code, "outcome": outcome.value},
    )
    if outcome is ActionOutcome.DONE:
        await action_rows.mark_done(conn, claim.row_id, note=failure.code)
    elif outcome is ActionOutcome.FAILED:
        await action_rows.mark_failed(conn, claim.row_id, failure.code, text)
    elif outcome is ActionOutcome.RETRY:
        # The claim was read before the mark, which counted this attempt.
        attempt = claim.attempts + 1
        if attempt <= claim.retry_limit:
            delay = policy.backoff_s(attempt)
            await action_rows.retry_later(conn, claim.row_id, delay, failure.code, text)
        else:
            await action_rows.mark_failed(conn, claim.row_id, failure.code, text)
    elif outcome is ActionOutcome.WAIT_ACCOUNT:
        async with conn.transaction():
            # Throttling is not the post's fault: no attempt is counted.
            await action_rows.requeue(conn, claim.row_id)
            return await outcomes.account_flood(conn, account_id, failure, policy.timezone)
    else:
        async with conn.transaction():
            # The row stays with the account that made the post: it waits for it.
            await action_rows.requeue(conn, claim.row_id)
            return await outcomes.account_fatal(conn, account_id, failure, tz=policy.timezone)
    return outcomes.Effects()
