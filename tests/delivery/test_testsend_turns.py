"""A test send beside a running campaign: never waiting for its pace, never two requests at once.

A real Procrastinate worker runs in the background with several jobs at once, as in
production: the campaign's drain and the test send run side by side, their requests taking
turns in the SerialSender. Requests are held in flight at the fake Telegram (its `hold`) and the
sender's own log line says when a request waits for its turn, so nothing here waits on time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from telethon import functions

from predlagator.config import Settings
from predlagator.db import campaigns
from predlagator.db.pool import Pool
from predlagator.delivery import serial_sender
from predlagator.delivery.telethon_sender import TelethonSender
from predlagator.delivery.worker import run_worker
from predlagator.models import Campaign, CampaignStatus
from predlagator.queue import names
from tests.fakes.bot_api import OWNER
from tests.fakes.telethon_fake import fake_client
from tests.rig import RecordedSleep
from tests.testsend_world import CountingTelegram, World, open_world

SEND = functions.messages.SendMessageRequest
WITHIN_S = 30.0  # a deadline for things that happen at once; the tests never sleep


@pytest.fixture
async def world(pool: Pool, db_url: str) -> AsyncIterator[World]:
    async with open_world(pool, db_url) as opened:
        await opened.alive()
        yield opened


class Turns(logging.Handler):
    """Hears the sender's "waiting for the account's request in flight": one event per wait."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.waits: asyncio.Queue[str] = asyncio.Queue()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == "waiting for the account's request in flight":
            self.waits.put_nowait(record.getMessage())

    async def next(self) -> None:
        """Wait until one more request waits for its turn."""
        async with asyncio.timeout(WITHIN_S):
            await self.waits.get()


@pytest.fixture
def turns() -> Iterator[Turns]:
    logger = logging.getLogger(serial_sender.__name__)
    handler, level = Turns(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


@dataclass
class HeldPacing(RecordedSleep):
    """The drain's pacing sleep, held once a post went out, until the test lets it go."""

    telegram: CountingTelegram | None = None
    pacing: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, seconds: float) -> None:
        if self.telegram is not None and self.telegram.sent and not self.release.is_set():
            self.pacing.set()
            await self.release.wait()
        await super().__call__(seconds)


@dataclass
class Hold:
    """Keeps the first send to `peer` in flight at the fake Telegram until `let_go`."""

    telegram: CountingTelegram
    peer: str
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    let_go: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, query: Any) -> None:
        mine = isinstance(query, SEND) and self.telegram.peer_name(query) == self.peer
        if mine and not self.arrived.is_set():
            self.arrived.set()
            await self.let_go.wait()

    async def until_arrived(self) -> None:
        async with asyncio.timeout(WITHIN_S):
            await self.arrived.wait()


def sends(world: World) -> list[str | None]:
    return [f.peer for f in world.telegram.flights if f.name == "SendMessageRequest"]


async def campaign_of_three(world: World, rate: float = 6000.0) -> Campaign:
    campaign = await world.rig.campaign(3, rate=rate)
    await world.resolved([f"chan_{i:05d}" for i in range(3)])
    return campaign


async def test_a_test_goes_out_while_a_campaign_waits_for_its_pace(world: World) -> None:
    template = await world.template()
    world.telegram.add_channel("news_main")
    campaign = await campaign_of_three(world, rate=6.0)  # a post every 10 s
    pacing = HeldPacing(telegram=world.telegram)
    world.rig.deps.sleep, world.rig.deps.monotonic = pacing, pacing.monotonic
    test_out = Hold(world.telegram, "news_main")
    test_out.let_go.set()
    world.telegram.hold = test_out

    world.start_worker()
    await world.rig.start(campaign)
    async with asyncio.timeout(WITHIN_S):
        await pacing.pacing.wait()  # one post out, the drain waits for the next slot
    await world.chat.send(OWNER, f"/test {template.id} @news_main")
    await test_out.until_arrived()
    # Out while the drain still waits for its pace: the test did not wait for it.
    assert sends(world) == ["chan_00000", "news_main"]
    assert not pacing.release.is_set()
    answer = await world.said(OWNER, "✅")
    assert answer == f"✅ Test of #{template.id} sent: https://t.me/news_main/1"

    pacing.release.set()
    await world.stop_worker()
    await world.run_due()
    assert (await world.rig.get(campaign)).status is CampaignStatus.COMPLETED
    assert sorted(p for p in sends(world) if p) == [
        "chan_00000",
        "chan_00001",
        "chan_00002",
        "news_main",
    ]
    assert world.telegram.most_in_flight == 1


async def test_a_test_waits_for_the_request_in_flight_and_goes_right_after(
    world: World, turns: Turns
) -> None:
    template = await world.template()
    world.telegram.add_channel("news_main")
    campaign = await world.rig.campaign(3)  # not resolved yet: the drain resolves, then sends
    held = Hold(world.telegram, "chan_00000")
    world.telegram.hold = held

    world.start_worker()
    await world.rig.start(campaign)
    await held.until_arrived()
    await world.chat.send(OWNER, f"/test {template.id} @news_main")
    await turns.next()  # the test's first request waits for its turn
    assert world.telegram.in_flight == 1
    held.let_go.set()
    await world.said(OWNER, "✅")
    await world.stop_worker()
    await world.run_due()

    flights = world.telegram.flights
    [post] = [f for f in flights if f.name == "SendMessageRequest" and f.peer == "chan_00000"]
    after = flights[flights.index(post) + 1 :]
    # The test's request came next, once the post in flight was answered; then each side's
    # requests took turns, first come first served.
    assert (after[0].name, after[0].peer) == ("ResolveUsernameRequest", "news_main")
    assert after[0].start >= post.end
    assert [(f.name, f.peer) for f in after[1:3]] == [
        ("ResolveUsernameRequest", "chan_00001"),
        ("SendMessageRequest", "news_main"),
    ]
    assert world.telegram.most_in_flight == 1
    assert (await world.rig.get(campaign)).status is CampaignStatus.COMPLETED


