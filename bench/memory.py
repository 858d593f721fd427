"""Worker peak memory for a campaign of 1,000 and of 100,000 channels."""

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

from bench.common import fresh_database, machine, report, server
from bench.lean_fake import LeanTelegram
from tests.rig import delivery_rig


async def one_campaign(url: str, channels: int) -> float:
    """In this process: run a campaign of `channels` posts; return peak RSS in MB."""
    telegram = LeanTelegram()
    async with fresh_database(url) as (_, pool), delivery_rig(pool, telegram=telegram) as rig:
        campaign = await rig.campaign(channels, rate=1_000_000.0, prefix="m", register=False)
        await rig.start(campaign)
        await rig.work()
        assert telegram.posted == channels, (telegram.posted, channels)
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(url: str, channels: int) -> float:
    """Peak RSS of a fresh process running one campaign (peaks only ever grow in a process)."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(channels), "--url", url],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    ).stdout
    return float(json.loads(out.strip().splitlines()[-1])["rss_mb"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        report({"rss_mb": round(asyncio.run(one_campaign(args.url, args.child)), 1)})
        sys.exit(0)
    print(f"machine: {machine()}")
    with server() as url:
        small, large = measure(url, args.small), measure(url, args.large)
    report({"rss_mb_1k": small, "rss_mb_100k": large, "growth_mb": round(large - small, 1)})
