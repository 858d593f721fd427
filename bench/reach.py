"""Reach collection beside a campaign still posting from the same account: requests per channel
per collection, requests during a flood wait, and the campaign's own pacing with and without
the reads beside it.

A campaign over `--channels` channels is posted first at full speed (no latency, a fast pace)
and its +1 h collection made due (its posts aged an hour, as the reconcile finds them). Then the
account's pace is set to `--rate` and the fake's latency to `--latency-ms`, and a second
campaign over `--posts` of the channels starts at `--campaign-rate`, under the account's pace,
so its interval has gaps: the reads go there. The same second campaign runs once more in a fresh
database with nothing to read, for its pacing alone. Last, a Refresh reach over the same posts
meets a FLOOD_WAIT on its first read: nothing may reach Telegram from the account until the
wait is over, and the reads then go on.
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).parent.resolve():
    del sys.path[0]  # before asyncio is imported: see bench/__init__.py

import argparse
import asyncio
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from telethon import functions

from bench.actions import beside, serve
from bench.common import fresh_database, machine, report, server
from bench.pacing import WINDOWS_S, figures, window_violations
from predlagator.db import accounts, reach
from predlagator.delivery import pacing
from predlagator.models import FINISHED, Campaign
from tests.pool_rig import Member, PoolRig, pool_rig

SETUP_RATE = 60_000.0
READ = "GetMessagesRequest"
POST = "SendMessageRequest"
FLOOD_S = 3


async def posted(rig: PoolRig, channels: int) -> Campaign:
    """The campaign whose reach is read, posted at full speed, its figures set at the fake."""
    [member] = rig.members
    first = await rig.campaign(channels, rate=SETUP_RATE)
    await rig.launch(first)
    await serve(rig, member, lambda: _finished(rig, first))
    for i, delivery in enumerate(await rig.ledger(first)):
        assert delivery.message_id is not None
        channel = member.telegram.channels[f"chan_{i:05d}"]
        channel.members = 1000 + i
        member.telegram.post_actions.set_reach(
            channel.id, delivery.message_id, views=10 * i, forwards=i % 7, reactions={"👍": i % 5}
        )
    return first


async def slow_down(rig: PoolRig, member: Member, rate: float, latency_ms: float) -> None:
    """The measured pace and latency; the window guard forgets the set-up's posts."""
    async with rig.pool.connection() as conn:
        await conn.execute("UPDATE accounts SET rate_per_minute = %s, last_slot_at = NULL", (rate,))
    member.telegram.latency_s = latency_ms / 1000
    member.deps.let_go = pacing.PostLog()
    member.deps.left = pacing.PostLog(pacing.WINDOW_MARGIN)


async def pending_reads(rig: PoolRig) -> int:
    async with rig.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) AS n FROM actions WHERE kind = 'reach' "
            "AND status IN ('queued', 'sending')"
        )
        row = await cur.fetchone()
    return int(row["n"]) if row else 0


async def run_campaign(
    rig: PoolRig, member: Member, first: Campaign, posts: int, campaign_rate: float
) -> tuple[list[float], float, float]:
    """Start the second campaign and serve the account until it and every read are done; its
    post times, its start and when all ended."""
    second = await beside(rig, first, posts, campaign_rate)
    assert second is not None
    before = len(member.telegram.requests)
    started = time.monotonic()
    await rig.launch(second)

    async def done() -> bool:
        return await _finished(rig, second) and await pending_reads(rig) == 0

    ended = await serve(rig, member, done)
    sends = [at for at, name in member.telegram.requests[before:] if name == POST]
    return sends, started, ended


