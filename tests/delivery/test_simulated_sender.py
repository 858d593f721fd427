"""A simulated account goes through the whole engine without Telegram: its latency, and the
configured share of taxonomy errors, decided by each post's random_id alone."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from predlagator.config import Settings
from predlagator.db import deliveries
from predlagator.db.pool import Pool
from predlagator.delivery.simulated_sender import FAILURE_MIX, SimulatedSender, failure_of
from predlagator.delivery.worker import run_worker
from predlagator.models import Account, DeliveryStatus
from predlagator.telegram_errors import ErrorClass, TelegramFailure, classify
from tests.fakes.shared_telegram import channel_refs
from tests.fakes.worker_process import CampaignWatch, launch
from tests.pool_world import account_campaign, add_account

SHARE = 0.3
COUNT = 200
DONE_WITHIN_S = 90.0


def account(latency_ms: int = 0, share: float = SHARE) -> Account:
    return Account(
        id=1,
        name="rehearsal",
        status="active",
        stop_reason=None,
        flood_until=None,
        rate_per_minute=60.0,
        last_slot_at=None,
        kind="simulated",
        sim_latency_ms=latency_ms,
        sim_failure_share=share,
    )


async def test_sends_fail_by_their_random_id_alone_in_the_configured_share() -> None:
    sender = SimulatedSender(account())
    peer = await sender.resolve("@Shop_News")
    assert peer == await SimulatedSender(account()).resolve("shop_news")  # any holder alike
    codes: Counter[str | None] = Counter()
    ids: list[int] = []
    for random_id in range(1, 2001):
        try:
            ids.append(_sent(await sender.send(peer, "<b>x</b>", random_id)))
        except TelegramFailure as failure:
            assert failure.code == failure_of("rehearsal", random_id, SHARE)
            # A retry of the same post fails the same way.
            with pytest.raises(TelegramFailure) as again:
                await sender.send(peer, "<b>x</b>", random_id)
            assert again.value.code == failure.code
            codes[failure.code] += 1
        else:
            codes[None] += 1
    failed = sum(n for code, n in codes.items() if code is not None)
    assert 0.25 < failed / 2000 < 0.35
    # Mostly transient, a few a channel's refusal.
    assert {code for code in codes if code is not None} == {code for code, _ in FAILURE_MIX}
    assert classify("TIMEOUT") is ErrorClass.TRANSIENT
    assert classify("CHAT_WRITE_FORBIDDEN") is ErrorClass.CHANNEL_PERMANENT
    assert codes["TIMEOUT"] > codes["CHAT_WRITE_FORBIDDEN"] > 0
    assert ids == sorted(ids) and len(set(ids)) == len(ids)  # message ids only grow
    # A repeated random_id gets its original message back, as from Telegram.
    sent_id = next(r for r in range(1, 100) if failure_of("rehearsal", r, SHARE) is None)
    first = await sender.send(peer, "<b>x</b>", sent_id)
    assert await sender.send(peer, "<b>x</b>", sent_id) == first


def _sent(message_id: int | None) -> int:
    assert message_id is not None
    return message_id


async def test_each_request_takes_the_accounts_latency() -> None:
    sender = SimulatedSender(account(latency_ms=50, share=0.0))
    started = time.monotonic()
    peer = await sender.resolve("news")
    await asyncio.gather(*(sender.send(peer, "x", random_id) for random_id in range(5)))
    assert time.monotonic() - started >= 0.1  # the resolve, then sends (taking turns elsewhere)


async def test_a_simulated_campaign_runs_through_the_engine_with_its_failure_share(
    db_url: str, pool: Pool
) -> None:
    sim = await add_account(
        pool, "rehearsal", rate=6000.0, kind="simulated", latency_ms=2, failure_share=SHARE
    )
    campaign = await account_campaign(
        pool, sim, channel_refs("sim", COUNT), rate=6000.0, retry_limit=1
    )
    settings = Settings(_env_file=None, database_url=db_url, retry_base_s=0.05)
    ready = asyncio.Event()
    worker = asyncio.create_task(run_worker(settings, pool, db_url, on_ready=ready.set))
    try:
        async with asyncio.timeout(DONE_WITHIN_S):
            await ready.wait()
        async with CampaignWatch(db_url) as watch:
            await launch(pool, campaign.id)
            assert await watch.until(campaign.id, "completed", DONE_WITHIN_S)
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)

    async with pool.connection() as conn:
        ledger = await deliveries.list_for_campaign(conn, campaign.id)
    assert len(ledger) == COUNT
    expected = {d.id: failure_of("rehearsal", d.random_id, SHARE) for d in ledger}
    # Exactly the posts whose random_id draws a failure failed, each with its own code (a
    # transient one after its retry), the rest went out with message ids.
    assert {d.id: d.error_code for d in ledger if d.status is DeliveryStatus.FAILED} == {
        i: code for i, code in expected.items() if code is not None
    }
    sent = [d for d in ledger if d.status is DeliveryStatus.SENT]
    assert {d.id for d in sent} == {i for i, code in expected.items() if code is None}
    assert all(d.message_id is not None for d in sent)
    assert len({d.message_id for d in sent}) == len(sent)
    assert 0.2 < (COUNT - len(sent)) / COUNT < 0.4
    transient = [d for d in ledger if d.error_code in ("TIMEOUT", "MSG_WAIT_FAILED")]
    assert transient and all(d.attempts == 2 for d in transient)  # the retry was made
