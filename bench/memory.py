"""Worker peak memory for a campaign of 1,000 and of 100,000 channels.

The campaign (batch, template, channels) is made in this process; a fresh worker process then
launches and sends it, and reports its own peak RSS. Making a batch of 100,000 channels is the
bot's work and costs a peak of its own (~34 MB) that has nothing to do with the worker.

`--trace` also prints, to stderr, where the larger run's memory went: the top allocations still
alive after the campaign, against a snapshot taken before it (tracemalloc slows the run down
and adds its own memory, so its RSS figures are not the benchmark's).
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).parent.resolve():
    del sys.path[0]  # before asyncio is imported: see bench/__init__.py

import argparse
import asyncio
import json
import os
import tracemalloc

from bench.common import fresh_database, machine, report, server
from bench.lean_fake import LeanTelegram
from predlagator.db import campaigns
from predlagator.db.pool import open_pool
from tests.factories import make_campaign
from tests.rig import delivery_rig

# Frames kept per traced allocation: enough to see which of our calls led into a library.
TRACE_FRAMES = 12
TRACE_TOP = 25


async def one_campaign(url: str, campaign_id: int, channels: int, *, trace: bool = False) -> float:
    """In this process, the worker: launch and send the campaign; return peak RSS in MB."""
    telegram = LeanTelegram()
    pool = await open_pool(url)
    try:
        async with delivery_rig(pool, telegram=telegram) as rig:
            async with pool.connection() as conn:
                campaign = await campaigns.get(conn, campaign_id)
            assert campaign is not None
            if trace:
                tracemalloc.start(TRACE_FRAMES)
                before = tracemalloc.take_snapshot()
            await rig.start(campaign)
            await rig.work()
            assert telegram.posted == channels, (telegram.posted, channels)
            if trace:
                print_growth(before, tracemalloc.take_snapshot())
                tracemalloc.stop()
    finally:
        await pool.close()
    return peak_rss_mb()


def peak_rss_mb() -> float:
    """This process's own peak RSS: VmHWM, not ru_maxrss, which carries over the parent's peak
    across the fork and exec that started us (the parent holds the 100,000-channel batch)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # in kB
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def print_growth(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot) -> None:
    """The allocations that grew most over the campaign, by line and by call path, to stderr."""
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<*>")]
    before, after = before.filter_traces(ignore), after.filter_traces(ignore)
    total = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    print(f"traced growth over the campaign: {total / 2**20:.1f} MB", file=sys.stderr)
    print("-- by line (where the memory was allocated):", file=sys.stderr)
    for stat in after.compare_to(before, "lineno")[:TRACE_TOP]:
        print(
            f"{stat.size_diff / 2**20:8.2f} MB {stat.count_diff:+9d}  {stat.traceback[0]}",
            file=sys.stderr,
        )
    print("-- by call path (the biggest, innermost frame first):", file=sys.stderr)
    for stat in after.compare_to(before, "traceback")[:8]:
        print(f"{stat.size_diff / 2**20:8.2f} MB {stat.count_diff:+9d}", file=sys.stderr)
        for frame in stat.traceback:
            print(f"      {frame}", file=sys.stderr)


async def measure(server_url: str, channels: int, *, trace: bool = False) -> float:
    """Peak RSS of a fresh worker process sending one campaign (peaks only ever grow)."""
    async with fresh_database(server_url) as (url, pool):
        refs = [f"m_{i:06d}" for i in range(channels)]
        campaign = await make_campaign(pool, refs, rate=1_000_000.0)
        command = [__file__, "--child", str(channels), "--url", url, "--campaign", str(campaign.id)]
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            *command,
            *(["--trace"] if trace else []),
            stdout=asyncio.subprocess.PIPE,
            env=os.environ.copy(),
        )
        out, _ = await child.communicate()
        assert child.returncode == 0, f"the worker process exited with {child.returncode}"
    return float(json.loads(out.decode().strip().splitlines()[-1])["rss_mb"])


async def both(url: str, small: int, large: int, trace: bool) -> tuple[float, float]:
    """The small run, then the large one (one after the other: they share the machine)."""
    return await measure(url, small), await measure(url, large, trace=trace)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument(
        "--trace", action="store_true", help="print the large run's top allocations to stderr"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--campaign", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        rss_mb = asyncio.run(one_campaign(args.url, args.campaign, args.child, trace=args.trace))
        report({"rss_mb": round(rss_mb, 1)})
        sys.exit(0)
    print(f"machine: {machine()}")
    with server() as url:
        small, large = asyncio.run(both(url, args.small, args.large, args.trace))
    report({"rss_mb_1k": small, "rss_mb_100k": large, "growth_mb": round(large - small, 1)})
