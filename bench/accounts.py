"""Several accounts, one campaign: completion against count ÷ the sum of their paces, every
account's windows against its own rate, and each account's share of the list.

Each account has its own fake Telegram (with network latency), sender and drain, side by side
in one process as a worker serving several accounts runs them. The campaign's own rate is the
sum of the paces (no cap to speak of). The first campaign meets every channel for the first
time (a resolve request per channel besides the post); the figures come from the same list
again, where each channel sticks to the account that resolved it.
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).parent.resolve():
    del sys.path[0]  # before asyncio is imported: see bench/__init__.py

import argparse
import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from bench.common import fresh_database, machine, report, server
from bench.pacing import WINDOWS_S, allowed, fullest, window_violations
from predlagator.db import campaigns
from predlagator.delivery.drain import Drain
from predlagator.models import FINISHED, Campaign
from tests.pool_rig import Member, PoolRig, pool_rig

# How often an account with nothing to do looks again (what a kick would do in a worker).
IDLE_S = 0.05


async def serve(rig: PoolRig, campaign: Campaign) -> float:
    """Run every account's drain until the campaign ends, each again whenever it returns (after
    its flood wait, if it got one); return when the campaign ended, on the monotonic clock."""
    ended = 0.0

    async def account(member: Member) -> None:
        nonlocal ended
        while True:
            await Drain(member.deps, member.account_id).run()
            fresh = await rig.get(campaign)
            if fresh.status in FINISHED:
                ended = ended or time.monotonic()
                return
            state = await rig.account(member)
            wait = 0.0
            if state.flood_until is not None:
                wait = (state.flood_until - datetime.now(UTC)).total_seconds()
            await asyncio.sleep(max(wait, IDLE_S))  # a benchmark watches the clock

    await asyncio.gather(*(account(m) for m in rig.members))
    return ended


async def timed(rig: PoolRig, campaign: Campaign) -> tuple[float, dict[int, list[float]]]:
    """Launch and serve one campaign; its duration and each account's sends as they arrived."""
    before = {m.account_id: len(m.telegram.requests) for m in rig.members}
    started = time.monotonic()
    await rig.launch(campaign)
    ended = await serve(rig, campaign)
    sends = {
        m.account_id: [
            at
            for at, name in m.telegram.requests[before[m.account_id] :]
            if name == "SendMessageRequest"
        ]
        for m in rig.members
    }
    return ended - started, sends


async def again(rig: PoolRig, campaign: Campaign) -> Campaign:
    """The same list and post once more, through the same accounts."""
    async with rig.pool.connection() as conn:
        return await campaigns.create(
            conn,
            name=f"{campaign.name} again",
            batch_id=campaign.batch_id,
            template_id=campaign.template_id,
            account_id=rig.members[0].account_id,
            rate_per_minute=campaign.rate_per_minute,
            retry_limit=campaign.retry_limit,
            chat_id=campaign.chat_id,
            language=campaign.language,
            created_by=campaign.created_by,
            more_accounts=[m.account_id for m in rig.members[1:]],
        )


def violations(sends: dict[int, list[float]], rate: float, window_s: float) -> int:
    """Windows of `window_s` of any account holding more of its sends than its own rate
    allows."""
    return sum(window_violations(times, rate, window_s) for times in sends.values())


def fullest_of(sends: dict[int, list[float]], window_s: float) -> int:
    """The most sends of one account any window of `window_s` holds."""
    return max(fullest(times, window_s) for times in sends.values())


async def main(accounts: int, channels: int, rate: float, latency_ms: float) -> dict[str, Any]:
    total = rate * accounts
    with server() as url:
        async with (
            fresh_database(url, pool_size=4 + 2 * accounts) as (_, pool),
            pool_rig(pool, [rate] * accounts, real_time=True, latency_s=latency_ms / 1000) as rig,
        ):
            first = await rig.campaign(channels, rate=total)
            new_elapsed, new_sends = await timed(rig, first)
            # A channel holding the same text twice: posted twice (the repeat below posts the
            # same text again by design).
            duplicates = sum(m.telegram.duplicates for m in rig.members)
            first_rows = {r["channel_id"]: r["account_id"] for r in await rig.rows_of(first)}
            second = await again(rig, first)
            elapsed, sends = await timed(rig, second)
            rows = await rig.rows_of(second)
    planned_s = channels / total * 60.0
    sticky = sum(1 for r in rows if first_rows.get(r["channel_id"]) == r["account_id"])
    result: dict[str, Any] = {
        "accounts": accounts,
        "channels": channels,
        "rate_per_account": rate,
        "completion_ratio": round(elapsed / planned_s, 4),
        "completion_ratio_new_channels": round(new_elapsed / planned_s, 4),
        "window_violations": sum(
            violations(s, rate, w) for s in (sends, new_sends) for w in WINDOWS_S
        ),
    }
    for window in WINDOWS_S:
        result[f"window_violations_{window:g}s"] = violations(sends, rate, window)
        result[f"window_violations_{window:g}s_new_channels"] = violations(new_sends, rate, window)
        fullest_s = max(fullest_of(sends, window), fullest_of(new_sends, window))
        result[f"fullest_{window:g}s"] = fullest_s
        result[f"allowed_{window:g}s"] = allowed(rate, window)
    result.update(
        shares=[round(len(s) / channels, 4) for s in sends.values()],
        shares_new_channels=[round(len(s) / channels, 4) for s in new_sends.values()],
        sent=sum(len(s) for s in sends.values()),
        all_sent=all(r["status"] == "sent" for r in rows),
        sticky_share=round(sticky / len(rows), 4),
        duplicates=duplicates,
    )
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=3)
    parser.add_argument("--channels", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=600.0, help="each account's posts a minute")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    report(asyncio.run(main(args.accounts, args.channels, args.rate, args.latency_ms)))
