"""Pacing across campaigns on one account: each campaign's pace binds only that campaign, the
account's pace binds their sum, and a paused or cancelled campaign holds no slot.

Time is the rig's fake clock: sleeps are recorded and move it on, the pacing slots kept in
PostgreSQL are read against it, and `Rig.settle` moves it on to each later kick.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from predlagator.db import accounts, campaigns
from predlagator.db.pool import Pool
from predlagator.delivery.policy import Policy
from predlagator.models import Campaign, CampaignStatus, DeliveryStatus
from tests.rig import RecordedSleep, Rig, delivery_rig

SLOW = 0.1  # a post every ten minutes
FAST = 60.0  # a post a second


@pytest.fixture
async def rig(pool: Pool) -> AsyncIterator[Rig]:
    """The delivery rig on a virtual clock: only sleeps move it, so timings here are exact."""
    async with delivery_rig(pool, virtual_time=True) as opened:
        yield opened


@dataclass
class Sends:
    """When each post reached Telegram, on the drain's clock, and the prefix of its channel."""

    rig: Rig
    log: list[tuple[float, str]] = field(default_factory=list)
    watchers: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rig.telegram.on_send = self._record

    async def _record(self, query: Any) -> None:
        names = {ch.id: name for name, ch in self.rig.telegram.channels.items()}
        prefix = names[query.peer.channel_id].split("_")[0]
        self.log.append((self.rig.sleep.monotonic(), prefix))
        for watch in self.watchers:
            await watch(prefix)

    def of(self, prefix: str) -> list[float]:
        return [at for at, p in self.log if p == prefix]


def per_minute(times: list[float]) -> float:
    """The pace a run of posts achieved, from its first to its last."""
    return (len(times) - 1) / (times[-1] - times[0]) * 60.0


async def status(rig: Rig, campaign: Campaign) -> CampaignStatus:
    return (await rig.get(campaign)).status


async def test_a_slow_campaign_does_not_hold_back_a_fast_one(rig: Rig) -> None:
    sends = Sends(rig)
    slow = await rig.campaign(3, rate=SLOW, prefix="slow")
    fast = await rig.campaign(30, rate=FAST, prefix="fast")
    await rig.start(slow)
    await rig.start(fast)
    await rig.work()

    fast_times = sends.of("fast")
    assert len(fast_times) == 30
    assert await status(rig, fast) is CampaignStatus.COMPLETED
    # The fast one starts at once and keeps its own pace while the slow one waits for its slot.
    assert fast_times[0] - sends.log[0][0] <= 60.0 / FAST
    assert per_minute(fast_times) >= 0.95 * FAST

    await rig.settle()
    slow_times = sends.of("slow")
    assert len(slow_times) == 3 and await status(rig, slow) is CampaignStatus.COMPLETED
    gaps = [later - earlier for earlier, later in itertools.pairwise(slow_times)]
    assert all(600.0 <= gap <= 600.0 * 1.01 for gap in gaps), gaps


async def test_a_cancelled_slow_campaign_holds_no_slot(rig: Rig) -> None:
    sends = Sends(rig)
    slow = await rig.campaign(3, rate=SLOW, prefix="slow")
    cancelled: list[Campaign] = []

    async def cancel() -> None:
        async with rig.pool.connection() as conn:
            done = await campaigns.cancel(conn, slow.id)
        assert done is not None
        cancelled.append(done)

    async def sleep_and_cancel(seconds: float) -> None:
        # The operator cancels while the drain waits for the slow campaign's next slot.
        if seconds > 60 and not cancelled:
            await cancel()
        await RecordedSleep.__call__(rig.sleep, seconds)

    rig.deps.sleep = sleep_and_cancel
    await rig.start(slow)
    await rig.work()
    if not cancelled:  # the drain handed the long wait to the queue instead of sleeping
        await cancel()
    assert len(sends.of("slow")) == 1

    started = rig.sleep.monotonic()
    fast = await rig.campaign(10, rate=FAST, prefix="fast")
    await rig.start(fast)
    await rig.work()
    fast_times = sends.of("fast")
    assert len(fast_times) == 10 and await status(rig, fast) is CampaignStatus.COMPLETED
    # Within one of its own intervals, not after the cancelled campaign's slot.
    assert fast_times[0] - started <= 60.0 / FAST
    assert per_minute(fast_times) >= 0.95 * FAST
    ledger = [d.status for d in await rig.ledger(slow)]
    assert ledger == [DeliveryStatus.SENT, DeliveryStatus.CANCELLED, DeliveryStatus.CANCELLED]
    async with rig.pool.connection() as conn:
        account = await accounts.get(conn, rig.account_id)
    assert account is not None and account.last_slot_at is not None
    assert account.last_slot_at <= rig.sleep.wall()


