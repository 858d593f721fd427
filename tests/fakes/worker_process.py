"""A real worker process over the shared fake Telegram, for crash tests and benches.

    python -m tests.fakes.worker_process --database-url URL --channels-prefix P --channels N

runs `predlagator.delivery.worker.run_worker` (account locks, recovery of dead drains, the
Procrastinate worker, the real TelegramClient over `SharedTelegram`) and prints one marker per
line on stdout, flushed. It serves TG_SESSION's account `main`, or with --session-key every
stored account it can take (up to --max-accounts), each over a fake of its own:

    WAITING   other processes hold every account; this one waits for one
    REFUSED   a connect to Telegram failed (--refuse-connects of them): Telegram unreachable
    READY     the accounts taken at first are held, connected and recovered
    POSTED    the --mark-after-th post of this process went out (and the worker carries on)
    FROZEN    a --freeze-* point was reached: Telegram's answer is held back for good
    DB_LOST   the worker lost the database and stopped sending
    DB_BACK   the database answers again; the worker takes its accounts again
    STOPPED   SIGTERM (or SIGINT) was handled and everything closed

The fake Telegram keeps its store in the database at --telegram-url (by default the worker's
own), so a test may restart the worker's database while Telegram stays up.

`WorkerProcess` starts one from a test or a bench and reads those markers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any, Self

import psycopg
from telethon.tl.functions.messages import SendMessageRequest

from predlagator.config import Settings
from predlagator.db import actions, campaigns
from predlagator.db.pool import Pool, open_pool
from predlagator.delivery.sender import ManagedSender
from predlagator.delivery.sender_start import Patience
from predlagator.delivery.served import pool_size
from predlagator.delivery.telethon_sender import TelethonSender
from predlagator.delivery.worker import DATABASE_BACK, DATABASE_LOST, run_worker
from predlagator.logs import setup_logging
from predlagator.models import Account, CampaignStatus
from predlagator.queue import defer
from predlagator.queue.app import make_app
from predlagator.session_vault import Vault
from tests.fakes.shared_telegram import SharedTelegram, channel_refs, hold_forever, install
from tests.fakes.telethon_fake import fake_client

ROOT = Path(__file__).resolve().parents[2]

READY = "READY"
REFUSED = "REFUSED"
WAITING = "WAITING"
FROZEN = "FROZEN"
POSTED = "POSTED"
DB_LOST = "DB_LOST"
DB_BACK = "DB_BACK"
STOPPED = "STOPPED"

_PR_SET_PDEATHSIG = 1
# Telegram unreachable: retried within milliseconds, so a test waits for markers, not minutes.
FAST_RETRIES = Patience(first_s=0.01, max_s=0.05)


def say(marker: str) -> None:
    """Print a marker line for the parent process."""
    print(marker, flush=True)


class _AnnounceWaiting(logging.Handler):
    """Print WAITING when the session lock says another worker holds the session."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.announced = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.announced and "waiting" in record.getMessage():
            self.announced = True
            say(WAITING)


class _AnnounceDatabase(logging.Handler):
    """Print DB_LOST and DB_BACK when the worker logs that it lost or regained the database."""

    MARKERS: dict[str, str] = {DATABASE_LOST: DB_LOST, DATABASE_BACK: DB_BACK}  # noqa: RUF012

    def __init__(self) -> None:
        super().__init__(logging.INFO)

    def emit(self, record: logging.LogRecord) -> None:
        marker = self.MARKERS.get(record.getMessage())
        if marker is not None:
            say(marker)


