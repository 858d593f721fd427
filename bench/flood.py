"""Flood wait: requests during the wait, how fast the chat hears of it, how fast sending resumes.

With `--accounts N` (N > 1) the campaign sends through N accounts (bench/accounts.py) and the
wait hits only the first: its requests during the wait, and the campaign's send rate during
the wait against the rate before it (the others keep their pace: (N - 1) ÷ N at best).
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).parent.resolve():
    del sys.path[0]  # before asyncio is imported: see bench/__init__.py

import argparse
import asyncio
import contextlib
import time
from typing import Any

from aiogram import Bot
from aiogram.methods.base import TelegramMethod, TelegramType
from telethon.tl.functions.messages import SendMessageRequest

from bench import accounts as pool_bench
from bench.common import fresh_database, machine, report, server
from predlagator.bot import notifications
from predlagator.bot.campaigns import notices as campaign_notices
from predlagator.db import accounts, campaigns
from predlagator.delivery import tasks
from predlagator.models import CampaignStatus
from predlagator.queue import names
from predlagator.queue.app import make_app
from tests.fakes.bot_api import RecordingSession, make_test_bot
from tests.fakes.telethon_fake import FakeTelegram
from tests.pool_rig import pool_rig
from tests.rig import delivery_rig


class TimedSession(RecordingSession):
    """The recording Bot API session, with the moment of each call."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> TelegramType:
        self.times.append(time.monotonic())
        return await super().make_request(bot, method, timeout)


async def main(channels: int, rate: float, wait_s: int, after: int) -> dict[str, Any]:
    telegram = FakeTelegram()

    async def flood_after_some(request: Any) -> None:
        if len(telegram.sent) == after:  # the next send is answered with a flood wait
            telegram.fail_next(420, f"FLOOD_WAIT_{wait_s}", request_type=SendMessageRequest)

    telegram.on_send = flood_after_some
    session = TimedSession()
    bot = make_test_bot(session)
    with server() as url:
        async with (
            fresh_database(url) as (_, pool),
            delivery_rig(pool, telegram=telegram, real_time=True) as rig,
        ):
            campaign = await rig.campaign(channels, rate=rate)
            app = make_app(tasks.blueprint, campaign_notices.blueprint)
            await app.open_async(pool=pool)
            context = {**notifications.make_bot_worker_context(bot, pool), "drain_deps": rig.deps}
            worker = asyncio.create_task(
                app.run_worker_async(
                    queues=[
                        names.DELIVERY_QUEUE,
                        names.NOTIFICATIONS_QUEUE,
                        names.account_queue(rig.account_id),
                    ],
                    concurrency=4,
                    install_signal_handlers=False,
                    additional_context=context,
                )
            )
            await rig.start(campaign)
            deadline = time.monotonic() + channels / rate * 60 + wait_s + 60
            status = CampaignStatus.RUNNING
            while status is not CampaignStatus.COMPLETED and time.monotonic() < deadline:
                await asyncio.sleep(0.2)  # a benchmark watches the clock; tests never do
                async with pool.connection() as conn:
                    fresh = await campaigns.get(conn, campaign.id)
                    account = await accounts.get(conn, rig.account_id)
                status = fresh.status if fresh else status
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
            await app.close_async()
    assert account is not None and account.flood_until is not None
    # Put the database's deadline on this process's monotonic clock.
    until = account.flood_until.timestamp() - time.time() + time.monotonic()
    sends = [at for at, name in telegram.requests if name == "SendMessageRequest"]
    flooded_at = sends[after]  # the request answered with FLOOD_WAIT
    during = [at for at, _ in telegram.requests if flooded_at < at < until]
    resumed_at = next(at for at in sends if at > flooded_at)
    notices = [
        at
        for at, (name, params) in zip(session.times, session.calls, strict=True)
        if name == "sendMessage" and "wait" in str(params.get("text", "")).lower()
    ]
    return {
        "requests_during_wait": len(during),
        "notify_s": round(notices[0] - flooded_at, 3) if notices else None,
        "resume_s": round(resumed_at - until, 3),
        "completed": status is CampaignStatus.COMPLETED,
    }


async def several(
    accounts: int, channels: int, rate: float, wait_s: int, after: int, latency_ms: float
) -> dict[str, Any]:
    """One campaign over `accounts` accounts at `rate` each; the first gets the flood wait."""
    with server() as url:
        async with (
            fresh_database(url, pool_size=4 + 2 * accounts) as (_, pool),
            pool_rig(pool, [rate] * accounts, real_time=True, latency_s=latency_ms / 1000) as rig,
        ):
            waits = rig.members[0]

            async def flood_after_some(request: Any) -> None:
                if len(waits.telegram.sent) == after:
                    waits.telegram.fail_next(
                        420, f"FLOOD_WAIT_{wait_s}", request_type=SendMessageRequest
                    )

            waits.telegram.on_send = flood_after_some
            campaign = await rig.campaign(channels, rate=rate * accounts)
            await rig.launch(campaign)
            await pool_bench.serve(rig, campaign)
            account = await rig.account(waits)
            fresh = await rig.get(campaign)
    assert account.flood_until is not None
    until = account.flood_until.timestamp() - time.time() + time.monotonic()
    mine = [at for at, name in waits.telegram.requests if name == "SendMessageRequest"]
    flooded_at = mine[after]
    sends = sorted(
        at
        for m in rig.members
        for at, name in m.telegram.requests
        if name == "SendMessageRequest" and at != flooded_at
    )
    # Before: from the first post to the flood; during: the wait, or until the others ran out
    # of posts if that came first.
    before = [at for at in sends if at < flooded_at]
    others_last = max(
        at
        for m in rig.members[1:]
        for at, name in m.telegram.requests
        if name == "SendMessageRequest"
    )
    during_end = min(until, others_last)
    during = [at for at in sends if flooded_at < at <= during_end]
    rate_before = len(before) / (flooded_at - before[0])
    rate_during = len(during) / (during_end - flooded_at)
    asked = [at for at, _ in waits.telegram.requests if flooded_at < at < until]
    return {
        "accounts": accounts,
        "requests_during_wait": len(asked),
        "rate_before_per_s": round(rate_before, 2),
        "rate_during_per_s": round(rate_during, 2),
        "rate_ratio": round(rate_during / rate_before, 4),
        "wait_covered_s": round(during_end - flooded_at, 2),
        "resume_s": round(next(at for at in mine if at > flooded_at) - until, 3),
        "completed": fresh.status is CampaignStatus.COMPLETED,
        "duplicates": sum(m.telegram.duplicates for m in rig.members),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wait-s", type=int, default=20)
    parser.add_argument("--channels", type=int, default=None, help="200; 1500 with --accounts")
    parser.add_argument("--rate", type=float, default=None, help="1200; 600 each with --accounts")
    parser.add_argument("--after", type=int, default=50, help="posts before the flood wait")
    parser.add_argument("--accounts", type=int, default=1)
    parser.add_argument("--latency-ms", type=float, default=50.0, help="with --accounts")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if args.accounts > 1:
        figures = several(
            args.accounts,
            args.channels or 1500,
            args.rate or 600.0,
            args.wait_s,
            args.after,
            args.latency_ms,
        )
    else:
        figures = main(args.channels or 200, args.rate or 1200.0, args.wait_s, args.after)
    report(asyncio.run(figures))
