"""The worker process: hold the session, run delivery jobs for its account.

PostgreSQL may go away under a running worker (a restart, a failover, a network cut). The
session lock goes with it, so the worker then stops sending at once, stops its jobs,
disconnects from Telegram, waits for the database, takes the session again (waiting, as at
start, if another process took it meanwhile), gives back what the interrupted drain left and
carries on: the same process, nothing posted twice, nothing lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import procrastinate
import psycopg
from procrastinate.app import WorkerOptions

from predlagator.config import Settings
from predlagator.db import accounts, deliveries
from predlagator.db.connection import Connection, backoff, describe
from predlagator.db.pool import Pool
from predlagator.delivery import tasks
from predlagator.delivery.drain import DrainDeps
from predlagator.delivery.login_steps import LoginDeps
from predlagator.delivery.outage import CutOffJobs, is_database_loss
from predlagator.delivery.policy import Policy
from predlagator.delivery.sender import ManagedSender, MediaFile, Peer, Sender, SessionRejected
from predlagator.delivery.sender_start import PATIENCE, Patience, refused, start_sender
from predlagator.delivery.serial_sender import SerialSender
from predlagator.delivery.session_lock import SessionLock, SessionLockLost
from predlagator.queue import defer, names
from predlagator.queue.app import make_app

log = logging.getLogger(__name__)

# How long a stopping worker lets a send in flight finish before cancelling it; a cancelled
# send is re-sent with the same random_id after restart, so nothing is posted twice.
GRACEFUL_STOP_S = 10.0

# The two lines a database outage leaves in the log.
DATABASE_LOST = "database connection lost; no sending until it is back"
DATABASE_BACK = "database is back; taking the session again"

T = TypeVar("T")

SenderFactory = Callable[[Settings], ManagedSender]


def telethon_sender(settings: Settings) -> ManagedSender:
    """Build the real Telethon sender from settings (the only place that touches Telethon)."""
    from predlagator.delivery.telethon_sender import (  # noqa: PLC0415 - keep Telethon off bot imports
        TelethonSender,
        make_client,
    )

    api_id, api_hash, session = settings.require_sender()
    return TelethonSender(make_client(api_id, api_hash, session))


class _DatabaseLost(Exception):
    """The database went away while the worker served; it is logged, jobs are stopped."""


class LockedSender:
    """The account's sender, refusing to reach Telegram while the session lock is not held.

    The lock's watch clears `held` the moment the lock's connection fails, so a drain still
    running then cannot send; what it left `sending` is given back when the lock is held again.
    """

    def __init__(self, sender: Sender, lock: SessionLock) -> None:
        self._sender = sender
        self._lock = lock

    async def resolve(self, ref: str) -> Peer:
        """Resolve through the account's sender, if the session is still ours."""
        self._check()
        return await self._sender.resolve(ref)

    async def send(self, peer: Peer, html: str, random_id: int) -> int | None:
        """Send through the account's sender, if the session is still ours."""
        self._check()
        return await self._sender.send(peer, html, random_id)

    async def send_media(
        self, peer: Peer, html: str, media: MediaFile, random_id: int
    ) -> int | None:
        """Send a media post through the account's sender, if the session is still ours."""
        self._check()
        return await self._sender.send_media(peer, html, media, random_id)

    def _check(self) -> None:
        if not self._lock.held:
            raise SessionLockLost("the session lock is not held")


async def run_worker(
    settings: Settings,
    pool: Pool,
    database_url: str,
    *,
    sender_factory: SenderFactory = telethon_sender,
    concurrency: int = 4,
    on_ready: Callable[[], None] | None = None,
    patience: Patience = PATIENCE,
    login_deps: LoginDeps | None = None,
) -> None:
    """Run until cancelled: lock the session, connect, and process delivery jobs.

    `on_ready` is called once the session is held, the sender connected and dead drains
    recovered, just before jobs start running (the first time only: not after an outage).
    While Telegram cannot be reached the worker waits with `patience`; a session that cannot be
    used stops it with a ConfigError naming the setting.
    """
    try:
        sender = sender_factory(settings)
    except SessionRejected as rejected:
        raise refused(settings, rejected) from None
    async with pool.connection() as conn:
        account = await accounts.ensure(
            conn, accounts.MAIN_ACCOUNT, settings.default_rate_per_minute
        )
    _stop_if_cancelled()
    lock = SessionLock(database_url, account.name)
    app = make_app(tasks.blueprint)
    # Drains and test sends share this sender, so their requests take turns (SerialSender);
    # each turn checks the session is still ours (LockedSender) right before reaching Telegram.
    deps = DrainDeps(
        pool=pool,
        app=app,
        sender=SerialSender(LockedSender(sender, lock)),
        policy=Policy.from_settings(settings),
    )
    worker_options = WorkerOptions(
        queues=[names.DELIVERY_QUEUE, names.account_queue(account.id)],
        concurrency=concurrency,
        name=f"worker-{account.name}",
        additional_context={
            "pool": pool,
            "drain_deps": deps,
            # Logins from the chat (any worker runs their steps); tests give a fake Telegram.
            "login_deps": login_deps or LoginDeps(pool=pool, settings=settings),
            "retention_days": settings.retention_days,
        },
        install_signal_handlers=False,
        shutdown_graceful_timeout=GRACEFUL_STOP_S,
        worker_middleware=[CutOffJobs(lock)],
    )
    try:
        await app.open_async(pool=pool)
        while True:
            await lock.acquire()
            try:
                # The pool may hold connections a restart killed, even in a worker that only
                # waited for the session meanwhile: replace them before anything uses them.
                await pool.check()
                _stop_if_cancelled()
                await _serve(
                    app, pool, lock, sender, account.id, worker_options, on_ready, patience
                )
            except _DatabaseLost:
                pass
            except SessionRejected as rejected:
                raise refused(settings, rejected) from None
            finally:
                await lock.release()
            on_ready = None
            await _wait_for_database(database_url)
            _stop_if_cancelled()
            log.info(DATABASE_BACK, extra={"account_id": account.id})
    finally:
        await lock.release()
        await app.close_async()


