"""Takeover: SIGKILL the worker holding the most accounts mid-campaign; the others take over.

Real worker processes (`tests.fakes.worker_process --session-key`), each account a stored
session with a fake Telegram of its own in every process, all over one store in PostgreSQL.
Each account sends a campaign of its own share of the channels. A third of the way into the
campaigns the worker holding the most accounts is killed; the clock runs from the kill until
each of its accounts posts again from another worker.

Prints the machine first and, as the last line, {"takeover_s": s, "duplicates": d, "lost": l,
"completed": b}: the slowest of the dead worker's accounts to post again, channels posted
twice, channels with no post, and whether every campaign completed in time.
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).parent.resolve():
    del sys.path[0]  # before asyncio is imported: see bench/__init__.py

import argparse
import asyncio
import json
import time
from typing import Any

from bench.common import fresh_database, machine, report, server
from predlagator.db.pool import Pool
from predlagator.models import Campaign
from predlagator.session_vault import Vault, new_key
from tests.fakes import shared_telegram
from tests.fakes.shared_telegram import channel_id_of, channel_refs, install
from tests.fakes.worker_process import (
    CampaignWatch,
    WorkerProcess,
    launch,
    session_of,
    worker_processes,
)
from tests.pool_world import account_campaign, add_account, holders

PREFIX = "takeover"


async def posted_again(
    pool: Pool, names: list[str], killed_pid: int, since: Any, bound_s: float
) -> dict[str, float | None]:
    """Seconds from `since` (the database's clock at the kill) to each account's first post
    from another process; None for one that never posted again within `bound_s`."""
    deadline = time.monotonic() + bound_s
    while True:
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT account, extract(epoch FROM min(posted_at) - %s) AS s FROM fake_posts "
                "WHERE account = ANY(%s) AND pid <> %s AND posted_at > %s GROUP BY account",
                (since, names, killed_pid, since),
            )
            found = {row["account"]: float(row["s"]) for row in await cur.fetchall()}
        if len(found) == len(names) or time.monotonic() > deadline:
            return {name: found.get(name) for name in names}
        await asyncio.sleep(0.2)  # a bench polls the fake's store; tests never do


async def all_held(pool: Pool, bound_s: float) -> dict[str, str | None]:
    """The holder marks once every account is held (or `bound_s` passed)."""
    deadline = time.monotonic() + bound_s
    while True:
        marks = await holders(pool)
        if all(mark is not None for mark in marks.values()) or time.monotonic() > deadline:
            return marks
        await asyncio.sleep(0.2)


async def main(workers_n: int, accounts_n: int, channels: int, rate: float) -> dict[str, Any]:
    """Run the campaigns through one kill; return the details (the result line among them)."""
    per = channels // accounts_n
    expected_s = per / rate * 60.0
    key = new_key()
    with server() as url:
        async with fresh_database(url) as (db_url, pool):
            install(db_url)
            refs = channel_refs(PREFIX, per * accounts_n)
            campaigns: list[Campaign] = []
            names = [f"acct{i}" for i in range(accounts_n)]
            for i, name in enumerate(names):
                account = await add_account(
                    pool, name, rate=rate, session=session_of(name), vault=Vault(key)
                )
                part = refs[i * per : (i + 1) * per]
                campaigns.append(await account_campaign(pool, account, part, rate=rate))
            async with worker_processes() as workers, CampaignWatch(db_url) as watch:
                starting = [
                    WorkerProcess.start(
                        db_url,
                        prefix=PREFIX,
                        channels=len(refs),
                        rate=rate,
                        session_key=key,
                        max_accounts=accounts_n,
                        log_level="WARNING",
                    )
                    for _ in range(workers_n)
                ]
                workers.extend(await asyncio.gather(*starting))
                marks = await all_held(pool, bound_s=60.0)
                by_pid: dict[int, list[str]] = {w.pid: [] for w in workers}
                for name, mark in marks.items():
                    if mark is not None:
                        by_pid[int(mark.rsplit(" ", 1)[1])].append(name)
                for campaign in campaigns:
                    await launch(pool, campaign.id)
                await asyncio.sleep(expected_s / 3)  # mid-campaign is the point
                victim = max(workers, key=lambda w: len(by_pid[w.pid]))
                await victim.kill()
                async with pool.connection() as conn:
                    cur = await conn.execute("SELECT clock_timestamp() AS at")
                    row = await cur.fetchone()
                assert row is not None
                bound_s = 60.0
                again = await posted_again(pool, by_pid[victim.pid], victim.pid, row["at"], bound_s)
                completed = all(
                    [
                        await watch.until(c.id, "completed", 3 * expected_s + 120.0)
                        for c in campaigns
                    ]
                )
                for worker in workers:
                    if worker is not victim:
                        await worker.stop()
            async with pool.connection() as conn:
                duplicates = await shared_telegram.duplicates(conn)
                posted = await shared_telegram.posts(conn)
    lost = len({channel_id_of(ref) for ref in refs} - set(posted))
    times = [s for s in again.values() if s is not None]
    takeover_s = round(max(times), 2) if len(times) == len(again) and times else None
    return {
        "details": {
            "workers": workers_n,
            "accounts": accounts_n,
            "channels": len(refs),
            "rate_per_minute_per_account": rate,
            "expected_s": round(expected_s, 1),
            "held_before_kill": {str(pid): sorted(n) for pid, n in by_pid.items()},
            "killed_accounts_post_again_s": {
                k: (round(v, 2) if v is not None else None) for k, v in again.items()
            },
        },
        "result": {
            "takeover_s": takeover_s,
            "duplicates": duplicates,
            "lost": lost,
            "completed": completed,
        },
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--accounts", type=int, default=4)
    parser.add_argument("--channels", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=600.0, help="posts per minute, per account")
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    out = asyncio.run(main(args.workers, args.accounts, args.channels, args.rate))
    print(f"details: {json.dumps(out['details'])}", flush=True)
    report(out["result"])