async def test_each_campaign_completes_when_its_last_post_is_recorded(rig: Rig) -> None:
    sends = Sends(rig)
    single = await rig.campaign(1, rate=SLOW, prefix="single")  # its one post, then done
    fast = await rig.campaign(5, rate=FAST, prefix="fast")  # exactly one batch of its pace
    slow = await rig.campaign(2, rate=SLOW, prefix="slow")  # keeps the account busy after
    seen: dict[str, list[CampaignStatus]] = {"single": [], "fast": []}

    async def look(prefix: str) -> None:
        if prefix == "fast" and len(sends.of("fast")) >= 2:
            seen["single"].append(await status(rig, single))
        if prefix == "slow" and len(sends.of("slow")) == 2:
            seen["fast"].append(await status(rig, fast))

    sends.watchers.append(look)
    for campaign in (single, fast, slow):
        await rig.start(campaign)
    await rig.settle()

    assert [p for _, p in sends.log].count("fast") == 5
    # Finished while the others still had posts to go.
    assert set(seen["single"]) == {CampaignStatus.COMPLETED}
    assert seen["fast"] == [CampaignStatus.COMPLETED]
    assert await status(rig, slow) is CampaignStatus.COMPLETED


def fullest(times: list[float], window_s: float) -> int:
    """The most posts any window of `window_s` (half-open) holds."""
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window_s:
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_posts_catching_up_after_a_stall_never_crowd_a_window(rig: Rig) -> None:
    rate = 600.0  # ten a second
    sends = Sends(rig)
    campaign = await rig.campaign(300, rate=rate, prefix="pace")

    async def stall(prefix: str) -> None:
        if len(sends.log) == 20:
            rig.sleep.skipped += 3.0  # this send took three seconds

    sends.watchers.append(stall)
    await rig.start(campaign)
    await rig.work()

    times = sends.of("pace")
    assert len(times) == 300 and await status(rig, campaign) is CampaignStatus.COMPLETED
    for window_s in (1.0, 10.0, 60.0):
        allowed = math.ceil(rate * window_s / 60.0 - 1e-9)
        assert fullest(times, window_s) <= allowed, window_s
    # It lost the stall, and nothing more.
    assert times[-1] - times[0] <= 299 * 0.1 * 1.01 + 3.0 + 0.5


async def test_the_accounts_pace_binds_the_sum_of_its_campaigns(rig: Rig) -> None:
    sends = Sends(rig)
    async with rig.pool.connection() as conn:
        await conn.execute(
            "UPDATE accounts SET rate_per_minute = 60 WHERE id = %s", (rig.account_id,)
        )
    first = await rig.campaign(10, rate=60.0, prefix="first")
    second = await rig.campaign(10, rate=60.0, prefix="second")
    await rig.start(first)
    await rig.start(second)
    await rig.work()

    times = [at for at, _ in sends.log]
    assert len(times) == 20
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))
    assert fullest(times, 10.0) <= 10
    # They take turns post by post, each at half its own pace.
    order = [p for _, p in sends.log]
    assert order == ["first", "second"] * 10
    for campaign in (first, second):
        assert await status(rig, campaign) is CampaignStatus.COMPLETED


async def test_jitter_only_stretches_gaps(pool: Pool) -> None:
    async with delivery_rig(pool, Policy(pacing_jitter=0.2), virtual_time=True) as rig:
        sends = Sends(rig)
        campaign = await rig.campaign(12, rate=6.0)  # every 10 s, plus up to 2 s
        await rig.start(campaign)
        await rig.work()
    gaps = [b - a for a, b in itertools.pairwise(sends.of("chan"))]
    assert len(gaps) == 11
    assert all(10.0 <= gap <= 12.0 * 1.006 for gap in gaps), gaps
    assert len({round(gap, 3) for gap in gaps}) > 1  # the gaps do vary


async def test_a_post_the_transport_took_late_holds_back_the_post_a_window_after_it(
    rig: Rig,
) -> None:
    rate = 600.0  # ten a second: a second's window holds ten posts
    arrivals: list[float] = []

    async def arrive(query: Any) -> None:
        if not arrivals:
            rig.sleep.skipped += 0.008  # the first request reached the wire 8 ms after its mark
        arrivals.append(rig.sleep.monotonic())

    rig.telegram.on_send = arrive
    campaign = await rig.campaign(30, rate=rate, prefix="late")
    await rig.start(campaign)
    await rig.work()

    assert len(arrivals) == 30 and await status(rig, campaign) is CampaignStatus.COMPLETED
    assert fullest(arrivals, 1.0) <= 10
    assert arrivals[10] - arrivals[0] >= 1.0