def _die_with_parent() -> None:
    """Linux: be killed when the test or bench that started us dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() == 1:  # the parent was already gone
                os._exit(1)


class _Fakes:
    """The fake Telegram of each account this process serves (one for TG_SESSION's `main`),
    configured from the arguments; the markers count over all of them."""

    def __init__(self, args: argparse.Namespace, telegram_url: str) -> None:
        self._args = args
        self._url = telegram_url
        self._by_account: dict[str, SharedTelegram] = {}
        self.posts = 0
        self.sends = 0

    def of(self, account: str) -> SharedTelegram:
        if account not in self._by_account:
            self._by_account[account] = self._make(account)
        return self._by_account[account]

    def _make(self, account: str) -> SharedTelegram:
        args = self._args
        telegram = SharedTelegram(self._url, latency_s=args.latency_ms / 1000, account=account)
        for ref in channel_refs(args.channels_prefix, args.channels):
            telegram.add_channel(ref)
        if args.freeze_after or args.mark_after:

            async def after_post(_: int) -> None:
                self.posts += 1
                if self.posts == args.mark_after:
                    say(POSTED)
                if self.posts == args.freeze_after:
                    say(FROZEN)
                    await hold_forever()

            telegram.on_post = after_post
        if args.freeze_before:

            async def freeze_before(request: Any) -> None:
                self.sends += 1
                if self.sends == args.freeze_before:
                    say(FROZEN)
                    await hold_forever()

            telegram.on_send = freeze_before
        if args.refuse_connects:
            telegram.refuse_connects(args.refuse_connects)
            telegram.on_refused = lambda: say(REFUSED)
        for ref in args.fail_once:
            # A transient error: the drain retries it after a backoff, within the retry limit.
            telegram.fail_next(
                400, "MSG_WAIT_FAILED", username=ref, request_type=SendMessageRequest
            )
        return telegram

    def close(self) -> None:
        for telegram in self._by_account.values():
            telegram.close()


async def _run(args: argparse.Namespace) -> None:
    url: str = args.database_url
    telegram_url: str = args.telegram_url or url
    install(telegram_url)
    fakes = _Fakes(args, telegram_url)
    pooled = args.pooled or bool(args.session_key)
    if not pooled:
        fakes.of("")  # TG_SESSION's account: its fake is made before the worker starts
    settings = Settings(
        _env_file=None,
        database_url=url,
        tg_api_id=1,
        tg_api_hash="x",
        # Pooled: the accounts' sessions are stored (sealed with --session-key), none is set.
        tg_session=None if pooled else "x",
        session_key=args.session_key or None,
        worker_max_accounts=args.max_accounts,
        default_rate_per_minute=args.rate,
        retry_base_s=args.retry_base_s,
    )

    def sender_factory(_: Settings, account: Account, session: str) -> ManagedSender:
        if pooled:
            # The stored session was opened with the vault: the one the test sealed.
            assert session == session_of(account.name), "a stored session opened wrongly"
            return TelethonSender(fake_client(fakes.of(account.name)))
        return TelethonSender(fake_client(fakes.of("")))

    pool = await open_pool(url, max_size=pool_size(settings))
    try:
        await run_worker(
            settings,
            pool,
            url,
            vault=Vault(args.session_key) if args.session_key else None,
            sender_factory=sender_factory,
            on_ready=lambda: say(READY),
            patience=FAST_RETRIES,
        )
    finally:
        await pool.close()
        fakes.close()


def session_of(account: str) -> str:
    """The session string a test stores (sealed) for a pooled fake account."""
    return f"fake-session-{account}"


async def _main(args: argparse.Namespace) -> None:
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await _run(args)
    say(STOPPED)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, set up logging, run the worker until SIGTERM."""
    parser = argparse.ArgumentParser(description="A worker process over the shared fake.")
    parser.add_argument("--database-url", required=True)
    parser.add_argument(
        "--telegram-url", default="", help="where the fake Telegram keeps its store"
    )
    parser.add_argument("--channels-prefix", required=True)
    parser.add_argument("--channels", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rate", type=float, default=6000.0, help="account posts per minute")
    parser.add_argument(
        "--freeze-after", type=int, default=0, help="hold the answer to this process's Nth post"
    )
    parser.add_argument(
        "--freeze-before", type=int, default=0, help="hold this process's Nth send, unposted"
    )
    parser.add_argument(
        "--mark-after", type=int, default=0, help="print POSTED after this process's Nth post"
    )
    parser.add_argument(
        "--fail-once", action="append", default=[], help="a channel whose first send fails"
    )
    parser.add_argument("--retry-base-s", type=float, default=0.2, help="first retry's delay")
    parser.add_argument(
        "--refuse-connects", type=int, default=0, help="connects to Telegram that fail first"
    )
    parser.add_argument(
        "--session-key", default="", help="serve the stored accounts, sealed with this key"
    )
    parser.add_argument(
        "--pooled", action="store_true", help="no TG_SESSION: only stored or simulated accounts"
    )
    parser.add_argument("--max-accounts", type=int, default=50, help="WORKER_MAX_ACCOUNTS")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    _die_with_parent()
    setup_logging(args.log_level)
    logging.getLogger("predlagator.delivery.supervisor").addHandler(_AnnounceWaiting())
    logging.getLogger("predlagator.delivery.worker").addHandler(_AnnounceDatabase())
    asyncio.run(_main(args))
    return 0


class WorkerProcess:
    """A worker process started by a test or a bench, and the markers it printed."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.seen: list[str] = []
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    @property
    def pid(self) -> int:
        return self.proc.pid

    @classmethod
    async def start(
        cls,
        database_url: str,
        *,
        prefix: str,
        channels: int,
        rate: float = 6000.0,
        latency_ms: float = 0.0,
        freeze_after: int = 0,
        freeze_before: int = 0,
        mark_after: int = 0,
        fail_once: tuple[str, ...] = (),
        refuse_connects: int = 0,
        log_level: str = "INFO",
        stderr: IO[Any] | int | None = None,
        telegram_url: str | None = None,
        session_key: str = "",
        max_accounts: int = 50,
        pooled: bool = False,
    ) -> WorkerProcess:
        """Start `python -m tests.fakes.worker_process` from the repository root.

        The fake Telegram's store is at `telegram_url` (the worker's database by default).
        """
        argv = [
            "--database-url",
            database_url,
            "--telegram-url",
            telegram_url or database_url,
            "--channels-prefix",
            prefix,
            "--channels",
            str(channels),
            "--rate",
            str(rate),
            "--latency-ms",
            str(latency_ms),
            "--freeze-after",
            str(freeze_after),
            "--freeze-before",
            str(freeze_before),
            "--mark-after",
            str(mark_after),
            "--refuse-connects",
            str(refuse_connects),
            "--log-level",
            log_level,
            "--max-accounts",
            str(max_accounts),
        ]
        if session_key:
            # One word: a Fernet key may begin with "-", which argparse would take for an option.
            argv.append(f"--session-key={session_key}")
        if pooled:
            argv.append("--pooled")
        for ref in fail_once:
            argv += ["--fail-once", ref]
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.fakes.worker_process",
            *argv,
            cwd=ROOT,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
        return cls(proc)

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for raw in self.proc.stdout:
            line = raw.decode(errors="replace").strip()
            self.seen.append(line)
            await self._lines.put(line)
        await self._lines.put(None)

    async def expect(self, marker: str, timeout_s: float = 60.0) -> None:
        """Wait for the process to print `marker` (lines before it are passed over)."""

        async def find() -> None:
            while True:
                line = await self._lines.get()
                if line is None:
                    code = await self.proc.wait()
                    raise AssertionError(
                        f"worker {self.pid} exited ({code}) before {marker}; saw {self.seen}"
                    )
                if line == marker:
                    return

        try:
            await asyncio.wait_for(find(), timeout_s)
        except TimeoutError:
            raise AssertionError(
                f"worker {self.pid} did not print {marker} in {timeout_s} s; saw {self.seen}"
            ) from None

    async def kill(self) -> None:
        """SIGKILL, as a crash would, and reap the process."""
        if self.proc.returncode is None:
            self.proc.kill()
        await self.proc.wait()
        await self._reader

    async def stop(self, timeout_s: float = 30.0) -> int:
        """SIGTERM and wait for a clean exit; return the exit code."""
        if self.proc.returncode is None:
            self.proc.terminate()
        try:
            code = await asyncio.wait_for(self.proc.wait(), timeout_s)
        except TimeoutError:
            await self.kill()
            raise AssertionError(f"worker {self.pid} ignored SIGTERM for {timeout_s} s") from None
        await self._reader
        return code


@asynccontextmanager
async def worker_processes() -> AsyncIterator[list[WorkerProcess]]:
    """A list to put started workers in; any still running at the end is killed."""
    started: list[WorkerProcess] = []
    try:
        yield started
    finally:
        for worker in started:
            await worker.kill()


async def launch(pool: Pool, campaign_id: int) -> None:
    """What the bot's Start does: schedule the campaign and ask a worker to launch it."""
    async with pool.connection() as conn:
        await campaigns.transition(
            conn, campaign_id, CampaignStatus.SCHEDULED, from_states=[CampaignStatus.DRAFT]
        )
    app = make_app()
    await app.open_async(pool=pool)
    try:
        await defer.launch_campaign(app, campaign_id)
    finally:
        await app.close_async()


class CampaignWatch:
    """Hear campaign status changes (migration 0002's LISTEN channel) instead of polling.

    Enter it before the change can happen; `until` then returns as soon as it is announced.
    """

    channel = campaigns.STATUS_CHANNEL
    status_query = "SELECT status FROM campaigns WHERE id = %s"

    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._conn: psycopg.AsyncConnection[Any] | None = None

    async def __aenter__(self) -> Self:
        self._conn = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
        await self._conn.execute(f"LISTEN {self.channel}")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._conn is not None:
            await self._conn.close()

    async def status(self, campaign_id: int) -> str | None:
        """The campaign's status now."""
        assert self._conn is not None
        cur = await self._conn.execute(self.status_query, (campaign_id,))
        row = await cur.fetchone()
        return None if row is None else str(row[0])

    async def until(self, campaign_id: int, status: str, timeout_s: float) -> bool:
        """Wait until the campaign has `status`; False when `timeout_s` passed first."""
        assert self._conn is not None
        if await self.status(campaign_id) == status:
            return True
        wanted = f"{campaign_id} {status}"
        async for notice in self._conn.notifies(timeout=timeout_s):
            if notice.payload == wanted:
                return True
        return await self.status(campaign_id) == status


class ActionWatch(CampaignWatch):
    """The same for actions over posts (migration 0013's LISTEN channel)."""

    channel = actions.STATUS_CHANNEL
    status_query = "SELECT status FROM campaign_actions WHERE id = %s"


if __name__ == "__main__":
    sys.exit(main())
