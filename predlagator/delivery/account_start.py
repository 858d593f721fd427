"""Starting one account in a worker: its sender, the recovery of what a dead drain left, and
what a session Telegram refuses does to the account."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import procrastinate

from predlagator.db import deliveries
from predlagator.db.pool import Pool
from predlagator.delivery import outcomes, tasks
from predlagator.delivery.drain import DrainDeps
from predlagator.delivery.locked_sender import Lock, LockedPostActions, LockedSender
from predlagator.delivery.post_actions import ActsOnPosts
from predlagator.delivery.sender import ManagedSender, SessionRejected
from predlagator.delivery.serial_sender import SerialPostActions, SerialSender, Turns
from predlagator.delivery.served import Held
from predlagator.delivery.simulated_sender import SimulatedSender
from predlagator.queue import defer, names
from predlagator.telegram_errors import TelegramFailure

if TYPE_CHECKING:
    from predlagator.delivery.supervisor import Serving

log = logging.getLogger(__name__)


def drain_deps(serving: Serving, sender: ManagedSender, lock: Lock) -> DrainDeps:
    """The account's drain deps: its posts, actions over posts and test sends take turns
    (one request in flight, none in a known flood wait), and each turn checks the account's
    lock is still held right before reaching Telegram."""
    turns = Turns()
    actions = None
    if isinstance(sender, ActsOnPosts):
        actions = SerialPostActions(LockedPostActions(sender.post_actions(), lock), turns)
    return DrainDeps(
        pool=serving.pool,
        app=serving.app,
        sender=SerialSender(LockedSender(sender, lock), turns=turns),
        policy=serving.policy,
        actions=actions,
        wakeups=serving.wakeups,
    )


def open_sender(serving: Serving, held: Held) -> ManagedSender:
    """The account's sender: simulated, or Telegram's with its stored (or TG_SESSION's) session."""
    account = held.account
    if account.kind == "simulated":
        return SimulatedSender(account)
    if account.session_enc is not None:
        if serving.vault is None:  # not servable without a vault: listed by mistake
            raise SessionRejected("is stored, and no SESSION_KEY opens it")
        session = serving.vault.open(account.session_enc, account.name)
    else:
        session = serving.settings.session_string()
    return serving.sender_factory(serving.settings, account, session)


async def recover(app: procrastinate.App, pool: Pool, account_id: int) -> None:
    """Finish what a dead drain of the account left, then kick a fresh one."""
    # We hold the account's lock, so any of its jobs still marked running belonged to a dead
    # process, or to our own jobs stopped by an outage: recover them now rather than after
    # the heartbeat timeout.
    await tasks.recover_stalled(app, 0, queue=names.account_queue(account_id))
    # A launch whose worker died mid-way is seen at once by its campaign's free row lock;
    # waiting for that worker's heartbeat to go stale would hold the campaign about a minute.
    await tasks.relaunch_stranded(app, pool)
    async with pool.connection() as conn:
        released = await deliveries.release_interrupted(conn, account_id)
    if released:
        log.warning(
            "interrupted sends given back",
            extra={"account_id": account_id, "deliveries": released},
        )
    await defer.kick_drain(app, account_id)


async def reject(serving: Serving, held: Held, rejected: SessionRejected) -> None:
    """Stop the account whose session Telegram refused, and tell its campaigns' chats (as an
    account-fatal answer to a send does)."""
    account = held.account
    log.warning(
        "account session refused; account stopped",
        extra={"account_id": account.id, "reason": rejected.code},
    )
    failure = TelegramFailure(rejected.code, text=str(rejected))
    async with serving.pool.connection() as conn:
        effects = await outcomes.account_fatal(conn, account.id, failure)
    await defer.account_alert(serving.app, account.id, rejected.code)
    for campaign in effects.paused:
        reason = campaign.status_reason or rejected.code
        await defer.notify(serving.app, campaign.id, "account_stopped", reason=reason)
        await defer.refresh_progress(serving.app, campaign.id, delay_s=0)
