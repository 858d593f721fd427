"""Pacing exactness: one campaign at a fixed rate over a fake Telegram with network latency."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).parent.resolve():
    del sys.path[0]  # before asyncio is imported: see bench/__init__.py

import argparse
import asyncio
import itertools
import time

from bench.common import fresh_database, machine, report, server
from predlagator.models import Campaign
from tests.fakes.telethon_fake import FakeTelegram
from tests.rig import Rig, delivery_rig


def window_violations(times: list[float], rate_per_minute: float, window_s: float = 60.0) -> int:
    """Sliding windows of `window_s` holding more sends than the rate allows in that time."""
    allowed = rate_per_minute * window_s / 60.0
    violations, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window_s:
            start += 1
        if end - start + 1 > allowed + 1e-9:
            violations += 1
    return violations


def figures(sends: list[float], rate: float, elapsed: float) -> dict[str, float | int]:
    """Completion against count ÷ rate, windows over the rate, and gap errors."""
    interval = 60.0 / rate
    gaps = [b - a for a, b in itertools.pairwise(sends)]
    # Windows of the rate's own unit (a minute) and, since a campaign here lasts under one,
    # of ten seconds too: each may hold at most the rate's share of posts.
    violations = window_violations(sends, rate) + window_violations(sends, rate, 10.0)
    return {
        "completion_ratio": round(elapsed / (len(sends) / rate * 60.0), 4),
        "window_violations": violations,
        "max_gap_error_ms": round(max(abs(g - interval) for g in gaps) * 1000, 1),
        "min_gap_ms": round(min(gaps) * 1000, 1),
    }


async def timed_campaign(rig: Rig, campaign: Campaign) -> tuple[list[float], float]:
    """Run one campaign in real time; its sends as Telegram received them, and its duration."""
    before = len(rig.telegram.requests)
    started = time.monotonic()
    await rig.start(campaign)
    await rig.work()
    elapsed = time.monotonic() - started
    assert all(d.status == "sent" for d in await rig.ledger(campaign))
    log = rig.telegram.requests[before:]  # the fake logs each request as it arrives
    return [at for at, name in log if name == "SendMessageRequest"], elapsed


async def main(channels: int, rate: float, latency_ms: float) -> dict[str, float | int]:
    telegram = FakeTelegram(latency_s=latency_ms / 1000)
    with server() as url:
        async with (
            fresh_database(url) as (_, pool),
            delivery_rig(pool, telegram=telegram, real_time=True) as rig,
        ):
            # First contact costs a resolve request per channel besides the post.
            first = await rig.campaign(channels, rate=rate)
            new_sends, new_elapsed = await timed_campaign(rig, first)
            # The steady state: the same list again, every channel already resolved.
            sends, elapsed = await timed_campaign(rig, await rig.repeat(first))
    result = figures(sends, rate, elapsed)
    new = figures(new_sends, rate, new_elapsed)
    result["completion_ratio_new_channels"] = new["completion_ratio"]
    result["window_violations"] = int(result["window_violations"]) + int(new["window_violations"])
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--rate", type=float, default=600.0, help="posts per minute")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    report(asyncio.run(main(args.channels, args.rate, args.latency_ms)))
