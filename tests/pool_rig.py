"""Several sending accounts over one database: each with its own fake Telegram, sender, drain
deps and clock, their drains run side by side in the test's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import procrastinate

from predlagator.db import accounts, batches, campaigns, deliveries, templates
from predlagator.db.pool import Pool
from predlagator.delivery import tasks
from predlagator.delivery.drain import Drain, DrainDeps
from predlagator.delivery.policy import Policy
from predlagator.delivery.telethon_sender import TelethonSender
from predlagator.models import Account, Campaign, CampaignStatus, Delivery
from predlagator.queue.app import make_app
from tests.factories import POST_HTML
from tests.fakes.telethon_fake import FakeTelegram, fake_client
from tests.rig import RecordedSleep


@dataclass
class Member:
    """One account of the pool, as its worker sees it: its own Telegram, sender and clock."""

    account_id: int
    name: str
    telegram: FakeTelegram
    sender: TelethonSender
    deps: DrainDeps
    sleep: RecordedSleep
    times: list[float] = field(default_factory=list)  # when each request reached its Telegram
    posts_at: list[float] = field(default_factory=list)  # when each post did
    actions_at: list[float] = field(default_factory=list)  # when each action over a post did

    def random_ids(self) -> set[int]:
        """Every random_id this account sent."""
        return {r.random_id for r in self.telegram.sent}

    def sends(self) -> int:
        """Send requests this account made."""
        return self.telegram.request_names().count("SendMessageRequest")


@dataclass
class PoolRig:
    """The accounts, the queue and the database a multi-account test drives."""

    pool: Pool
    app: procrastinate.App
    members: list[Member]

    def by_id(self, account_id: int) -> Member:
        return next(m for m in self.members if m.account_id == account_id)

    async def campaign(
        self,
        count: int,
        *,
        rate: float | None = 6000.0,
        members: Sequence[Member] | None = None,
        prefix: str = "chan",
        retry_limit: int = 3,
    ) -> Campaign:
        """A draft campaign over `count` new channels, known to every account's Telegram."""
        chosen = list(members) if members is not None else self.members
        refs = [f"{prefix}_{i:05d}" for i in range(count)]
        for member in self.members:
            for ref in refs:
                member.telegram.add_channel(ref)
        async with self.pool.connection() as conn:
            batch, _ = await batches.create(conn, f"batch {prefix}", refs, created_by=1)
            template = await templates.create(conn, "post", POST_HTML, created_by=1)
            return await campaigns.create(
                conn,
                name=f"campaign {prefix}",
                batch_id=batch.id,
                template_id=template.id,
                account_id=chosen[0].account_id,
                rate_per_minute=rate,
                retry_limit=retry_limit,
                chat_id=10,
                language="en",
                created_by=1,
                more_accounts=[m.account_id for m in chosen[1:]],
            )

    async def launch(self, campaign: Campaign) -> None:
        """What /start_campaign and the launch job do: lay out the ledger and start it."""
        async with self.pool.connection() as conn:
            await campaigns.transition(
                conn, campaign.id, CampaignStatus.SCHEDULED, from_states=[CampaignStatus.DRAFT]
            )
        await tasks.launch(self.app, self.pool, campaign.id)

    async def drain(self, members: Sequence[Member] | None = None, rounds: int = 50) -> None:
        """Run the accounts' drains side by side, again and again while any of them sends."""
        chosen = list(members) if members is not None else self.members
        for _ in range(rounds):
            before = sum(len(m.telegram.requests) for m in chosen)
            await asyncio.gather(*(Drain(m.deps, m.account_id).run() for m in chosen))
            if sum(len(m.telegram.requests) for m in chosen) == before:
                return
        raise AssertionError(f"still sending after {rounds} rounds")

    async def ledger(self, campaign: Campaign) -> list[Delivery]:
        async with self.pool.connection() as conn:
            return await deliveries.list_for_campaign(conn, campaign.id)

    async def owners(self, campaign: Campaign) -> dict[int, int]:
        """Account id → the campaign's rows it holds."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT account_id, count(*) AS n FROM deliveries WHERE campaign_id = %s "
                "GROUP BY account_id",
                (campaign.id,),
            )
            return {row["account_id"]: row["n"] for row in await cur.fetchall()}

    async def rows_of(self, campaign: Campaign) -> list[dict[str, Any]]:
        """The ledger with each row's account, in list order."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id, account_id, status, attempts, random_id, channel_id "
                "FROM deliveries WHERE campaign_id = %s ORDER BY position",
                (campaign.id,),
            )
            return list(await cur.fetchall())

    async def get(self, campaign: Campaign) -> Campaign:
        async with self.pool.connection() as conn:
            fresh = await campaigns.get(conn, campaign.id)
        assert fresh is not None
        return fresh

    async def account(self, member: Member) -> Account:
        async with self.pool.connection() as conn:
            fresh = await accounts.get(conn, member.account_id)
        assert fresh is not None
        return fresh


@asynccontextmanager
async def pool_rig(
    pool: Pool,
    rates: Sequence[float],
    policy: Policy | None = None,
    *,
    real_time: bool = False,
    latency_s: float = 0.0,
) -> AsyncIterator[PoolRig]:
    """Accounts `acct_0`… at these paces, each with a connected sender over its own fake
    Telegram and its own virtual clock (its pace state is its own, so clocks need not agree);
    benchmarks ask for `real_time` and a network `latency_s`."""
    app = make_app(tasks.blueprint)
    await app.open_async(pool=pool)
    members: list[Member] = []
    async with AsyncExitStack() as stack:
        for index, rate in enumerate(rates):
            telegram = FakeTelegram(latency_s=latency_s)
            sender = TelethonSender(fake_client(telegram), timeout_s=5)
            await sender.start()
            stack.push_async_callback(sender.close)
            async with pool.connection() as conn:
                account = await accounts.ensure(conn, f"acct_{index}", rate)
                await conn.execute(
                    "UPDATE accounts SET rate_per_minute = %s WHERE id = %s", (rate, account.id)
                )
            sleep = RecordedSleep(virtual=True)
            deps = DrainDeps(
                pool=pool,
                app=app,
                sender=sender,
                policy=policy or Policy(),
                actions=sender.post_actions(),
            )
            if not real_time:
                deps.sleep, deps.monotonic, deps.now = sleep, sleep.monotonic, sleep.wall
            member = Member(account.id, account.name, telegram, sender, deps, sleep)
            if not real_time:
                telegram.on_send = _timer(member, member.posts_at)
                telegram.post_actions.on_action = _timer(member, member.actions_at)
            members.append(member)
        try:
            yield PoolRig(pool=pool, app=app, members=members)
        finally:
            await app.close_async()


def _timer(member: Member, kind: list[float]) -> Any:
    async def note(request: Any) -> None:
        member.times.append(member.sleep.monotonic())
        kind.append(member.sleep.monotonic())

    return note
