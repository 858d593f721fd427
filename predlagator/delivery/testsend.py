"""A test send (/test): one post at once from the account's worker, outside any campaign.

It runs in the worker holding the account's session, beside any drain, through the same
SerialSender: it waits for at most the one request in flight, never for a campaign's pacing,
and never goes out during a flood wait. It touches no ledger, pacing slot or channel error
count. A permanent channel error is reported, not acted on: the channel may be in no batch, and
a campaign that meets the same error deactivates it anyway. What concerns the account itself (a
flood wait, a dead session) is recorded exactly as the drain records it, since every campaign on
the account is concerned too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from predlagator.db import accounts, channels, templates
from predlagator.db import testsend as lookups
from predlagator.delivery import outcomes
from predlagator.delivery.drain import DrainDeps
from predlagator.delivery.posting import media_file
from predlagator.delivery.sender import Peer
from predlagator.delivery.serial_sender import KnownFloodWait
from predlagator.models import Template
from predlagator.queue import defer
from predlagator.telegram_errors import ErrorClass, TelegramFailure, classify

log = logging.getLogger(__name__)

# The target meaning the account's own Saved Messages.
ME = "me"
SAVED_MESSAGES = Peer(peer_type="self", peer_id=0)


@dataclass(frozen=True)
class Request:
    """One test post: which account, template and target, its random_id and deadline."""

    account_id: int
    template_id: int
    target: str  # a normalised channel ref (channel_refs.parse_one), or ME
    random_id: int  # chosen by the bot: a re-run job sends the same post, never a second one
    deadline: datetime


async def perform(deps: DrainDeps, request: Request) -> dict[str, Any]:
    """Send the post unless it is too late or the account may not; return the outcome.

    The outcome is what the bot needs to tell the operator: `kind` (sent, failed, flood,
    expired, account_stopped, template_gone) and the details of that kind.
    """
    if datetime.now(UTC) > request.deadline:
        # Sent late, a test would surprise whoever asked a minute ago: drop it, say so.
        return {"kind": "expired"}
    async with deps.pool.connection() as conn:
        account = await accounts.get(conn, request.account_id)
        template = await templates.get(conn, request.template_id)
        known = None
        if request.target != ME:
            known = await lookups.known_channel(conn, request.account_id, request.target)
    if account is None or account.status != "active":
        return {"kind": "account_stopped", "reason": account.stop_reason if account else None}
    if account.flood_until is not None and account.flood_until > datetime.now(UTC):
        return {"kind": "flood", "until": account.flood_until.isoformat()}
    if template is None:
        return {"kind": "template_gone"}
    try:
        peer = await _peer(deps, request, known)
        message_id = await _post(deps, peer, template, request.random_id)
    except TelegramFailure as failure:
        return await _failed(deps, request.account_id, failure)
    log.info(
        "test sent",
        extra={"template_id": template.id, "peer_id": peer.peer_id, "message_id": message_id},
    )
    return _sent(peer, message_id)


async def _peer(deps: DrainDeps, request: Request, known: lookups.KnownChannel | None) -> Peer:
    """The target as the account knows it: stored, or resolved now (and stored if known)."""
    if request.target == ME:
        return SAVED_MESSAGES
    if known is not None and known.peer is not None:
        return known.peer
    peer = await deps.sender.resolve(request.target)
    if known is not None:
        # A cache of the account's own lookup, as the drain keeps it: the next campaign to this
        # channel saves the request.
        async with deps.pool.connection() as conn:
            await channels.save_peers(conn, request.account_id, [(known.channel_id, peer)])
    return peer


async def _post(deps: DrainDeps, peer: Peer, template: Template, random_id: int) -> int | None:
    """Send the template as a campaign would: its text, or its file with the text as caption."""
    if template.media_kind is None:
        return await deps.sender.send(peer, template.html, random_id)
    async with deps.pool.connection() as conn:
        media = await media_file(conn, template.id, template.media_kind)
        return await deps.sender.send_media(peer, template.html, media, random_id)


def _sent(peer: Peer, message_id: int | None) -> dict[str, Any]:
    return {
        "kind": "sent",
        "message_id": message_id,
        "peer_type": peer.peer_type,
        "peer_id": peer.peer_id,
    }


async def _failed(deps: DrainDeps, account_id: int, failure: TelegramFailure) -> dict[str, Any]:
    """Classify the failure; record what concerns the account, as the drain does."""
    kind = classify(failure.code)
    log.info("test send failed", extra={"code": failure.code, "class": kind.value})
    if isinstance(failure, KnownFloodWait):
        # Another request got the wait a moment ago and records it; nothing was sent.
        until = datetime.now(UTC) + timedelta(seconds=failure.seconds or 1)
        return {"kind": "flood", "until": until.isoformat()}
    if kind is ErrorClass.ALREADY_SENT:
        # This job ran before and the post went out then (the message id is not told again).
        return {"kind": "sent", "message_id": None, "peer_type": None, "peer_id": None}
    if kind is ErrorClass.ACCOUNT_FLOOD:
        async with deps.pool.connection() as conn:
            effects = await outcomes.account_flood(conn, account_id, failure, deps.policy.timezone)
        await _announce(deps, account_id, effects)
        assert effects.resume_at is not None
        return {"kind": "flood", "until": effects.resume_at.isoformat(), "new": True}
    if kind is ErrorClass.ACCOUNT_FATAL:
        async with deps.pool.connection() as conn:
            effects = await outcomes.account_fatal(
                conn, account_id, failure, tz=deps.policy.timezone
            )
        await _announce(deps, account_id, effects)
    return {"kind": "failed", "code": failure.code, "class": kind.value, "seconds": failure.seconds}


async def _announce(deps: DrainDeps, account_id: int, effects: outcomes.Effects) -> None:
    """What the drain does after an account-wide outcome: resume kick, notices, cards."""
    app = deps.app
    for other in effects.kick:  # took over the stopped account's untried rows
        await defer.kick_drain(app, other)
    if effects.stopped is not None:
        await defer.account_alert(app, account_id, effects.stopped)
    if effects.resume_at is not None:
        await defer.kick_drain(app, account_id, at=effects.resume_at)
        seconds = max(int((effects.resume_at - datetime.now(UTC)).total_seconds() + 0.999), 0)
        for campaign in effects.waiting:
            until = effects.resume_at.isoformat()
            await defer.notify(app, campaign.id, "flood_wait", until=until, seconds=seconds)
            await defer.refresh_progress(app, campaign.id, delay_s=0)
    for campaign in effects.paused:
        reason = campaign.status_reason or ""
        await defer.notify(app, campaign.id, "account_stopped", reason=reason)
        await defer.refresh_progress(app, campaign.id, delay_s=0)
