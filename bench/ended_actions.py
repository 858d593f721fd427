"""Milliseconds per look for actions (the drain's action claim, reach claim and its look for
actions with nothing left to go) when `--ended` actions of campaigns long over lie in the
table beside one live edit and one live reach collection: each campaign leaves two reach
collections a round behind it. Each figure is the median of `--repeat` looks, with analyzed
statistics.
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).parent.resolve():
    del sys.path[0]  # before asyncio is imported: see bench/__init__.py

import argparse
import asyncio
from typing import Any

from bench.action_claims import median_ms
from bench.common import fresh_database, machine, report, server
from predlagator.db import action_rows, actions, reach
from predlagator.delivery import drain, pacing, reach_reads
from predlagator.models import PostAction
from tests.factories import make_ended_collections, make_posted

RATE = 600.0
POSTS = 100


async def main(ended: int, repeat: int) -> dict[str, Any]:
    with server() as url:
        async with fresh_database(url, pool_size=2) as (_, pool):
            campaign = await make_posted(pool, [f"chan_{i:05d}" for i in range(POSTS)], rate=RATE)
            account_id = campaign.account_id
            async with pool.connection() as conn:
                await make_ended_collections(conn, campaign.id, ended)
                await actions.start(conn, campaign_id=campaign.id, kind=PostAction.PIN)
                await reach.refresh(conn, campaign.id, chat_id=None, created_by=None)
                await conn.execute("ANALYZE campaign_actions")
                await conn.execute("ANALYZE actions")

                async def claim() -> object:
                    return await action_rows.claim(
                        conn,
                        account_id,
                        limit=drain.MAX_BATCH,
                        batch_s=drain.BATCH_S,
                        spacing=pacing.SLOT_SPACING,
                    )

                async def claim_reach() -> object:
                    return await action_rows.claim_reach(
                        conn, account_id, limit=reach_reads.REACH_BATCH_MAX
                    )

                async def finishable() -> object:
                    async with conn.transaction(force_rollback=True):
                        return await action_rows.finish_done(conn, account_id)

                return {
                    "ended_actions": ended,
                    "repeat": repeat,
                    "claim_ms": await median_ms(repeat, claim),
                    "claim_reach_ms": await median_ms(repeat, claim_reach),
                    "finish_done_ms": await median_ms(repeat, finishable),
                }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ended", type=int, default=100_000, help="actions that ended")
    parser.add_argument("--repeat", type=int, default=30, help="looks timed, each figure")
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    report(asyncio.run(main(args.ended, args.repeat)))
