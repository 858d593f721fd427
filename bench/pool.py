"""One worker process serving many accounts: does each hold its own pace, and what does an
account cost the process?

Simulated accounts (each request takes --latency-ms, no failures), each with a campaign of its
own share of the channels at its own pace, all served by one real worker process
(`tests.fakes.worker_process --pooled`). A drain keeps a database connection for its whole run,
so the benchmark runs its own embedded PostgreSQL with room for more than a hundred.

`--kind telegram` makes them Telegram accounts instead, each with a stored session and served
through a real TelegramClient of its own over the lean fake (`bench.lean_worker`; every request
takes --latency-ms): the memory figure is then that of an account with a Telethon client.

Prints the machine first and, as the last line, {"completion_ratio": r, "rss_mb_per_account":
m, "live_rss_mb_per_account": l, "cpu_ms_per_post": c, "db_cpu_ms_per_post": d}: the time from
the first campaign's start to the last one's end against count ÷ sum of paces; the worker's
peak RSS beyond a worker serving one account, per account beyond the first, and the same of its
RSS at the end (every account still served); the worker's and PostgreSQL's CPU per post while
it sent.
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
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from bench.common import fresh_database, machine, report
from predlagator.db.embedded import EmbeddedPostgres, scratch_dir
from predlagator.db.pool import Pool
from predlagator.models import Campaign
from predlagator.session_vault import Vault, new_key
from tests.fakes.shared_telegram import channel_refs, install
from tests.fakes.worker_process import (
    READY,
    ROOT,
    CampaignWatch,
    WorkerProcess,
    launch,
    worker_processes,
)
from tests.pool_world import account_campaign, add_account

PREFIX = "pool"


@contextmanager
def roomy_server(max_connections: int) -> Iterator[EmbeddedPostgres]:
    """An embedded PostgreSQL of this run's own that takes `max_connections`."""
    with scratch_dir("predlagator-pool-") as parent:
        server = EmbeddedPostgres(parent / "pgdata", socket_dir=parent / "sock")
        server.start()
        try:
            with psycopg.connect(server.url, autocommit=True) as conn:
                conn.execute(f"ALTER SYSTEM SET max_connections = {int(max_connections)}")
            server.stop()  # the setting needs a restart
            server.start()
            yield server
        finally:
            server.stop()


def proc_figures(pid: int) -> tuple[float, float, float]:
    """The process's peak RSS (VmHWM, MB), its RSS now (VmRSS, MB) and CPU seconds so far."""
    memory = {"VmHWM:": 0.0, "VmRSS:": 0.0}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        field = line.split(maxsplit=1)[0] if line else ""
        if field in memory:
            memory[field] = int(line.split()[1]) / 1024
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    return memory["VmHWM:"], memory["VmRSS:"], cpu


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its children so far, those ended included (the
    postmaster's backends, one per connection)."""
    ticks = os.sysconf("SC_CLK_TCK")

    def fields(one: int) -> list[str]:
        return Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()

    own = fields(pid)
    # utime, stime, and the ended children's cutime and cstime.
    total = sum(int(own[i]) for i in (11, 12, 13, 14))
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            child = fields(int(entry.name))
        except OSError:  # it ended meanwhile: its CPU is in the parent's children's count
            continue
        if int(child[1]) == pid:
            total += int(child[11]) + int(child[12])
    return total / ticks


async def campaigns_for(
    pool: Pool, accounts: int, per: int, rate: float, latency_ms: int, vault: Vault | None
) -> list[Campaign]:
    """`accounts` accounts, each with a campaign of `per` channels of its own: simulated ones,
    or Telegram ones with a session sealed in `vault`."""
    refs = channel_refs(PREFIX, accounts * per)
    made: list[Campaign] = []
    for i in range(accounts):
        if vault is None:
            account = await add_account(
                pool, f"sim{i:04d}", rate=rate, kind="simulated", latency_ms=latency_ms
            )
        else:
            name = f"tg{i:04d}"
            account = await add_account(
                pool, name, rate=rate, session=f"lean-session-{name}", vault=vault
            )
        part = refs[i * per : (i + 1) * per]
        made.append(await account_campaign(pool, account, part, rate=rate))
    return made


async def start_worker(
    db_url: str, kind: str, accounts: int, rate: float, latency_ms: int, key: str
) -> WorkerProcess:
    """The one worker process: over simulated accounts, or Telethon clients over the lean fake."""
    if kind == "simulated":
        return await WorkerProcess.start(
            db_url,
            prefix=PREFIX,
            channels=0,
            rate=rate,
            pooled=True,
            max_accounts=accounts,
            log_level="WARNING",
        )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.lean_worker",
        *("--database-url", db_url, f"--session-key={key}"),  # a key may begin with "-"
        *("--max-accounts", str(accounts), "--latency-ms", str(latency_ms)),
        cwd=ROOT,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
    )
    return WorkerProcess(proc)


