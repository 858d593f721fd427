"""Pacing exactness: one campaign at a fixed rate over a fake Telegram with network latency."""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/NAME.py`, this folder comes first on sys.path, and bench/concurrent.py
# would shadow the standard library's `concurrent` package that asyncio imports. The project
# root is on sys.path already (editable install), so `bench.common` still imports.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

import argparse
import asyncio
import itertools
import time

from bench.common import fresh_database, machine, report, server
from tests.fakes.telethon_fake import FakeTelegram
from tests.rig import delivery_rig


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


async def main(channels: int, rate: float, latency_ms: float) -> dict[str, float | int]:
    telegram = FakeTelegram(latency_s=latency_ms / 1000)
    with server() as url:
        async with (
            fresh_database(url) as (_, pool),
            delivery_rig(pool, telegram=telegram, real_time=True) as rig,
        ):
            campaign = await rig.campaign(channels, rate=rate)
            started = time.monotonic()
            await rig.start(campaign)
            await rig.work()
            elapsed = time.monotonic() - started
            assert sum(d.status == "sent" for d in await rig.ledger(campaign)) == channels
    # Sends as Telegram received them: the fake logs each request on arrival.
    sends = [at for at, name in telegram.requests if name == "SendMessageRequest"]
    interval = 60.0 / rate
    gaps = [b - a for a, b in itertools.pairwise(sends)]
    # Every window the rate defines (a minute) and a tighter one of ten intervals.
    violations = window_violations(sends, rate) + window_violations(sends, rate, 10 * interval)
    return {
        "completion_ratio": round(elapsed / (channels / rate * 60.0), 4),
        "window_violations": violations,
        "max_gap_error_ms": round(max(abs(g - interval) for g in gaps) * 1000, 1),
        "min_gap_ms": round(min(gaps) * 1000, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--rate", type=float, default=600.0, help="posts per minute")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    report(asyncio.run(main(args.channels, args.rate, args.latency_ms)))