async def _serve(
    app: procrastinate.App,
    pool: Pool,
    lock: SessionLock,
    sender: ManagedSender,
    account_id: int,
    worker_options: WorkerOptions,
    on_ready: Callable[[], None] | None,
    patience: Patience,
) -> None:
    """Connect, recover, then run jobs while the lock is held; raise _DatabaseLost when it is
    not (waiting for Telegram too: a session whose lock is gone must not connect)."""
    watch = asyncio.create_task(lock.watch(), name="session lock watch")
    try:
        await _while_held(watch, start_sender(sender, patience))
        try:
            _stop_if_cancelled()
            await _while_held(watch, _recover(app, pool, account_id))
            log.info("worker started", extra={"account_id": account_id})
            if on_ready is not None:
                on_ready()
            await _while_held(watch, app.run_worker_async(**worker_options))
            # Procrastinate stops by itself only when one of its side tasks (heartbeat,
            # periodic deferrer) failed, that is when it lost the database.
            log.warning(DATABASE_LOST, extra={"error": "the job queue stopped"})
            raise _DatabaseLost
        finally:
            await sender.close()
    finally:
        await _cancel(watch)


async def _recover(app: procrastinate.App, pool: Pool, account_id: int) -> None:
    """Finish what a dead drain left, then kick a fresh one (at start and after an outage)."""
    # We hold the session lock, so any drain still marked running for this account belonged
    # to a dead process, or to our own jobs stopped by an outage: recover it now rather than
    # after the heartbeat timeout.
    await tasks.recover_stalled(app, 0, queue=names.account_queue(account_id))
    # A launch whose worker died mid-way is seen at once by its campaign's free row lock;
    # waiting for that worker's heartbeat to go stale would hold the campaign about a minute.
    await tasks.relaunch_stranded(app, pool)
    async with pool.connection() as conn:
        released = await deliveries.release_interrupted(conn, account_id)
    if released:
        log.warning("interrupted sends given back", extra={"deliveries": released})
    await defer.kick_drain(app, account_id)


async def _while_held(watch: asyncio.Task[None], work: Awaitable[T]) -> T:
    """Run `work` while the session lock is held.

    When the lock's watch fails first, or `work` fails for lack of the database, log the loss
    once, stop `work` (Procrastinate stops gracefully; drains cannot send any more) and raise
    _DatabaseLost. Any other failure of `work` propagates as it is.
    """
    task = asyncio.ensure_future(work)
    try:
        await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        await _cancel(task)
        raise
    if not task.done():  # the watch fired first
        log.warning(DATABASE_LOST, extra={"error": _error_of(watch)})
        await _cancel(task)
        raise _DatabaseLost
    error = task.exception()
    if error is None:
        return task.result()
    if is_database_loss(error):
        log.warning(DATABASE_LOST, extra={"error": describe(error)})
        raise _DatabaseLost from error
    raise error


def _stop_if_cancelled() -> None:
    """Raise CancelledError if this task was asked to stop and the request got lost.

    Python 3.11's asyncio.wait_for (inside Telethon's connect, psycopg's pool) returns the result
    instead of raising when a cancellation lands just as the awaited call completes; the
    request still counts in `cancelling()`. Without this check a SIGTERM during a (re)start would be
    swallowed and the worker would serve on, deaf to it.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def _error_of(task: asyncio.Task[None]) -> str:
    error = None if task.cancelled() else task.exception()
    return describe(error) if error is not None else "the session lock's watch ended"


async def _cancel(task: asyncio.Future[T]) -> None:
    """Cancel `task` and wait until it ended; its outcome no longer matters."""
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise  # we are being cancelled ourselves, not just `task`
    except Exception as error:  # it failed while stopping: already reported
        log.debug("stopped after an error", extra={"error": describe(error)})


async def _wait_for_database(url: str) -> None:
    """Wait, with bounded backoff, until the database answers.

    The pool is no judge of that: it reconnects on a backoff of its own, and hands out
    connections a restart killed when they were idle only a short while (they are replaced
    once the session lock is held again).
    """
    retries = backoff()
    while True:
        try:
            probe = await Connection.connect(url, autocommit=True)
            await probe.close()
            return
        except psycopg.OperationalError as error:
            delay = next(retries)
            log.debug(
                "database still unreachable; retrying",
                extra={"error": describe(error), "retry_in_s": round(delay, 2)},
            )
            await asyncio.sleep(delay)