async def one_run(
    server: EmbeddedPostgres, kind: str, accounts: int, per: int, rate: float, latency_ms: int
) -> dict[str, Any]:
    """One worker process serving `accounts`, each sending `per` posts at `rate`."""
    url, server_pid = server.url, server.pid
    assert server_pid is not None
    key = new_key()
    vault = Vault(key) if kind == "telegram" else None
    async with fresh_database(url) as (db_url, pool):
        install(db_url)
        made = await campaigns_for(pool, accounts, per, rate, latency_ms, vault)
        async with worker_processes() as workers, CampaignWatch(db_url) as watch:
            worker = await start_worker(db_url, kind, accounts, rate, latency_ms, key)
            workers.append(worker)
            await worker.expect(READY, timeout_s=300.0)
            _, _, cpu_ready = proc_figures(worker.pid)
            db_cpu_ready = tree_cpu(server_pid)
            for campaign in made:
                await launch(pool, campaign.id)
            bound_s = per / rate * 60.0 * 2 + 120.0
            completed = all([await watch.until(c.id, "completed", bound_s) for c in made])
            # Read before the stop: every account still served, its client still open.
            hwm, live, cpu_end = proc_figures(worker.pid)
            db_cpu_end = tree_cpu(server_pid)
            await worker.stop()
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT extract(epoch FROM max(finished_at) - min(started_at)) AS span, "
                "max(extract(epoch FROM finished_at - started_at)) AS longest FROM campaigns"
            )
            row = await cur.fetchone()
            cur = await conn.execute("SELECT count(*) AS n FROM deliveries WHERE status = 'sent'")
            sent = await cur.fetchone()
    assert row is not None and sent is not None
    ideal_s = accounts * per / (accounts * rate) * 60.0
    return {
        "kind": kind,
        "accounts": accounts,
        "posts": int(sent["n"]),
        "completed": completed,
        "span_s": round(float(row["span"] or 0), 1),
        "ideal_s": round(ideal_s, 1),
        "completion_ratio": round(float(row["span"] or 0) / ideal_s, 4),
        "longest_campaign_ratio": round(float(row["longest"] or 0) / ideal_s, 4),
        "rss_peak_mb": round(hwm, 1),
        "rss_live_mb": round(live, 1),
        "cpu_s_sending": round(cpu_end - cpu_ready, 2),
        "db_cpu_s_sending": round(db_cpu_end - db_cpu_ready, 2),
    }


async def main(
    kind: str, accounts: int, rate: float, channels: int, latency_ms: int, baseline_channels: int
) -> dict[str, Any]:
    """A worker serving one account, then one serving `accounts`; return both and the line."""
    per = channels // accounts
    with roomy_server(max_connections=accounts * 2 + 60) as server:
        one = await one_run(server, kind, 1, baseline_channels, rate, latency_ms)
        many = await one_run(server, kind, accounts, per, rate, latency_ms)
    growth = (many["rss_peak_mb"] - one["rss_peak_mb"]) / max(accounts - 1, 1)
    # The peak can be start-up's (imports, the first connections), hiding a growth below it;
    # the RSS at the end, every account still served, shows that growth.
    live_growth = (many["rss_live_mb"] - one["rss_live_mb"]) / max(accounts - 1, 1)
    return {
        "details": {"one_account": one, "many_accounts": many, "latency_ms": latency_ms},
        "result": {
            "kind": kind,
            "accounts": accounts,
            "completion_ratio": many["completion_ratio"],
            "rss_mb_per_account": round(growth, 2),
            "live_rss_mb_per_account": round(live_growth, 2),
            "cpu_ms_per_post": round(many["cpu_s_sending"] / max(many["posts"], 1) * 1000, 2),
            # PostgreSQL's, all its processes: how many posts a second one server can carry.
            "db_cpu_ms_per_post": round(many["db_cpu_s_sending"] / max(many["posts"], 1) * 1000, 2),
            "completed": many["completed"],
        },
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--kind",
        choices=["simulated", "telegram"],
        default="simulated",
        help="simulated accounts, or Telegram ones each with a real TelegramClient over a fake",
    )
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--rate", type=float, default=20.0, help="posts per minute, per account")
    parser.add_argument("--channels", type=int, default=20000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument(
        "--baseline-channels", type=int, default=20, help="the one-account run's campaign"
    )
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    out = asyncio.run(
        main(
            args.kind,
            args.accounts,
            args.rate,
            args.channels,
            args.latency_ms,
            args.baseline_channels,
        )
    )
    print(f"details: {json.dumps(out['details'])}", flush=True)
    report(out["result"])