async def with_reads(
    channels: int, posts: int, rate: float, campaign_rate: float, latency_ms: float
) -> dict[str, Any]:
    with server() as url:
        async with (
            fresh_database(url, pool_size=6) as (_, pool),
            pool_rig(pool, [SETUP_RATE], real_time=True) as rig,
        ):
            [member] = rig.members
            first = await posted(rig, channels)
            async with pool.connection() as conn:
                await conn.execute(
                    "UPDATE deliveries SET sent_at = sent_at - interval '90 minutes' "
                    "WHERE campaign_id = %s",
                    (first.id,),
                )
                await reach.make_due(conn)
            await slow_down(rig, member, rate, latency_ms)
            before = len(member.telegram.requests)
            fake = member.telegram.post_actions
            sends, started, ended = await run_campaign(rig, member, first, posts, campaign_rate)
            requests = member.telegram.requests[before:]
            per_channel = Counter(
                q.channel.channel_id
                for q in fake.received
                if isinstance(q, functions.channels.GetMessagesRequest)
            )
            async with pool.connection() as conn:
                read = await reach.figures(conn, first.id)
            flood = await flood_wait(rig, member, first)
    reads = [at for at, name in requests if name == READ]
    paced = sorted([*reads, *sends])
    own = figures(sends, campaign_rate, (sends[-1] if sends else ended) - started)
    result: dict[str, Any] = {
        "channels": channels,
        "rate": rate,
        "posts_beside": posts,
        "campaign_rate": campaign_rate,
        "latency_ms": latency_ms,
        "reach_requests": len(reads),
        "reach_requests_per_channel_max": max(per_channel.values(), default=0),
        "channels_read": len(read),
        "reads_between_posts": sum(1 for at in reads if sends and sends[0] < at < sends[-1]),
        "account_window_violations": sum(window_violations(paced, rate, w) for w in WINDOWS_S),
        "collection_s": round(ended - started, 1),
    }
    result.update({f"campaign_{key}": value for key, value in own.items()})
    result.update(flood)
    return result


async def flood_wait(rig: PoolRig, member: Member, first: Campaign) -> dict[str, Any]:
    """A Refresh reach whose first read meets a FLOOD_WAIT: requests until the wait's end."""
    async with rig.pool.connection() as conn:
        made = await reach.refresh(conn, first.id, chat_id=None, created_by=None)
    assert not isinstance(made, reach.TooSoon)
    member.telegram.fail_next(
        420, f"FLOOD_WAIT_{FLOOD_S}", request_type=functions.channels.GetMessagesRequest
    )
    before = len(member.telegram.requests)
    await serve(rig, member, lambda: _waiting(rig, member))
    refused_at = next(at for at, name in member.telegram.requests[before:] if name == READ)
    account = await rig.account(member)
    assert account.flood_until is not None
    left_s = (account.flood_until - datetime.now(UTC)).total_seconds()
    wait_ends = time.monotonic() + left_s
    # The worker's drain would be kicked at flood_until; here it runs again and again
    # meanwhile, as a resumed campaign's kick or a reconcile would start it.
    while time.monotonic() < wait_ends + 0.5 or await pending_reads(rig):
        await serve(rig, member, _true)
        await asyncio.sleep(0.05)
    later = member.telegram.requests[before:]
    during = [at for at, _ in later if refused_at < at < wait_ends]
    after = [at for at, name in later if name == READ and at >= wait_ends]
    return {
        "flood_wait_s": FLOOD_S,
        "requests_during_flood_wait": len(during),
        "reads_after_flood_wait": len(after),
    }


async def alone(posts: int, rate: float, campaign_rate: float, latency_ms: float) -> dict[str, Any]:
    """The second campaign in a fresh database with nothing to read: its pacing alone."""
    with server() as url:
        async with (
            fresh_database(url, pool_size=6) as (_, pool),
            pool_rig(pool, [SETUP_RATE], real_time=True) as rig,
        ):
            [member] = rig.members
            first = await rig.campaign(posts, rate=SETUP_RATE)
            await rig.launch(first)
            await serve(rig, member, lambda: _finished(rig, first))
            await slow_down(rig, member, rate, latency_ms)
            sends, started, _ = await run_campaign(rig, member, first, posts, campaign_rate)
    own = figures(sends, campaign_rate, sends[-1] - started)
    return {f"alone_campaign_{key}": value for key, value in own.items()}


async def _true() -> bool:
    return True


async def _waiting(rig: PoolRig, member: Member) -> bool:
    async with rig.pool.connection() as conn:
        account = await accounts.get(conn, member.account_id)
    return account is not None and account.flood_until is not None


async def _finished(rig: PoolRig, campaign: Campaign) -> bool:
    async with rig.pool.connection() as conn:
        cur = await conn.execute("SELECT status FROM campaigns WHERE id = %s", (campaign.id,))
        row = await cur.fetchone()
    return row is not None and row["status"] in {s.value for s in FINISHED}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    result = await with_reads(
        args.channels, args.posts, args.rate, args.campaign_rate, args.latency_ms
    )
    result.update(await alone(args.posts, args.rate, args.campaign_rate, args.latency_ms))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=600.0, help="the account's requests a minute")
    parser.add_argument("--posts", type=int, default=200, help="posts of the campaign beside")
    parser.add_argument(
        "--campaign-rate", type=float, default=120.0, help="the campaign beside's own pace"
    )
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    report(asyncio.run(main(args)))
