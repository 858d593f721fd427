"""A recurring campaign of `--rounds` rounds over `--channels` channels, delete-previous on, run
by a real Procrastinate worker: how late each round starts after its time, duplicates within a
round, and whether in every channel the round before's post was deleted before the next went.

Rounds are an hour apart by their rule; the benchmark brings each next round's time to a few
seconds ahead (the campaign's next_round_at and its start_round job, as the hour passing would)
and measures the round's start (its run's started_at) against that time. The fake Telegram
logs, per channel, every post and delete as it receives them.
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).parent.resolve():
    del sys.path[0]  # before asyncio is imported: see bench/__init__.py

import argparse
import asyncio
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from telethon import functions

from bench.common import fresh_database, machine, report, server
from predlagator import recurrence
from predlagator.db import campaigns, rounds
from predlagator.models import Campaign, CampaignStatus
from predlagator.queue import defer, names
from tests.pool_rig import PoolRig, pool_rig

RATE = 60_000.0  # posts a minute: rounds finish in seconds, the wait between them is the test
AHEAD_S = 3.0  # how far ahead each next round's time is set
ROUND_DEADLINE_S = 120.0
POLL_S = 0.05  # how often the benchmark looks at the campaign (it watches, it does not drive)


async def fetch(rig: PoolRig, campaign: Campaign) -> Campaign:
    async with rig.pool.connection() as conn:
        fresh = await campaigns.get(conn, campaign.id)
    assert fresh is not None
    return fresh


async def until(rig: PoolRig, campaign: Campaign, ok: Any) -> Campaign:
    """Watch the campaign until `ok(campaign)`, within ROUND_DEADLINE_S."""
    deadline = time.monotonic() + ROUND_DEADLINE_S
    while time.monotonic() < deadline:
        fresh = await fetch(rig, campaign)
        if ok(fresh):
            return fresh
        await asyncio.sleep(POLL_S)
    raise TimeoutError(f"campaign {campaign.id} stuck: {await fetch(rig, campaign)}")


async def bring_forward(rig: PoolRig, campaign: Campaign, at: datetime) -> None:
    """The next round's time comes `at`: as the hour would, for the campaign and its job."""
    async with rig.pool.connection() as conn:
        await conn.execute(
            "UPDATE campaigns SET next_round_at = %s WHERE id = %s", (at, campaign.id)
        )
        await conn.execute(
            "UPDATE procrastinate_jobs SET scheduled_at = %s "
            "WHERE task_name = %s AND status = 'todo'",
            (at, names.START_ROUND),
        )


async def main(channels: int, total: int) -> dict[str, Any]:
    with server() as url:
        async with (
            fresh_database(url, pool_size=8) as (_, pool),
            pool_rig(pool, [RATE], real_time=True) as rig,
        ):
            [member] = rig.members
            seen: list[tuple[str, int]] = []

            async def on_send(query: Any) -> None:
                seen.append(("post", query.peer.channel_id))

            async def on_action(query: Any) -> None:
                if isinstance(query, functions.channels.DeleteMessagesRequest):
                    seen.append(("delete", query.channel.channel_id))

            member.telegram.on_send = on_send
            member.telegram.post_actions.on_action = on_action
            campaign = await rig.campaign(channels, rate=RATE)
            rule = recurrence.Rule(
                kind=recurrence.Kind.HOURS, every=1, rounds=total, delete_previous=True
            )
            async with pool.connection() as conn:
                await rounds.set_rule(conn, campaign.id, rule)
                await campaigns.transition(
                    conn,
                    campaign.id,
                    CampaignStatus.SCHEDULED,
                    from_states=[CampaignStatus.DRAFT],
                )
            worker = asyncio.create_task(
                rig.app.run_worker_async(
                    queues=[names.DELIVERY_QUEUE, names.account_queue(member.account_id)],
                    install_signal_handlers=False,
                    additional_context={"pool": pool, "drain_deps": member.deps},
                )
            )
            try:
                lags = await run_rounds(rig, campaign, total)
            finally:
                worker.cancel()
                await asyncio.gather(worker, return_exceptions=True)
            async with pool.connection() as conn:
                cur = await conn.execute(
                    "SELECT round, channel_id, status FROM deliveries WHERE campaign_id = %s",
                    (campaign.id,),
                )
                ledger = await cur.fetchall()
            final = await fetch(rig, campaign)
    return result_of(channels, total, lags, seen, ledger, final)


async def run_rounds(rig: PoolRig, campaign: Campaign, total: int) -> list[float]:
    """Launch, then bring each next round's time near and measure how late it starts."""
    await defer.launch_campaign(rig.app, campaign.id)
    lags: list[float] = []
    for round_no in range(2, total + 1):
        # Round round_no - 1 has run and ended (launched: started_at is set).
        await until(
            rig,
            campaign,
            lambda c, n=round_no: (
                c.status is CampaignStatus.SCHEDULED
                and c.started_at is not None
                and c.round == n - 1
            ),
        )
        due = datetime.now(UTC) + timedelta(seconds=AHEAD_S)
        await bring_forward(rig, campaign, due)
        await until(rig, campaign, lambda c, n=round_no: c.round >= n)
        async with rig.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT started_at FROM campaign_runs WHERE campaign_id = %s AND round = %s "
                "AND kind = 'round'",
                (campaign.id, round_no),
            )
            [row] = await cur.fetchall()
        lags.append((row["started_at"] - due).total_seconds())
    await until(rig, campaign, lambda c: c.status is CampaignStatus.COMPLETED)
    return lags


def result_of(
    channels: int,
    total: int,
    lags: list[float],
    seen: list[tuple[str, int]],
    ledger: list[dict[str, Any]],
    final: Campaign,
) -> dict[str, Any]:
    """The figures: lateness of rounds, duplicates within a round, deletes before posts."""
    per_round = Counter((row["round"], row["channel_id"]) for row in ledger)
    sent = Counter(row["round"] for row in ledger if row["status"] == "sent")
    by_channel: dict[int, list[str]] = defaultdict(list)
    for what, channel in seen:
        by_channel[channel].append(what)
    # Delete-previous in every channel: post, then (delete, post) once per later round.
    expected = ["post"] + ["delete", "post"] * (total - 1)
    in_order = sum(1 for events in by_channel.values() if events == expected)
    posts = Counter(channel for what, channel in seen if what == "post")
    return {
        "channels": channels,
        "rounds": total,
        "rounds_completed": final.round if final.status is CampaignStatus.COMPLETED else None,
        "start_lag_s": [round(lag, 3) for lag in lags],
        "max_start_lag_s": round(max(lags), 3) if lags else None,
        "rounds_within_2s": sum(1 for lag in lags if -0.001 <= lag <= 2.0),
        "ledger_duplicates": sum(n - 1 for n in per_round.values() if n > 1),
        "sent_per_round": [sent[r] for r in range(1, total + 1)],
        # Posts a channel received beyond one per round (0: none doubled within a round).
        "post_duplicates": sum(max(n - total, 0) for n in posts.values()),
        "channels_delete_before_post": in_order,
        "channels_out_of_order": len(by_channel) - in_order,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--channels", type=int, default=200)
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    report(asyncio.run(main(args.channels, args.rounds)))
