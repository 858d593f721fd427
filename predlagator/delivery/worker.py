"""The worker process: serve every account it can take, each account's drain beside the others.

The supervisor takes the accounts nobody holds (up to WORKER_MAX_ACCOUNTS) under their advisory
locks, all on one connection, and starts each one; one Procrastinate worker runs the jobs of the
shared delivery queue and of every account queue served here (served.py says how its queue list
follows the accounts). When a worker dies its locks go with its connection, and another takes
its accounts over within seconds, recovering what the dead drains left.

PostgreSQL may go away under a running worker (a restart, a failover, a network cut). The
account locks go with it, so the worker then stops sending at once from every account, stops
its jobs, disconnects from Telegram, waits for the database, takes the accounts again (those
another process took meanwhile stay with it), gives back what the interrupted drains left and
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
from predlagator.db import accounts, capacity
from predlagator.db.connection import Connection, backoff, describe
from predlagator.db.pool import Pool
from predlagator.delivery import tasks
from predlagator.delivery.account_locks import AccountLocks
from predlagator.delivery.job_listener import FollowingConnector
from predlagator.delivery.locked_sender import LockedSender
from predlagator.delivery.login_steps import LoginDeps
from predlagator.delivery.outage import CutOffJobs, is_database_loss
from predlagator.delivery.policy import Policy
from predlagator.delivery.sender import ManagedSender
from predlagator.delivery.sender_start import PATIENCE, Patience
from predlagator.delivery.served import SPARE_JOBS, ServedAccounts, pool_size
from predlagator.delivery.supervisor import POLL_S, SenderFactory, Serving, Supervisor
from predlagator.delivery.wakeups import Wakeups
from predlagator.models import Account
from predlagator.queue import names
from predlagator.queue.app import make_app
from predlagator.queue.jobs_worker import run_jobs
from predlagator.session_vault import Vault

__all__ = ["DATABASE_BACK", "DATABASE_LOST", "LockedSender", "pool_size", "run_worker"]

log = logging.getLogger(__name__)

# How long a stopping worker lets a send in flight finish before cancelling it; a cancelled
# send is re-sent with the same random_id after restart, so nothing is posted twice.
GRACEFUL_STOP_S = 10.0

# The two lines a database outage leaves in the log.
DATABASE_LOST = "database connection lost; no sending until it is back"
DATABASE_BACK = "database is back; taking the accounts again"

# A worker's connections beside its pool: the account locks' and the job listener's.
OWN_CONNECTIONS = 2
SHORT_OF_CONNECTIONS = (
    "PostgreSQL takes {left} more connections, and this worker may open {wanted} "
    "(WORKER_MAX_ACCOUNTS={max_accounts}: one per account sending, a few for other jobs); "
    "accounts past that wait for a connection: raise max_connections on the server or lower "
    "WORKER_MAX_ACCOUNTS"
)

T = TypeVar("T")


def telethon_sender(settings: Settings, account: Account, session: str) -> ManagedSender:
    """Build the real Telethon sender of an account (the only place that touches Telethon)."""
    from predlagator.delivery.telethon_sender import (  # noqa: PLC0415 - keep Telethon off bot imports
        TelethonSender,
        make_client,
    )

    api_id, api_hash = settings.require_api()
    return TelethonSender(make_client(api_id, api_hash, session))


class _DatabaseLost(Exception):
    """The database went away while the worker served; it is logged, jobs are stopped."""


async def run_worker(
    settings: Settings,
    pool: Pool,
    database_url: str,
    *,
    vault: Vault | None = None,
    sender_factory: SenderFactory = telethon_sender,
    concurrency: int | None = None,
    on_ready: Callable[[], None] | None = None,
    patience: Patience = PATIENCE,
    poll_s: float = POLL_S,
    login_deps: LoginDeps | None = None,
    fetch_polling_s: float | None = None,
) -> None:
    """Run until cancelled: take accounts, connect them, and process their delivery jobs.

    Accounts with a stored session need `vault`; TG_SESSION's is the account `main`. `on_ready`
    is called once every account taken at first is connected and recovered (at least one, or
    none exists to serve), the first time only. While Telegram cannot be reached an account
    waits with `patience`; a TG_SESSION Telegram refuses, when it is the only account, stops
    the worker with a ConfigError naming the setting. `fetch_polling_s` replaces make_app's
    polling interval (tests that show a job was woken, not polled).
    """
    if settings.has_sender():
        async with pool.connection() as conn:
            await accounts.ensure(conn, accounts.MAIN_ACCOUNT, settings.default_rate_per_minute)
    await warn_if_short_of_connections(settings, pool)
    _stop_if_cancelled()
    locks = AccountLocks(database_url)
    # The Procrastinate worker keeps this very list: the supervisor adds and removes the
    # queues of the accounts it serves, and the connector's listener follows it.
    queues = [names.DELIVERY_QUEUE]
    # The listener also tells the drains of their accounts' kicks, so they nap until their slot.
    wakeups = Wakeups()
    connector = FollowingConnector(queues, database_url, heard=wakeups.heard)
    app = make_app(tasks.blueprint, connector=connector)
    policy = Policy.from_settings(settings)
    serving = Serving(
        settings=settings,
        pool=pool,
        app=app,
        vault=vault,
        sender_factory=sender_factory,
        patience=patience,
        policy=policy,
        max_accounts=settings.worker_max_accounts,
        poll_s=poll_s,
        # Telethon's clients need the app; a sender given instead (tests, benches) may not.
        missing_api=settings.missing_api() if sender_factory is telethon_sender else None,
        wakeups=wakeups,
    )
    served = ServedAccounts(queues, on_change=connector.queues_changed)
    worker_options = WorkerOptions(
        queues=queues,
        concurrency=concurrency or settings.worker_max_accounts + SPARE_JOBS,
        name="worker",
        additional_context={
            "pool": pool,
            "accounts": served,
            # Every account's drains share it; tasks that need no account read it here.
            "policy": policy,
            # Logins from the chat (any worker runs their steps); tests give a fake Telegram.
            "login_deps": login_deps or LoginDeps(pool=pool, settings=settings),
            "retention_days": settings.retention_days,
        },
        install_signal_handlers=False,
        **({} if fetch_polling_s is None else {"fetch_job_polling_interval": fetch_polling_s}),
        shutdown_graceful_timeout=GRACEFUL_STOP_S,
        worker_middleware=[CutOffJobs(locks)],
    )
    try:
        await app.open_async(pool=pool)
        while True:
            await locks.connect()
            supervisor = Supervisor(serving, locks, served, on_ready)
            try:
                # The pool may hold connections a restart killed, even in a worker that only
                # waited for accounts meanwhile: replace them before anything uses them.
                await pool.check()
                _stop_if_cancelled()
                await _serve(app, supervisor, worker_options)
            except _DatabaseLost:
                pass
            finally:
                await supervisor.close()
                await locks.release()
            on_ready = None
            await _wait_for_database(database_url)
            _stop_if_cancelled()
            log.info(DATABASE_BACK)
    finally:
        await locks.release()
        await app.close_async()


async def warn_if_short_of_connections(settings: Settings, pool: Pool) -> None:
    """Say once, at the start, when the server cannot take every connection this process may
    open: a drain keeps one while its account sends, so accounts past that would wait."""
    async with pool.connection() as conn:
        left = await capacity.connections_left(conn)
    opened = pool.get_stats().get("pool_size", 0)
    # Beyond the pool: the account locks' connection and the job listener's.
    wanted = pool.max_size - opened + OWN_CONNECTIONS
    if wanted > left:
        log.warning(
            SHORT_OF_CONNECTIONS.format(
                wanted=wanted, left=left, max_accounts=settings.worker_max_accounts
            )
        )


async def _serve(
    app: procrastinate.App, supervisor: Supervisor, worker_options: WorkerOptions
) -> None:
    """Take and start accounts, then run jobs while the locks are held; raise _DatabaseLost
    when they are not (waiting for Telegram too: an account whose lock is gone must not
    connect)."""
    watch = asyncio.create_task(supervisor.run(), name="account supervisor")
    try:
        await _while_held(watch, supervisor.started.wait())
        _stop_if_cancelled()
        log.info("worker started")
        await _while_held(watch, run_jobs(app, worker_options))
        # Procrastinate stops by itself only when one of its side tasks (heartbeat,
        # periodic deferrer) failed, that is when it lost the database.
        log.warning(DATABASE_LOST, extra={"error": "the job queue stopped"})
        raise _DatabaseLost
    finally:
        await _cancel(watch)


async def _while_held(watch: asyncio.Task[None], work: Awaitable[T]) -> T:
    """Run `work` while the account locks are held.

    When the supervisor (the locks' watch) fails first for the loss of its connection, or
    `work` fails for lack of the database, log the loss once, stop `work` (Procrastinate stops
    gracefully; drains cannot send any more) and raise _DatabaseLost. Any other failure of
    either propagates as it is.
    """
    task = asyncio.ensure_future(work)
    try:
        await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        await _cancel(task)
        raise
    if not task.done():  # the watch ended first
        error = None if watch.cancelled() else watch.exception()
        if error is not None and not is_database_loss(error):
            await _cancel(task)
            raise error
        # Said before the jobs stop: a job waiting for a pool connection holds Procrastinate's
        # stop until the pool gives up (30 s, more than once), and the loss is known now.
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
    return describe(error) if error is not None else "the account locks' watch ended"


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
