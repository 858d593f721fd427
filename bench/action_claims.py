"""Milliseconds per action claim, per reach claim and per row mark right after a big action is
laid out, while PostgreSQL's statistics still count the actions' ledger as nearly empty.

A campaign of `--rows` posts is recorded as sent (straight into the ledger: what is measured is
the claims, not the posting), with autovacuum off on every table and the statistics taken while
they were empty, as a database whose last analyze came before the big campaign. An edit over all
its posts is started and the drain's claim (its batch at 600 requests a minute) timed `--repeat`
times; then the rows of one claim are marked sending and done, each mark timed. The edit is
cancelled, a Refresh reach over the same posts is made and the drain's reach claim timed the same
way. Each figure is the median.
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).parent.resolve():
    del sys.path[0]  # before asyncio is imported: see bench/__init__.py

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.common import fresh_database, machine, report, server
from predlagator.db import action_rows, actions, reach, templates
from predlagator.db.pool import Pool
from predlagator.db.rows import Conn
from predlagator.delivery import drain, pacing, reach_reads
from predlagator.models import ActionStatus, PostAction
from tests.factories import make_posted

RATE = 600.0  # the account's requests a minute: the claim's batch is what 5 s of it fit
# Every table the claims and marks read: none is analyzed again during the run.
TABLES = (
    "accounts",
    "account_peers",
    "actions",
    "batch_channels",
    "campaign_accounts",
    "campaign_actions",
    "campaigns",
    "channels",
    "deliveries",
    "templates",
)


async def stale_statistics(pool: Pool) -> None:
    """Statistics of empty tables, and no analyze until the run ends."""
    async with pool.connection() as conn:
        for table in TABLES:
            await conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = off)")
            await conn.execute(f"ANALYZE {table}")


async def median_ms(repeat: int, step: Callable[[], Awaitable[object]]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await step()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


async def edit_claims(conn: Conn, account_id: int, repeat: int) -> dict[str, Any]:
    """The drain's action claim, then the marks of the rows of one claim."""

    async def claim() -> list[Any]:
        return await action_rows.claim(
            conn,
            account_id,
            limit=drain.MAX_BATCH,
            batch_s=drain.BATCH_S,
            spacing=pacing.SLOT_SPACING,
        )

    claim_ms = await median_ms(repeat, claim)
    claimed = await claim()
    sending, done = [], []
    for row in claimed:
        started = time.perf_counter()
        assert await action_rows.mark_sending(conn, row.row_id)
        sending.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        await action_rows.mark_done(conn, row.row_id)
        done.append((time.perf_counter() - started) * 1000)
    return {
        "claim_ms": claim_ms,
        "claim_rows": len(claimed),
        "mark_sending_ms": round(statistics.median(sending), 2),
        "mark_done_ms": round(statistics.median(done), 2),
    }


async def main(rows: int, repeat: int) -> dict[str, Any]:
    with server() as url:
        async with fresh_database(url, pool_size=2) as (_, pool):
            await stale_statistics(pool)
            refs = [f"chan_{i:05d}" for i in range(rows)]
            campaign = await make_posted(pool, refs, rate=RATE)
            async with pool.connection() as conn:
                version = await templates.create(conn, "v2", "<b>Fixed</b> news", created_by=1)
                edit, _ = await actions.start(
                    conn, campaign_id=campaign.id, kind=PostAction.EDIT, template_id=version.id
                )
                result = await edit_claims(conn, campaign.account_id, repeat)
                await actions.set_status(conn, edit.id, ActionStatus.CANCELLED)
                await action_rows.finish_done(conn, campaign.account_id)
                accounts = await reach.refresh(conn, campaign.id, chat_id=None, created_by=None)
                assert accounts == [campaign.account_id]

                async def claim_reach() -> list[Any]:
                    return await action_rows.claim_reach(
                        conn, campaign.account_id, limit=reach_reads.REACH_BATCH_MAX
                    )

                reach_ms = await median_ms(repeat, claim_reach)
                reach_rows = len(await claim_reach())
    return {
        "queued_rows": rows,
        "repeat": repeat,
        **result,
        "claim_reach_ms": reach_ms,
        "claim_reach_rows": reach_rows,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000, help="queued rows of the action")
    parser.add_argument("--repeat", type=int, default=20, help="claims timed, each figure")
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    report(asyncio.run(main(args.rows, args.repeat)))
