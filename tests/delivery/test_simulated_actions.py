"""A simulated account's actions over posts, and a worker serving them: the same turns as its
sends, its latency and failure share, decided by the request alone."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

import pytest

from predlagator.config import Settings
from predlagator.db import actions
from predlagator.db.pool import Pool
from predlagator.delivery import serial_sender
from predlagator.delivery.serial_sender import (
    KnownFloodWait,
    SerialPostActions,
    SerialSender,
    Turns,
)
from predlagator.delivery.simulated_actions import FAILURE_MIX, SimulatedPostActions, failure_of
from predlagator.delivery.simulated_sender import SimulatedSender
from predlagator.delivery.worker import run_worker
from predlagator.models import ActionRowStatus, ActionStatus, Peer, PostAction
from predlagator.queue import defer
from predlagator.queue.app import make_app
from predlagator.telegram_errors import TelegramFailure
from tests.delivery.test_simulated_sender import account
from tests.fakes.shared_telegram import channel_refs
from tests.fakes.worker_process import ActionWatch, CampaignWatch, launch
from tests.pool_world import account_campaign, add_account

PEER = Peer(peer_type="channel", peer_id=77, access_hash=1)
DONE_WITHIN_S = 90.0


async def test_actions_fail_by_the_request_alone_in_the_configured_share() -> None:
    actions_of = SimulatedPostActions(account(share=0.3))
    codes: Counter[str | None] = Counter()
    for message_id in range(1, 1001):
        try:
            await actions_of.edit(PEER, message_id, "<b>x</b>")
        except TelegramFailure as failure:
            assert failure.code == failure_of("rehearsal", "edit", 77, message_id, 0.3)
            with pytest.raises(TelegramFailure) as again:  # a retry fails the same way
                await actions_of.edit(PEER, message_id, "<b>y</b>")
            assert again.value.code == failure.code
            codes[failure.code] += 1
        else:
            codes[None] += 1
    assert 0.25 < (1000 - codes[None]) / 1000 < 0.35
    assert {code for code in codes if code is not None} == {code for code, _ in FAILURE_MIX}
    await SimulatedPostActions(account(share=0.0)).delete(PEER, [1, 2])
    assert isinstance(SimulatedSender(account()).post_actions(), SimulatedPostActions)


class Flooding:
    """PostActions whose every edit is answered with a flood wait."""

    calls = 0

    async def edit(self, peer: Peer, message_id: int, html: str, media: object = None) -> None:
        self.calls += 1
        raise TelegramFailure("FLOOD_WAIT", 30, "flood")


async def test_a_flood_wait_met_by_an_action_holds_back_the_accounts_posts() -> None:
    turns = Turns()
    sender = SerialSender(SimulatedSender(account(share=0.0)), turns=turns)
    post_actions = SerialPostActions(Flooding(), turns)  # type: ignore[arg-type]
    with pytest.raises(TelegramFailure) as met:
        await post_actions.edit(PEER, 1, "x")
    assert not isinstance(met.value, KnownFloodWait)  # the one that met it records it
    with pytest.raises(KnownFloodWait):
        await sender.send(PEER, "x", 1)  # never reaches Telegram during the wait


class Waits(logging.Handler):
    """Hears the turns' "waiting for the account's request in flight"."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.heard = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == "waiting for the account's request in flight":
            self.heard.set()


async def test_an_action_waits_for_the_request_in_flight() -> None:
    turns = Turns()
    order: list[str] = []
    started, release = asyncio.Event(), asyncio.Event()

    async def held_send() -> int:
        order.append("send starts")
        started.set()
        await release.wait()
        order.append("send ends")
        return 1

    async def edit() -> None:
        order.append("edit")

    logger = logging.getLogger(serial_sender.__name__)
    waits, level = Waits(), logger.level
    logger.addHandler(waits)
    logger.setLevel(logging.DEBUG)
    try:
        first = asyncio.create_task(turns.run(held_send))
        await started.wait()
        second = asyncio.create_task(turns.run(edit))
        await waits.heard.wait()  # the edit asked for its turn while the send was in flight
    finally:
        logger.removeHandler(waits)
        logger.setLevel(level)
    assert order == ["send starts"]
    release.set()
    await asyncio.gather(first, second)
    assert order == ["send starts", "send ends", "edit"]


async def test_a_worker_serves_a_simulated_accounts_actions(db_url: str, pool: Pool) -> None:
    sim = await add_account(pool, "rehearsal", rate=6000.0, kind="simulated", latency_ms=1)
    campaign = await account_campaign(pool, sim, channel_refs("act", 20), rate=6000.0)
    settings = Settings(_env_file=None, database_url=db_url, retry_base_s=0.05)
    ready = asyncio.Event()
    worker = asyncio.create_task(run_worker(settings, pool, db_url, on_ready=ready.set))
    try:
        async with asyncio.timeout(DONE_WITHIN_S):
            await ready.wait()
        async with CampaignWatch(db_url) as watch:
            await launch(pool, campaign.id)
            assert await watch.until(campaign.id, "completed", DONE_WITHIN_S)
        async with ActionWatch(db_url) as watch, pool.connection() as conn:
            action, _ = await actions.start(conn, campaign_id=campaign.id, kind=PostAction.PIN)
            # What the bot does after a start: kick the drains of the accounts concerned.
            app = make_app()
            await app.open_async(pool=pool)
            try:
                for account_id in await actions.accounts_of(conn, action.id):
                    await defer.kick_drain(app, account_id)
            finally:
                await app.close_async()
            assert await watch.until(action.id, ActionStatus.COMPLETED, DONE_WITHIN_S)
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    async with pool.connection() as conn:
        rows = await actions.rows_of(conn, action.id)
    assert [r.status for r in rows] == [ActionRowStatus.DONE] * 20
