"""Crash recovery under fire: kill -9 the worker at random moments of a campaign, restart it.

Each worker is a real process (`tests.fakes.worker_process`) over one fake Telegram kept in
PostgreSQL, so the posts outlive the processes. The kill moments are drawn uniformly within
the campaign's expected duration (channels ÷ rate) of worker uptime, so every kill lands while
the campaign still has posts to send; after the last one a worker is left to finish.

Prints the machine first and, as the last line, {"duplicates": d, "lost": l, "completed": b}:
channels posted twice, channels with no post, and whether the campaign completed in time.
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).parent.resolve():
    del sys.path[0]  # before asyncio is imported: see bench/__init__.py

import argparse
import asyncio
import itertools
import json
import random
import time
from typing import Any

from bench.common import fresh_database, machine, report, server
from predlagator.db import accounts
from predlagator.db.pool import Pool
from tests.factories import make_campaign
from tests.fakes import shared_telegram
from tests.fakes.shared_telegram import channel_id_of, channel_refs, install
from tests.fakes.worker_process import (
    READY,
    CampaignWatch,
    WorkerProcess,
    launch,
    worker_processes,
)

PREFIX = "bench"
# Settings cap the account's default pace; the account row made below carries the real one.
MAX_SETTINGS_RATE = 6000.0


async def outcome(pool: Pool, campaign_id: int, channels: int) -> dict[str, Any]:
    """What Telegram holds against what the ledger says."""
    async with pool.connection() as conn:
        duplicates = await shared_telegram.duplicates(conn)
        posted = await shared_telegram.posts(conn)
        cur = await conn.execute(
            "SELECT d.status, d.random_id, ch.ref FROM deliveries d "
            "JOIN channels ch ON ch.id = d.channel_id WHERE d.campaign_id = %s",
            (campaign_id,),
        )
        ledger = await cur.fetchall()
        cur = await conn.execute(
            "SELECT count(*) AS sends, count(DISTINCT random_id) AS posts FROM fake_requests "
            "WHERE name = 'SendMessageRequest'"
        )
        sends = await cur.fetchone()
    wanted = {channel_id_of(ref) for ref in channel_refs(PREFIX, channels)}
    mismatched = sum(
        1
        for row in ledger
        if row["random_id"] not in {r for r, _ in posted.get(channel_id_of(row["ref"]), [])}
    )
    statuses: dict[str, int] = {}
    for row in ledger:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    assert sends is not None
    return {
        "duplicates": duplicates,
        "lost": len(wanted - set(posted)),
        "ledger": statuses,
        "ledger_random_id_not_posted": mismatched,
        "send_requests": sends["sends"],
        "resends": sends["sends"] - sends["posts"],
    }


async def main(
    channels: int, kills: int, rate: float, seed: int, latency_ms: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run the campaign through `kills` crashes; return (details, the result line)."""
    rng = random.Random(seed)
    expected_s = channels / rate * 60.0
    moments = sorted(rng.uniform(0.0, expected_s) for _ in range(kills))
    lifetimes = [later - earlier for earlier, later in itertools.pairwise([0.0, *moments])]
    # A kill may strand a job of the shared queue (the launch, say), which only the periodic
    # reconcile recovers, after a heartbeat timeout: allow for a couple of its minutes.
    bound_s = 3 * expected_s + 180.0
    worker_rate = min(rate, MAX_SETTINGS_RATE)
    with server() as url:
        async with fresh_database(url) as (db_url, pool):
            install(db_url)
            async with pool.connection() as conn:
                await accounts.ensure(conn, accounts.MAIN_ACCOUNT, rate)
            refs = channel_refs(PREFIX, channels)
            campaign = await make_campaign(pool, refs, rate=rate)
            kills_while_running = 0
            started = time.perf_counter()
            async with worker_processes() as workers, CampaignWatch(db_url) as watch:
                await launch(pool, campaign.id)
                for lifetime in lifetimes:
                    worker = await WorkerProcess.start(
                        db_url,
                        prefix=PREFIX,
                        channels=channels,
                        rate=worker_rate,
                        latency_ms=latency_ms,
                        log_level="WARNING",
                    )
                    workers.append(worker)
                    await worker.expect(READY, timeout_s=120.0)
                    await asyncio.sleep(lifetime)  # a crash at a random moment is the point
                    if await watch.status(campaign.id) != "completed":
                        kills_while_running += 1
                    await worker.kill()
                last = await WorkerProcess.start(
                    db_url,
                    prefix=PREFIX,
                    channels=channels,
                    rate=worker_rate,
                    latency_ms=latency_ms,
                    log_level="WARNING",
                )
                workers.append(last)
                await last.expect(READY, timeout_s=120.0)
                completed = await watch.until(campaign.id, "completed", bound_s)
                elapsed = time.perf_counter() - started
                await last.stop()
            found = await outcome(pool, campaign.id, channels)
    details = {
        "channels": channels,
        "rate_per_minute": rate,
        "seed": seed,
        "kills": kills,
        "kills_while_running": kills_while_running,
        "kill_after_ready_s": [round(t, 3) for t in lifetimes],
        "expected_s": round(expected_s, 1),
        "seconds": round(elapsed, 1),
        **found,
    }
    result = {"duplicates": found["duplicates"], "lost": found["lost"], "completed": completed}
    return details, result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--rate", type=float, default=6000.0, help="posts per minute")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="fake Telegram latency")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    print(f"machine: {machine()}", flush=True)
    details, result = asyncio.run(main(args.channels, args.kills, args.rate, seed, args.latency_ms))
    print(f"details: {json.dumps(details)}", flush=True)
    report(result)
