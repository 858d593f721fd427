"""Deliveries per second with pacing off, against Procrastinate's own no-op job rate."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).parent.resolve():
    del sys.path[0]  # before asyncio is imported: see bench/__init__.py

import argparse
import asyncio
import statistics
import time
from typing import Any

import procrastinate

from bench.common import fresh_database, machine, report, server
from predlagator.db.pool import Pool
from predlagator.models import Campaign
from predlagator.queue import names
from predlagator.queue.app import make_app
from tests.rig import Rig, delivery_rig

NOOP = procrastinate.Blueprint()
NOOP_RUNS = 3


@NOOP.task(name="noop", queue="noop")
async def noop() -> None:
    """Nothing: the cost of a job itself."""


async def noop_jobs_per_s(pool: Pool, count: int) -> float:
    """Procrastinate's ceiling: no-op jobs through one worker at concurrency 1."""
    app = make_app(NOOP)
    await app.open_async(pool=pool)
    try:
        deferrer = app.configure_task("noop")
        await deferrer.batch_defer_async(*({} for _ in range(count)))
        started = time.perf_counter()
        await app.run_worker_async(
            queues=["noop"], wait=False, concurrency=1, install_signal_handlers=False
        )
        return count / (time.perf_counter() - started)
    finally:
        await app.close_async()


async def timed_campaign(rig: Rig, campaign: Campaign) -> tuple[float, float]:
    """Deliveries per second of one campaign, from start to its last record, and seconds from
    the start to its first post's record (the launch lays out the ledger meanwhile)."""
    async with rig.pool.connection() as conn:
        cur = await conn.execute("SELECT clock_timestamp() AS at")
        start_row = await cur.fetchone()
    assert start_row is not None
    started = time.perf_counter()
    await rig.start(campaign)
    await rig.work()
    elapsed = time.perf_counter() - started
    ledger = await rig.ledger(campaign)
    assert all(d.status == "sent" and d.sent_at for d in ledger), "not all sent"
    first_sent = min(d.sent_at for d in ledger if d.sent_at is not None)
    return len(ledger) / elapsed, (first_sent - start_row["at"]).total_seconds()


async def main(channels: int, noop_count: int) -> dict[str, Any]:
    with server() as url:
        async with fresh_database(url) as (_, pool), delivery_rig(pool) as rig:
            # First contact: each channel is resolved once (a request of its own), then sent.
            first = await rig.campaign(channels, rate=1_000_000.0)
            new_per_s, _ = await timed_campaign(rig, first)
            # The steady state: the same list again, every channel already resolved.
            per_s, repeat_first_post_s = await timed_campaign(rig, await rig.repeat(first))
        # The denominator swings by a third from one run to the next on a quiet machine (250 to
        # 360 measured within minutes): the median of three, each on a fresh database.
        noop_runs = []
        for _ in range(NOOP_RUNS):
            async with fresh_database(url) as (_, pool):
                noop_runs.append(await noop_jobs_per_s(pool, noop_count))
        noop_per_s = statistics.median(noop_runs)
    return {
        "deliveries_per_s": round(per_s, 1),
        "procrastinate_noop_jobs_per_s": round(noop_per_s, 1),
        "noop_runs": [round(run, 1) for run in noop_runs],
        "ratio": round(per_s / noop_per_s, 2),
        # Of the steady state's time: the launch (laying out the ledger of channels the account
        # knows) and the first post, recorded within RECORD_EVERY_S of going out.
        "first_post_s": round(repeat_first_post_s, 3),
        "deliveries_per_s_new_channels": round(new_per_s, 1),
        "ratio_new_channels": round(new_per_s / noop_per_s, 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--noop-jobs", type=int, default=3_000)
    args = parser.parse_args()
    print(f"machine: {machine()}; queue {names.DELIVERY_QUEUE}")
    report(asyncio.run(main(args.channels, args.noop_jobs)))
