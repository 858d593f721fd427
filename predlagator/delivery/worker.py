"""The worker process: hold the session, run delivery jobs for its account."""

from __future__ import annotations

import logging
from collections.abc import Callable

from predlagator.config import Settings
from predlagator.db import accounts, deliveries
from predlagator.db.pool import Pool
from predlagator.delivery.drain import DrainDeps
from predlagator.delivery.policy import Policy
from predlagator.delivery.sender import ManagedSender
from predlagator.delivery.session_lock import session_lock
from predlagator.queue import defer, names, tasks
from predlagator.queue.app import make_app

log = logging.getLogger(__name__)

# How long a stopping worker lets a send in flight finish before cancelling it; a cancelled
# send is re-sent with the same random_id after restart, so nothing is posted twice.
GRACEFUL_STOP_S = 10.0


SenderFactory = Callable[[Settings], ManagedSender]


def telethon_sender(settings: Settings) -> ManagedSender:
    """Build the real Telethon sender from settings (the only place that touches Telethon)."""
    from predlagator.delivery.telethon_sender import (  # noqa: PLC0415 - keep Telethon off bot imports
        TelethonSender,
        make_client,
    )

    api_id, api_hash, session = settings.require_sender()
    return TelethonSender(make_client(api_id, api_hash, session))


async def run_worker(
    settings: Settings,
    pool: Pool,
    database_url: str,
    *,
    sender_factory: SenderFactory = telethon_sender,
    concurrency: int = 4,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Run until cancelled: lock the session, connect, and process delivery jobs.

    `on_ready` is called once the session is held, the sender connected and dead drains
    recovered, just before jobs start running.
    """
    async with pool.connection() as conn:
        account = await accounts.ensure(
            conn, accounts.MAIN_ACCOUNT, settings.default_rate_per_minute
        )
    sender = sender_factory(settings)
    async with session_lock(database_url, account.name):
        await sender.start()
        app = make_app(tasks.blueprint)
        await app.open_async(pool=pool)
        try:
            queue = names.account_queue(account.id)
            # We hold the session lock, so any drain still marked running for this account
            # belonged to a dead process: recover it now rather than after heartbeat timeout.
            await tasks.recover_stalled(app, 0, queue=queue)
            async with pool.connection() as conn:
                released = await deliveries.release_interrupted(conn, account.id)
            if released:
                log.warning("interrupted sends given back", extra={"deliveries": released})
            await defer.kick_drain(app, account.id)
            deps = DrainDeps(
                pool=pool, app=app, sender=sender, policy=Policy.from_settings(settings)
            )
            log.info("worker started", extra={"account_id": account.id})
            if on_ready is not None:
                on_ready()
            await app.run_worker_async(
                queues=[names.DELIVERY_QUEUE, queue],
                concurrency=concurrency,
                name=f"worker-{account.name}",
                additional_context={
                    "pool": pool,
                    "drain_deps": deps,
                    "retention_days": settings.retention_days,
                },
                install_signal_handlers=False,
                shutdown_graceful_timeout=GRACEFUL_STOP_S,
            )
        finally:
            await app.close_async()
            await sender.close()
