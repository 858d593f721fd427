"""Worker peak memory for a campaign of 1,000 and of 100,000 channels.

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
import resource
import subprocess
import tracemalloc

from bench.common import fresh_database, machine, report, server
from bench.lean_fake import LeanTelegram
from tests.rig import delivery_rig

# Frames kept per traced allocation: enough to see which of our calls led into a library.
TRACE_FRAMES = 12
TRACE_TOP = 25


async def one_campaign(url: str, channels: int, *, trace: bool = False) -> float:
    """In this process: run a campaign of `channels` posts; return peak RSS in MB."""
    telegram = LeanTelegram()
    async with fresh_database(url) as (_, pool), delivery_rig(pool, telegram=telegram) as rig:
        campaign = await rig.campaign(channels, rate=1_000_000.0, prefix="m", register=False)
        if trace:
            tracemalloc.start(TRACE_FRAMES)
            before = tracemalloc.take_snapshot()
        await rig.start(campaign)
        await rig.work()
        assert telegram.posted == channels, (telegram.posted, channels)
        if trace:
            print_growth(before, tracemalloc.take_snapshot())
            tracemalloc.stop()
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


def measure(url: str, channels: int, *, trace: bool = False) -> float:
    """Peak RSS of a fresh process running one campaign (peaks only ever grow in a process)."""
    command = [sys.executable, __file__, "--child", str(channels), "--url", url]
    out = subprocess.run(
        [*command, "--trace"] if trace else command,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    ).stdout
    return float(json.loads(out.strip().splitlines()[-1])["rss_mb"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument(
        "--trace", action="store_true", help="print the large run's top allocations to stderr"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        rss_mb = asyncio.run(one_campaign(args.url, args.child, trace=args.trace))
        report({"rss_mb": round(rss_mb, 1)})
        sys.exit(0)
    print(f"machine: {machine()}")
    with server() as url:
        small, large = measure(url, args.small), measure(url, args.large, trace=args.trace)
    report({"rss_mb_1k": small, "rss_mb_100k": large, "growth_mb": round(large - small, 1)})