async def test_a_flood_wait_on_the_drains_request_keeps_the_waiting_test_from_telegram(
    world: World, turns: Turns
) -> None:
    template = await world.template()
    world.telegram.add_channel("news_main")
    campaign = await campaign_of_three(world)
    held = Hold(world.telegram, "chan_00000")
    world.telegram.hold = held
    world.telegram.fail_next(420, "FLOOD_WAIT_120", request_type=SEND, username="chan_00000")

    world.start_worker()
    await world.rig.start(campaign)
    await held.until_arrived()
    await world.chat.send(OWNER, f"/test {template.id} @news_main")
    await turns.next()
    held.let_go.set()  # Telegram answers the drain's post: FLOOD_WAIT_120
    answer = await world.said(OWNER, "⏳")
    await world.stop_worker()
    await world.run_due()

    # What is left of the 120 s wait, to the second: "2 min", or a moment later "1 min 59 s".
    assert re.match(
        rf"⏳ Test of #{template.id} not sent: the account is in a Telegram flood wait for "
        r"(2 min|1 min \d+ s) more, until ",
        answer,
    )
    assert "just now" not in answer  # the drain got the wait and told the campaign's chat
    assert [(f.name, f.peer) for f in world.telegram.flights] == [
        ("SendMessageRequest", "chan_00000")
    ]
    assert await flood_records(world, campaign) == (1, 1)


async def test_a_flood_wait_on_the_test_keeps_the_waiting_drain_from_telegram(
    world: World, turns: Turns
) -> None:
    template = await world.template()
    await world.known_channel("news_main")
    campaign = await campaign_of_three(world)
    held = Hold(world.telegram, "chan_00000")
    world.telegram.fail_next(420, "FLOOD_WAIT_120", request_type=SEND, username="news_main")

    async def hold(query: Any) -> None:
        await held(query)
        if isinstance(query, SEND) and world.telegram.peer_name(query) == "news_main":
            await turns.next()  # the drain's next post waits behind the test's

    world.telegram.hold = hold
    world.start_worker()
    await world.rig.start(campaign)
    await held.until_arrived()
    await world.chat.send(OWNER, f"/test {template.id} @news_main")
    await turns.next()  # the test's post waits for the drain's
    held.let_go.set()
    answer = await world.said(OWNER, "⏳")
    await world.stop_worker()
    await world.run_due()

    assert answer.endswith(
        "Telegram asked for this wait just now: the account's campaigns wait too and resume by "
        "themselves."
    )
    assert sends(world) == ["chan_00000", "news_main"]
    assert world.telegram.most_in_flight == 1
    ledger = await world.rig.ledger(campaign)
    # The drain's post that waited behind the test never went, and counts no attempt.
    assert [(d.status, d.attempts) for d in ledger] == [("sent", 1), ("queued", 0), ("queued", 0)]
    assert await flood_records(world, campaign) == (1, 1)


async def flood_records(world: World, campaign: Campaign) -> tuple[int, int]:
    """(audit entries of the wait, flood notices in the campaign's chat); the campaign waits."""
    async with world.rig.pool.connection() as conn:
        parked = await campaigns.get(conn, campaign.id)
    assert parked is not None and parked.status is CampaignStatus.WAITING
    audits = await world.rows("SELECT id FROM audit_log WHERE action = 'account.flood_wait'")
    prefix = f"Campaign #{campaign.id}: Telegram asked to wait"
    notices = [text for text in world.answers(campaign.chat_id or 0) if text.startswith(prefix)]
    return len(audits), len(notices)


async def test_the_worker_process_sends_tests_through_its_account(
    world: World, turns: Turns, db_url: str
) -> None:
    # The worker as `predlagator worker` runs it: session lock, its own queue app and sender.
    template = await world.template()
    world.telegram.add_channel("news_main")
    held = Hold(world.telegram, "news_main")
    world.telegram.hold = held
    sender = TelethonSender(fake_client(world.telegram), timeout_s=5)
    settings = Settings(
        _env_file=None, database_url=db_url, tg_api_id=1, tg_api_hash="x", tg_session="x"
    )
    await world.let_session_go()  # the worker process takes it
    ready = asyncio.Event()
    worker = asyncio.create_task(
        run_worker(
            settings, world.rig.pool, db_url, sender_factory=lambda *_: sender, on_ready=ready.set
        )
    )
    try:
        async with asyncio.timeout(WITHIN_S):
            await ready.wait()
        await world.chat.send(OWNER, f"/test {template.id} @news_main")
        await held.until_arrived()
        await world.chat.send(OWNER, f"/test {template.id} me")
        await turns.next()  # its requests take turns in the worker's sender too
        held.let_go.set()
    finally:
        worker.cancel()  # graceful: the tests it runs finish first
        with contextlib.suppress(asyncio.CancelledError):
            await worker
    await world.run_due([names.NOTIFICATIONS_QUEUE])
    assert world.answers(OWNER)[2:] == [
        f"✅ Test of #{template.id} sent: https://t.me/news_main/1",
        f"✅ Test of #{template.id} sent to the account's Saved Messages.",
    ]
    assert world.telegram.most_in_flight == 1
