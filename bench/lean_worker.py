"""A worker process whose Telegram accounts each get a real TelegramClient over the lean fake.

    python -m bench.lean_worker --database-url URL --session-key KEY --max-accounts N

runs `run_worker` as `predlagator worker` does (account locks, supervisor, drains, the
Procrastinate worker), every stored account served through Telethon's own client, sender and
session over a LeanTelegram of its own (which keeps nothing per channel or post, so what an
account costs the process is the client's and the engine's, not the fake's). Prints READY once
the accounts are served, STOPPED after SIGTERM: the markers of tests.fakes.worker_process, so a
bench drives it with that module's WorkerProcess.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from bench.lean_fake import LeanTelegram
from predlagator.config import Settings
from predlagator.db.pool import open_pool
from predlagator.delivery.sender import ManagedSender
from predlagator.delivery.served import pool_size
from predlagator.delivery.telethon_sender import TelethonSender
from predlagator.delivery.worker import run_worker
from predlagator.logs import setup_logging
from predlagator.models import Account
from predlagator.session_vault import Vault
from tests.fakes import worker_process
from tests.fakes.telethon_fake import fake_client
from tests.fakes.worker_process import READY, STOPPED, say


async def serve(url: str, key: str, max_accounts: int, latency_ms: float) -> None:
    """Serve every stored account until cancelled."""
    settings = Settings(
        _env_file=None,
        database_url=url,
        tg_api_id=1,
        tg_api_hash="x",
        session_key=key,
        worker_max_accounts=max_accounts,
    )

    def sender_factory(_: Settings, account: Account, session: str) -> ManagedSender:
        # The stored session was opened by the worker's vault; the fake logs in a fresh one.
        telegram = LeanTelegram()
        telegram.latency_s = latency_ms / 1000
        return TelethonSender(fake_client(telegram))

    pool = await open_pool(url, max_size=pool_size(settings))
    try:
        await run_worker(
            settings,
            pool,
            url,
            vault=Vault(key),
            sender_factory=sender_factory,
            on_ready=lambda: say(READY),
        )
    finally:
        await pool.close()


async def _main(args: argparse.Namespace) -> None:
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await serve(args.database_url, args.session_key, args.max_accounts, args.latency_ms)
    say(STOPPED)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--session-key", required=True)
    parser.add_argument("--max-accounts", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args()
    worker_process._die_with_parent()
    setup_logging(args.log_level)
    asyncio.run(_main(args))
