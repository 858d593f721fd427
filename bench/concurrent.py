"""Fairness: several campaigns on one account share its pace; none starves.

With `--mixed-rates`, campaigns of very different paces share the account instead: a fast one
(60 a minute) beside a 0.1 and a 2 a minute one, and then a fast one started right after a slow
one was cancelled. Each pace binds only its own campaign, so the fast one should keep its own
rate; `fast_pace_ratio` is its achieved pace ÷ its rate.
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).parent.resolve():
    del sys.path[0]  # before asyncio is imported: see bench/__init__.py

import argparse
import asyncio
import itertools
import time
from collections import Counter
from typing import Any

from bench.common import fresh_database, machine, report, server
from predlagator.db import campaigns
from predlagator.models import Campaign, CampaignStatus
from tests.fakes.telethon_fake import FakeTelegram
from tests.fakes.worker_process import CampaignWatch
from tests.rig import Rig, delivery_rig


async def main(campaign_count: int, channels: int, rate: float) -> dict[str, float]:
    telegram = FakeTelegram()
    with server() as url:
        async with (
            fresh_database(url) as (_, pool),
            delivery_rig(pool, telegram=telegram, real_time=True) as rig,
        ):
            async with pool.connection() as conn:
                # One account at `rate`; each campaign may go as fast as the account.
                await conn.execute("UPDATE accounts SET rate_per_minute = %s", (rate,))
            prefixes = [f"c{n:02d}" for n in range(campaign_count)]
            made = [await rig.campaign(channels, rate=rate, prefix=p) for p in prefixes]
            started = time.monotonic()
            for campaign in made:
                await rig.start(campaign)
            await rig.work()
            elapsed = time.monotonic() - started
            for campaign in made:
                assert all(d.status == "sent" for d in await rig.ledger(campaign))
    # Which campaign each post belongs to, in the order Telegram received them.
    posts = [prefix for _, prefix in sends_of(telegram)]
    last_post = {prefix: max(i for i, p in enumerate(posts) if p == prefix) for prefix in prefixes}
    all_running = posts[: min(last_post.values()) + 1]
    shares = Counter(all_running)
    fractions = [shares[p] / len(all_running) for p in prefixes]
    total = campaign_count * channels
    return {
        "completion_ratio": round(elapsed / (total / rate * 60.0), 4),
        "min_share": round(min(fractions), 4),
        "max_share": round(max(fractions), 4),
    }


def sends_of(telegram: FakeTelegram) -> list[tuple[float, str]]:
    """(arrival time, channel prefix) of each post, in the order Telegram received them."""
    owner = {ch.id: name.split("_")[0] for name, ch in telegram.channels.items()}
    arrivals = [at for at, name in telegram.requests if name == "SendMessageRequest"]
    return [
        (at, owner[request.peer.channel_id])
        for at, request in zip(arrivals, telegram.sent, strict=True)
    ]


def pace(times: list[float]) -> float:
    """Posts a minute from the first to the last of `times`."""
    return (len(times) - 1) / (times[-1] - times[0]) * 60.0


async def run_until(url: str, rig: Rig, done: Campaign, others: list[Campaign]) -> None:
    """Run the worker until `done` completes, then cancel `others` so their drain ends."""
    async with CampaignWatch(url) as watch:
        worker = asyncio.create_task(rig.work())
        assert await watch.until(done.id, CampaignStatus.COMPLETED, timeout_s=3600)
    async with rig.pool.connection() as conn:
        for campaign in others:
            await campaigns.cancel(conn, campaign.id)
    await worker


async def mixed(fast_channels: int, fast_rate: float) -> dict[str, Any]:
    telegram = FakeTelegram()
    with server() as url:
        async with (
            fresh_database(url) as (database_url, pool),
            delivery_rig(pool, telegram=telegram, real_time=True) as rig,
        ):
            # Beside slow ones: a fast campaign keeps its own pace.
            tenth = await rig.campaign(10, rate=0.1, prefix="tenth")
            two = await rig.campaign(10, rate=2.0, prefix="two")
            fast = await rig.campaign(fast_channels, rate=fast_rate, prefix="fast")
            for campaign in (tenth, two, fast):
                await rig.start(campaign)
            await run_until(database_url, rig, fast, [tenth, two])
            beside = sends_of(telegram)
            # After a slow one is cancelled, a fast one starts at once.
            slow = await rig.campaign(10, rate=0.1, prefix="slow")
            await rig.start(slow)
            await rig.work()  # its first post; the drain hands the long wait to the queue
            async with pool.connection() as conn:
                await campaigns.cancel(conn, slow.id)
            started = time.monotonic()
            after = await rig.campaign(fast_channels, rate=fast_rate, prefix="after")
            await rig.start(after)
            await rig.work()
    fast_times = [at for at, prefix in beside if prefix == "fast"]
    two_times = [at for at, prefix in beside if prefix == "two"]
    after_times = [at for at, prefix in sends_of(telegram) if prefix == "after"]
    gaps = [b - a for a, b in itertools.pairwise(fast_times)]
    return {
        "fast_pace_ratio": round(pace(fast_times) / fast_rate, 4),
        "fast_longest_gap_s": round(max(gaps), 3),
        "two_per_minute_posts": len(two_times),
        "two_per_minute_pace_ratio": round(pace(two_times) / 2.0, 4) if len(two_times) > 1 else 0,
        "tenth_per_minute_posts": sum(1 for _, prefix in beside if prefix == "tenth"),
        "after_cancel_first_post_s": round(after_times[0] - started, 3),
        "after_cancel_pace_ratio": round(pace(after_times) / fast_rate, 4),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--campaigns", type=int, default=10)
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=6000.0, help="the account's posts/minute")
    parser.add_argument(
        "--mixed-rates", action="store_true", help="a fast campaign beside slow ones instead"
    )
    parser.add_argument("--fast-channels", type=int, default=90)
    parser.add_argument("--fast-rate", type=float, default=60.0)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if args.mixed_rates:
        report(asyncio.run(mixed(args.fast_channels, args.fast_rate)))
    else:
        report(asyncio.run(main(args.campaigns, args.channels, args.rate)))
