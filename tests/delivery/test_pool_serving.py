"""One worker process serving many accounts: all their locks on one connection, at most
WORKER_MAX_ACCOUNTS of them, the rest left to another worker; accounts stopped are let go, and
a session Telegram refuses stops its account, not the worker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import pytest
from telethon import functions

from predlagator.config import Settings
from predlagator.db import accounts, campaigns, holders
from predlagator.db.pool import Pool
from predlagator.delivery import supervisor
from predlagator.delivery.sender import ManagedSender
from predlagator.delivery.telethon_sender import TelethonSender
from predlagator.delivery.worker import run_worker
from predlagator.models import Account, CampaignStatus
from predlagator.queue import names
from predlagator.session_vault import Vault, new_key
from tests.fakes.telethon_fake import FakeTelegram, fake_client
from tests.pool_world import account_campaign, add_account
from tests.pool_world import holders as marks_of

WITHIN_S = 60.0


class Heard(logging.Handler):
    """Sets an event each time the supervisor logs `message` (about the account `account_id`)."""

    def __init__(self, message: str) -> None:
        super().__init__(logging.DEBUG)
        self.message = message
        self.heard: list[int | None] = []
        self.event = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == self.message:
            self.heard.append(getattr(record, "account_id", None))
            self.event.set()

    async def next(self) -> None:
        async with asyncio.timeout(WITHIN_S):
            await self.event.wait()
        self.event.clear()


@pytest.fixture
def let_go() -> Iterator[Heard]:
    heard = Heard("account let go")
    logger = logging.getLogger(supervisor.__name__)
    logger.addHandler(heard)
    logger.setLevel(logging.INFO)
    yield heard
    logger.removeHandler(heard)


def settings(db_url: str, max_accounts: int, **more: object) -> Settings:
    return Settings(_env_file=None, database_url=db_url, worker_max_accounts=max_accounts, **more)  # type: ignore[arg-type]


@asynccontextmanager
async def worker(
    settings: Settings,
    pool: Pool,
    db_url: str,
    *,
    vault: Vault | None = None,
    sender_factory: Callable[[Settings, Account, str], ManagedSender] | None = None,
) -> AsyncIterator[asyncio.Task[None]]:
    """run_worker as `predlagator worker` runs it, until the block ends; ready on entry."""
    ready = asyncio.Event()
    options = {} if sender_factory is None else {"sender_factory": sender_factory}
    task = asyncio.create_task(
        run_worker(settings, pool, db_url, vault=vault, on_ready=ready.set, **options)  # type: ignore[arg-type]
    )
    try:
        async with asyncio.timeout(WITHIN_S):
            done, _ = await asyncio.wait(
                [task, asyncio.ensure_future(ready.wait())], return_when=asyncio.FIRST_COMPLETED
            )
        if task in done:
            task.result()  # it failed: say why
        yield task
    finally:
        task.cancel()
        with_error = await asyncio.gather(task, return_exceptions=True)
        assert all(isinstance(e, asyncio.CancelledError | None) for e in with_error), with_error


async def lock_holders(pool: Pool) -> list[int]:
    """The backend pid of every advisory lock granted in this database."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return [int(row["pid"]) for row in await cur.fetchall()]


