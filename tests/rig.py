"""A delivery rig: real database, real Procrastinate worker, real Telethon client, fake network."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import procrastinate

from predlagator.db import accounts, campaigns, deliveries
from predlagator.db.pool import Pool
from predlagator.delivery import tasks
from predlagator.delivery.drain import DrainDeps
from predlagator.delivery.policy import Policy
from predlagator.delivery.telethon_sender import TelethonSender
from predlagator.models import Campaign, CampaignStatus, Delivery
from predlagator.queue import defer, names
from predlagator.queue.app import make_app
from tests.factories import POST_HTML, make_campaign
from tests.fakes.telethon_fake import FakeTelegram, fake_client

# The account's own pace in tests; campaigns set theirs.
ACCOUNT_RATE = 60_000.0


@dataclass
class RecordedSleep:
    """The drain's clock: a sleep is recorded and moves the clock on instead of waiting.

    Its monotonic and wall clocks move together, so the pacing slots the drain keeps in
    PostgreSQL (read against `wall`) and its sleeps (against `monotonic`) agree. A `virtual`
    clock moves only by sleeps and skips, so work takes no time at all and what a test measures
    on it is exact.
    """

    waits: list[float] = field(default_factory=list)
    skipped: float = 0.0
    virtual: bool = False
    _started: float = field(default_factory=time.monotonic)
    _started_wall: datetime = field(default_factory=lambda: datetime.now(UTC))

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.skipped += seconds

    def monotonic(self) -> float:
        """Monotonic time (real, or frozen if virtual) plus every sleep skipped."""
        return (self._started if self.virtual else time.monotonic()) + self.skipped

    def wall(self) -> datetime:
        """Time (real, or frozen if virtual) plus every sleep skipped."""
        base = self._started_wall if self.virtual else datetime.now(UTC)
        return base + timedelta(seconds=self.skipped)

    def skip_to(self, moment: datetime) -> None:
        """Move the clock on to `moment`, as if the process had slept until then."""
        self.skipped += max((moment - self.wall()).total_seconds(), 0.0)


@dataclass
class Rig:
    """Everything a delivery test drives."""

    pool: Pool
    app: procrastinate.App
    telegram: FakeTelegram
    sender: TelethonSender
    deps: DrainDeps
    sleep: RecordedSleep
    account_id: int

    async def campaign(
        self,
        count: int,
        *,
        rate: float = 6000.0,
        retry_limit: int = 3,
        prefix: str = "chan",
        html: str = POST_HTML,
        register: bool = True,
    ) -> Campaign:
        """A campaign over `count` new channels; `register` adds them to the fake Telegram."""
        refs = [f"{prefix}_{i:05d}" for i in range(count)]
        if register:
            for ref in refs:
                self.telegram.add_channel(ref)
        return await make_campaign(self.pool, refs, rate=rate, retry_limit=retry_limit, html=html)

    async def repeat(self, campaign: Campaign) -> Campaign:
        """A new draft campaign of the same post to the same channels and pace."""
        async with self.pool.connection() as conn:
            return await campaigns.create(
                conn,
                name=f"{campaign.name} again",
                batch_id=campaign.batch_id,
                template_id=campaign.template_id,
                account_id=campaign.account_id,
                rate_per_minute=campaign.rate_per_minute,
                retry_limit=campaign.retry_limit,
                chat_id=campaign.chat_id,
                language=campaign.language,
                created_by=campaign.created_by,
            )

    async def start(self, campaign: Campaign) -> None:
        """What /start_campaign does: schedule it and ask a worker to launch it."""
        async with self.pool.connection() as conn:
            await campaigns.transition(
                conn, campaign.id, CampaignStatus.SCHEDULED, from_states=[CampaignStatus.DRAFT]
            )
        await defer.launch_campaign(self.app, campaign.id)

    async def work(self) -> None:
        """Run a real worker until no job is due now (future kicks stay queued)."""
        await self.app.run_worker_async(
            queues=[names.DELIVERY_QUEUE, names.account_queue(self.account_id)],
            wait=False,
            install_signal_handlers=False,
            additional_context={"pool": self.pool, "drain_deps": self.deps},
        )

    async def settle(self, rounds: int = 100) -> None:
        """Run the worker; then, while a job of its queues waits for a later moment, move the
        clock on to that moment and run again (a slow pace's wait, a retry), in fake time."""
        queues = [names.DELIVERY_QUEUE, names.account_queue(self.account_id)]
        for _ in range(rounds):
            await self.work()
            async with self.pool.connection() as conn:
                cur = await conn.execute(
                    "SELECT id, scheduled_at FROM procrastinate_jobs WHERE status = 'todo' "
                    "AND queue_name = ANY(%s) ORDER BY scheduled_at LIMIT 1",
                    (queues,),
                )
                row = await cur.fetchone()
                if row is None:
                    return
                self.sleep.skip_to(row["scheduled_at"])
                await conn.execute(
                    "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE id = %s",
                    (row["id"],),
                )
        raise AssertionError(f"still not settled after {rounds} rounds")

    async def ledger(self, campaign: Campaign) -> list[Delivery]:
        async with self.pool.connection() as conn:
            return await deliveries.list_for_campaign(conn, campaign.id)

    async def get(self, campaign: Campaign) -> Campaign:
        async with self.pool.connection() as conn:
            fresh = await campaigns.get(conn, campaign.id)
        assert fresh is not None
        return fresh

    async def jobs(self, task_name: str) -> list[dict[str, Any]]:
        """Jobs of a task as Procrastinate stored them (deferred, not yet run)."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT args, status, scheduled_at FROM procrastinate_jobs "
                "WHERE task_name = %s ORDER BY id",
                (task_name,),
            )
            return list(await cur.fetchall())


@asynccontextmanager
async def delivery_rig(
    pool: Pool,
    policy: Policy | None = None,
    *,
    telegram: FakeTelegram | None = None,
    real_time: bool = False,
    virtual_time: bool = False,
) -> AsyncIterator[Rig]:
    """Open the queue and a connected sender over a fake Telegram.

    Pacing sleeps are recorded and skipped unless `real_time` (benchmarks measure real time);
    with `virtual_time` the drain's clock moves only by them (RecordedSleep).
    """
    telegram = telegram if telegram is not None else FakeTelegram()
    sender = TelethonSender(fake_client(telegram), timeout_s=5)
    await sender.start()
    app = make_app(tasks.blueprint)
    await app.open_async(pool=pool)
    async with pool.connection() as conn:
        account = await accounts.ensure(conn, accounts.MAIN_ACCOUNT, ACCOUNT_RATE)
    sleep = RecordedSleep(virtual=virtual_time)
    deps = DrainDeps(pool=pool, app=app, sender=sender, policy=policy or Policy())
    if not real_time:
        deps.sleep, deps.monotonic, deps.now = sleep, sleep.monotonic, sleep.wall
    rig = Rig(
        pool=pool,
        app=app,
        telegram=telegram,
        sender=sender,
        deps=deps,
        sleep=sleep,
        account_id=account.id,
    )
    try:
        yield rig
    finally:
        await app.close_async()
        await sender.close()
