"""An account a worker takes after its start gets its jobs by LISTEN/NOTIFY, like the ones it
started with: with the polling fetch set to an hour, a job that runs at all was woken."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import procrastinate
import pytest

from predlagator.db import campaigns
from predlagator.db.pool import Pool
from predlagator.delivery import supervisor, tasks
from predlagator.delivery.account_locks import AccountLocks
from predlagator.delivery.worker import run_worker
from predlagator.models import Campaign, CampaignStatus
from predlagator.queue import names
from predlagator.queue.app import make_app
from tests.delivery.test_pool_serving import WITHIN_S, Heard, settings
from tests.fakes.worker_process import CampaignWatch
from tests.pool_world import account_campaign, add_account

# No test waits this long: a job that starts meanwhile was not found by the polling fetch.
NEVER_S = 3600.0
# The supervisor looks for free accounts this often (its own loop, not Procrastinate's fetch).
ROUNDS_S = 0.05


# Procrastinate's worker says so as it starts, and picks its LISTEN channels right after.
JOBS_STARTED = "Starting worker on queues delivery"


class DrainEnded(Heard):
    """Procrastinate's line as a drain job ends (its text names the job and its duration)."""

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if text.startswith("Job drain[") and " ended with status: " in text:
            self.heard.append(None)
            self.event.set()


@pytest.fixture
def heard() -> Iterator[dict[str, Heard]]:
    """The supervisor's "account served" line, and the job worker's start with no account's
    queue (so an account served after it was taken after the worker started), and each drain's
    end."""
    hearing = {
        supervisor.__name__: Heard("account served"),
        "procrastinate.worker.worker": Heard(JOBS_STARTED),
        "procrastinate.worker": DrainEnded(""),
    }
    for name, one in hearing.items():
        logging.getLogger(name).addHandler(one)
        logging.getLogger(name).setLevel(logging.INFO)
    yield {
        "served": hearing[supervisor.__name__],
        "started": hearing["procrastinate.worker.worker"],
        "drained": hearing["procrastinate.worker"],
    }
    for name, one in hearing.items():
        logging.getLogger(name).removeHandler(one)


@pytest.fixture
async def no_ticks(pool: Pool) -> None:
    """The worker's periodic tasks marked deferred already for the test's minutes: the
    once-a-minute reconcile would wake the worker (its queue is listened to from the start)
    and that fetch takes every queue's jobs, which would hide whether a wake-up came."""
    async with pool.connection() as conn:
        await conn.execute(
            "INSERT INTO procrastinate_periodic_defers (task_name, defer_timestamp) "
            "SELECT task, minute FROM unnest(%s::text[]) AS task, generate_series("
            "(extract(epoch FROM now())::bigint / 60 - 30) * 60, "
            "(extract(epoch FROM now())::bigint / 60 + 30) * 60, 60) AS minute",
            ([names.RECONCILE, "retention"],),
        )


@asynccontextmanager
async def polling_never(pool: Pool, db_url: str) -> AsyncIterator[asyncio.Task[None]]:
    """A worker whose polling fetch never comes during the test; running on entry."""
    task = asyncio.create_task(
        run_worker(settings(db_url, 10), pool, db_url, poll_s=ROUNDS_S, fetch_polling_s=NEVER_S)
    )
    try:
        yield task
    finally:
        task.cancel()
        outcome = await asyncio.gather(task, return_exceptions=True)
        assert all(isinstance(e, asyncio.CancelledError | None) for e in outcome), outcome


@pytest.fixture
async def app(pool: Pool) -> AsyncIterator[procrastinate.App]:
    """The test's own app: what it defers, it defers as the bot or another worker does."""
    opened = make_app()
    await opened.open_async(pool=pool)
    yield opened
    await opened.close_async()


async def start(app: procrastinate.App, pool: Pool, campaign: Campaign) -> None:
    """Lay the campaign's ledger out and kick its account's drain, from outside the worker."""
    async with pool.connection() as conn:
        await campaigns.transition(
            conn, campaign.id, CampaignStatus.SCHEDULED, from_states=[CampaignStatus.DRAFT]
        )
    assert await tasks.launch(app, pool, campaign.id)


async def test_a_kick_to_an_account_taken_after_the_start_is_heard_at_once(
    pool: Pool,
    db_url: str,
    app: procrastinate.App,
    heard: dict[str, Heard],
    no_ticks: None,
) -> None:
    async with polling_never(pool, db_url) as worker:
        await heard["started"].next()
        account = await add_account(pool, "later", rate=6000.0, kind="simulated")
        await heard["served"].next()  # taken, its queue added while the worker runs
        assert heard["served"].heard == [account.id]
        # Taking an account kicks its drain; a kick deferred while that drain still runs waits
        # for its lock, which Procrastinate's worker only looks at again at its polling fetch.
        await heard["drained"].next()
        campaign = await account_campaign(pool, account, ["@a", "@b", "@c"], rate=6000.0)
        async with CampaignWatch(db_url) as watch:
            await start(app, pool, campaign)  # the kick's NOTIFY is on the account's queue only
            assert await watch.until(campaign.id, "completed", WITHIN_S)
        assert not worker.done()


async def test_a_taken_over_account_resumes_at_once_what_was_kicked_before(
    pool: Pool,
    db_url: str,
    app: procrastinate.App,
    heard: dict[str, Heard],
    no_ticks: None,
) -> None:
    account = await add_account(pool, "moving", rate=6000.0, kind="simulated")
    campaign = await account_campaign(pool, account, ["@d", "@e"], rate=6000.0)
    other = AccountLocks(db_url)  # another worker, holding the account
    await other.connect()
    try:
        assert await other.take(account.name)
        async with polling_never(pool, db_url) as worker, CampaignWatch(db_url) as watch:
            await heard["started"].next()  # without the account, held elsewhere
            await start(app, pool, campaign)  # kicked while nobody here listens to its queue
            await other.release()  # that worker dies: this one takes the account over
            assert await watch.until(campaign.id, "completed", WITHIN_S)
            assert heard["served"].heard == [account.id]
            assert not worker.done()
    finally:
        await other.release()