async def test_one_connection_holds_every_account_and_at_most_the_maximum(
    db_url: str, pool: Pool, let_go: Heard
) -> None:
    names = [f"sim{i:02d}" for i in range(12)]
    for name in names:
        await add_account(pool, name, rate=60.0, kind="simulated")
    async with worker(settings(db_url, 10), pool, db_url):
        marks = await marks_of(pool)
        held = [name for name, mark in marks.items() if mark == holders.this_process()]
        assert held == names[:10]  # WORKER_MAX_ACCOUNTS, the first ones listed
        pids = await lock_holders(pool)
        assert len(pids) == 10
        assert len(set(pids)) == 1  # ten accounts, one connection

        # A second worker (here in the same process) takes the two left over, on one
        # connection of its own; none is held twice.
        async with worker(settings(db_url, 10), pool, db_url):
            marks = await marks_of(pool)
            assert all(mark is not None for mark in marks.values())
            pids = await lock_holders(pool)
            assert len(pids) == 12
            assert len(set(pids)) == 2

            # An account stopped while held is let go: its lock and its mark.
            async with pool.connection() as conn:
                stopped = await accounts.stop(conn, (await _id(pool, "sim03")), "by test")
            assert stopped is not None
            await let_go.next()
            assert let_go.heard == [stopped.id]
            marks = await marks_of(pool)
            assert marks["sim03"] is None
            assert len(await lock_holders(pool)) == 11
            async with pool.connection() as conn:
                row = await (
                    await conn.execute("SELECT held_by FROM accounts WHERE name = 'sim03'")
                ).fetchone()
            assert row is not None and row["held_by"] is None

    # Stopped workers leave no lock and no mark behind.
    assert await lock_holders(pool) == []
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM accounts WHERE held_by IS NOT NULL")
        row = await cur.fetchone()
    assert row is not None and row["n"] == 0


async def _id(pool: Pool, name: str) -> int:
    async with pool.connection() as conn:
        row = await (
            await conn.execute("SELECT id FROM accounts WHERE name = %s", (name,))
        ).fetchone()
    assert row is not None
    return int(row["id"])


async def test_a_session_telegram_refuses_stops_that_account_and_the_worker_serves_on(
    db_url: str, pool: Pool, let_go: Heard
) -> None:
    vault = Vault(new_key())
    good = await add_account(pool, "good", rate=60.0, session="good-session", vault=vault)
    bad = await add_account(pool, "bad", rate=60.0, session="bad-session", vault=vault)
    campaign = await account_campaign(pool, bad, ["news_bad"], rate=60.0)
    async with pool.connection() as conn:  # a campaign of the account, running when it starts
        await conn.execute("UPDATE campaigns SET status = 'running' WHERE id = %s", (campaign.id,))
    telegrams = {"good": FakeTelegram(), "bad": FakeTelegram()}
    telegrams["bad"].fail_next(
        401, "SESSION_REVOKED", request_type=functions.updates.GetStateRequest
    )
    sessions: dict[str, str] = {}

    def sender_factory(_: Settings, account: Account, session: str) -> ManagedSender:
        sessions[account.name] = session
        return TelethonSender(fake_client(telegrams[account.name]))

    async with worker(
        settings(db_url, 10), pool, db_url, vault=vault, sender_factory=sender_factory
    ) as task:
        # Ready: the refused one was stopped and let go, the other one is served.
        assert not task.done()
        assert let_go.heard == [bad.id]
        async with pool.connection() as conn:
            stopped = await accounts.get(conn, bad.id)
            served = await accounts.get(conn, good.id)
        assert stopped is not None and stopped.status == "stopped"
        assert stopped.stop_reason == "SESSION_REVOKED"
        assert served is not None and served.status == "active"
        marks = await marks_of(pool)
        assert marks == {"good": holders.this_process(), "bad": None}
    # Its campaign paused with the reason, and its chat told, as for any account-fatal error.
    async with pool.connection() as conn:
        paused = await campaigns.get(conn, campaign.id)
        cur = await conn.execute(
            "SELECT args FROM procrastinate_jobs WHERE task_name = %s", (names.NOTIFY,)
        )
        notices = [row["args"] for row in await cur.fetchall()]
    assert paused is not None and paused.status is CampaignStatus.PAUSED
    assert paused.status_reason == "SESSION_REVOKED"
    assert notices == [
        {
            "campaign_id": campaign.id,
            "event": "account_stopped",
            "params": {"reason": "SESSION_REVOKED"},
        }
    ]
    # Each got its own stored session, opened with the key.
    assert sessions == {"good": "good-session", "bad": "bad-session"}
