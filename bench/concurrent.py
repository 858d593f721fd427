"""Fairness: several campaigns on one account share its pace; none starves."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).parent.resolve():
    del sys.path[0]  # before asyncio is imported: see bench/__init__.py

import argparse
import asyncio
import time
from collections import Counter

from bench.common import fresh_database, machine, report, server
from tests.fakes.telethon_fake import FakeTelegram
from tests.rig import delivery_rig


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
    owner = {ch.id: name.split("_")[0] for name, ch in telegram.channels.items()}
    posts = [owner[request.peer.channel_id] for request in telegram.sent]
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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--campaigns", type=int, default=10)
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=6000.0, help="the account's posts/minute")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    report(asyncio.run(main(args.campaigns, args.channels, args.rate)))
