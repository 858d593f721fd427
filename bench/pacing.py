"""Pacing exactness: one campaign at a fixed rate over a fake Telegram with network latency.

Besides completion against count ÷ rate and the gaps, it reports the fullest 1 s, 10 s and
60 s windows against what the rate allows in each, and how far the progress card lags the
sends: a stand-in for the bot's notifications worker runs the real debounced refresh jobs the
drain defers and reads the card's counts (campaigns.progress) the way the bot does.
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).parent.resolve():
    del sys.path[0]  # before asyncio is imported: see bench/__init__.py

import argparse
import asyncio
import contextlib
import itertools
import math
import time
from collections.abc import AsyncIterator

import procrastinate
from procrastinate import JobContext

from bench.common import fresh_database, machine, report, server
from predlagator.db import campaigns
from predlagator.db.pool import Pool
from predlagator.models import Campaign
from predlagator.queue import names
from predlagator.queue.app import make_app
from tests.fakes.telethon_fake import FakeTelegram
from tests.rig import Rig, delivery_rig

WINDOWS_S = (1.0, 10.0, 60.0)


def allowed(rate_per_minute: float, window_s: float) -> int:
    """The most posts an even pace puts in a window (half-open) of `window_s`."""
    return math.ceil(rate_per_minute * window_s / 60.0 - 1e-9)


def fullest(times: list[float], window_s: float) -> int:
    """The most sends any window of `window_s` holds."""
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window_s:
            start += 1
        most = max(most, end - start + 1)
    return most


def window_violations(times: list[float], rate_per_minute: float, window_s: float = 60.0) -> int:
    """Sliding windows of `window_s` holding more sends than the rate allows in that time."""
    limit = allowed(rate_per_minute, window_s)
    violations, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window_s:
            start += 1
        if end - start + 1 > limit:
            violations += 1
    return violations


def figures(sends: list[float], rate: float, elapsed: float) -> dict[str, float | int]:
    """Completion against count ÷ rate, windows over the rate, and gap errors."""
    interval = 60.0 / rate
    gaps = [b - a for a, b in itertools.pairwise(sends)]
    result: dict[str, float | int] = {
        "completion_ratio": round(elapsed / (len(sends) / rate * 60.0), 4),
        "window_violations": sum(window_violations(sends, rate, w) for w in WINDOWS_S),
        "max_gap_error_ms": round(max(abs(g - interval) for g in gaps) * 1000, 1),
        "min_gap_ms": round(min(gaps) * 1000, 1),
    }
    for window in WINDOWS_S:
        result[f"fullest_{window:g}s"] = fullest(sends, window)
        result[f"allowed_{window:g}s"] = allowed(rate, window)
    return result


class CardWatch:
    """The notifications side: runs the drain's refresh jobs, noting when each read how many
    posts of the campaign were sent (what the card would then show)."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.reads: list[tuple[float, int]] = []
        self.blueprint = procrastinate.Blueprint()
        for name in (names.REFRESH_PROGRESS, names.CAMPAIGN_FINISHED):
            self.blueprint.task(name=name, queue=names.NOTIFICATIONS_QUEUE, pass_context=True)(
                self._read
            )

    async def _read(self, context: JobContext, campaign_id: int) -> None:
        async with self.pool.connection() as conn:
            progress = await campaigns.progress(conn, campaign_id)
        if progress is not None:
            self.reads.append((time.monotonic(), progress.sent))

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        app = make_app(self.blueprint)
        await app.open_async(pool=self.pool)
        worker = asyncio.create_task(
            app.run_worker_async(queues=[names.NOTIFICATIONS_QUEUE], install_signal_handlers=False)
        )
        try:
            yield
        finally:
            await asyncio.sleep(2.0)  # the last refresh, one delay after the last record
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
            await app.close_async()

    def lags(self, sends: list[float], since: int) -> list[float]:
        """For each send, how long until a read showed it (`since` posts were sent before)."""
        result = []
        for number, at in enumerate(sends, start=since + 1):
            shown = next((r for r, sent in self.reads if r >= at and sent >= number), None)
            result.append(float("inf") if shown is None else shown - at)
        return result


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
            # The steady state: the same list again, every channel already resolved, with the
            # card watched.
            watch = CardWatch(pool)
            async with watch.running():
                sends, elapsed = await timed_campaign(rig, await rig.repeat(first))
    result = figures(sends, rate, elapsed)
    new = figures(new_sends, rate, new_elapsed)
    result["completion_ratio_new_channels"] = new["completion_ratio"]
    result["window_violations"] = int(result["window_violations"]) + int(new["window_violations"])
    for window in WINDOWS_S:
        key = f"fullest_{window:g}s"
        result[key] = max(int(result[key]), int(new[key]))
    lags = sorted(watch.lags(sends, since=0))
    result["card_lag_max_s"] = round(lags[-1], 2)
    result["card_lag_median_s"] = round(lags[len(lags) // 2], 2)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--rate", type=float, default=600.0, help="posts per minute")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    report(asyncio.run(main(args.channels, args.rate, args.latency_ms)))
