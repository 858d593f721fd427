"""The bot and a worker over one database, for /test: the world its tests run in.

Operator updates go through the real Dispatcher (recording Bot API session); a real
Procrastinate worker runs the test-send, delivery and notification jobs; the real Telethon
client talks to the fake Telegram, through the SerialSender the worker puts in front of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import procrastinate
from telethon import functions

from predlagator.bot import notifications
from predlagator.bot.campaigns import notices as campaign_notices
from predlagator.bot.testsend import notices as testsend_notices
from predlagator.db import accounts, batches, channels, templates
from predlagator.db.pool import Pool
from predlagator.delivery import tasks
from predlagator.delivery.serial_sender import SerialSender
from predlagator.delivery.session_lock import SessionLock
from predlagator.models import Peer, Template
from predlagator.queue import names
from predlagator.queue.app import make_app
from tests.fakes.bot_api import BotHarness, RecordingSession, bot_harness
from tests.fakes.telethon_fake import FakeTelegram
from tests.rig import Rig, delivery_rig

# The post every test template holds, and its text as Telegram receives it.
HTML = '<b>Big</b> news, <a href="https://example.com">read</a>'
TEXT = "Big news, read"

_WRAPPERS = (
    functions.InvokeWithLayerRequest,
    functions.InvokeWithoutUpdatesRequest,
    functions.InitConnectionRequest,
    functions.InvokeAfterMsgRequest,
)
# Requests the product makes (not the client's own housekeeping).
_OURS = (
    functions.messages.SendMessageRequest,
    functions.contacts.ResolveUsernameRequest,
    functions.messages.CheckChatInviteRequest,
)


@dataclass
class Flight:
    """One request of ours as the fake Telegram saw it: when it came and when it was answered."""

    name: str
    peer: str | None
    start: float
    end: float = 0.0


class CountingTelegram(FakeTelegram):
    """The fake Telegram, also counting our requests in flight; `hold` may keep one waiting.

    `hold(query)` runs when a request arrives, before anything is answered (injected errors
    included), so a test can keep a request in flight while something else happens.
    """

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most_in_flight = 0
        self.flights: list[Flight] = []
        self.hold: Callable[[Any], Awaitable[None]] | None = None

    async def answer(self, auth_key: bytes | None, request: Any) -> Any:
        query = request
        while isinstance(query, _WRAPPERS):
            query = query.query
        if not isinstance(query, _OURS):
            return await super().answer(auth_key, request)
        flight = Flight(type(query).__name__, self.peer_name(query), time.monotonic())
        self.flights.append(flight)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.hold is not None:
                await self.hold(query)
            return await super().answer(auth_key, request)
        finally:
            self.in_flight -= 1
            flight.end = time.monotonic()

    def peer_name(self, query: Any) -> str | None:
        """The username a request is about ("me" for Saved Messages)."""
        if isinstance(query, functions.messages.SendMessageRequest) and not hasattr(
            query.peer, "channel_id"
        ):
            return "me"
        return self._username_of(query)


class WatchedSession(RecordingSession):
    """The recording Bot API session, waking whoever waits for a message to be sent."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Condition()

    async def make_request(self, bot: Any, method: Any, timeout: int | None = None) -> Any:  # noqa: ASYNC109
        try:
            return await super().make_request(bot, method, timeout)
        finally:
            async with self.changed:
                self.changed.notify_all()

    async def said(self, chat_id: int, start: str, within_s: float = 30.0) -> str:
        """Wait until the bot sent `chat_id` a message starting with `start`; return it."""
        async with asyncio.timeout(within_s), self.changed:
            while True:
                for params in self.of("sendMessage"):
                    text = str(params["text"])
                    if int(params["chat_id"]) == chat_id and text.startswith(start):
                        return text
                await self.changed.wait()


@dataclass
class World:
    """The bot side and the worker side over one database."""

    chat: BotHarness
    rig: Rig
    app: procrastinate.App
    telegram: CountingTelegram
    session: SessionLock
    background: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def queues(self) -> list[str]:
        return [
            names.DELIVERY_QUEUE,
            names.NOTIFICATIONS_QUEUE,
            names.account_queue(self.rig.account_id),
        ]

    def context(self) -> dict[str, Any]:
        return {
            **notifications.make_bot_worker_context(self.chat.bot, self.rig.pool),
            "drain_deps": self.rig.deps,
        }

    async def alive(self) -> None:
        """What the bot checks before asking for a test: the account's session is held (by the
        test, standing in for the worker process) and a worker beats."""
        async with self.rig.pool.connection() as conn:
            await conn.execute("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now())")
        await self.session.acquire()

    async def let_session_go(self) -> None:
        """Give the account's session up (for a worker process to take, or for none)."""
        await self.session.release()

    async def run_due(self, queues: list[str] | None = None) -> None:
        """Run a real worker until no job is due now (later ones stay queued)."""
        await self.app.run_worker_async(
            queues=queues or self.queues,
            wait=False,
            install_signal_handlers=False,
            additional_context=self.context(),
        )

    def start_worker(self, queues: list[str] | None = None) -> None:
        """A real worker in the background, as in production: several jobs at once."""
        run = self.app.run_worker_async(
            queues=queues or self.queues,
            concurrency=4,
            install_signal_handlers=False,
            additional_context=self.context(),
        )
        self.background.append(asyncio.create_task(run))

    async def stop_worker(self) -> None:
        """Stop the background worker once its running jobs are done."""
        for task in self.background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.background.clear()

    async def template(self, name: str = "Big news", html: str = HTML) -> Template:
        async with self.rig.pool.connection() as conn:
            return await templates.create(conn, name, html, created_by=1)

    async def known_channel(self, username: str) -> None:
        """A channel in a batch, resolved before by the account (its peer stored)."""
        self.telegram.add_channel(username)
        async with self.rig.pool.connection() as conn:
            await batches.create(conn, f"batch {username}", [username], created_by=1)
        await self.resolved([username])

    async def resolved(self, refs: list[str]) -> None:
        """The account resolved these channels before (their peers stored, as a drain does)."""
        async with self.rig.pool.connection() as conn:
            rows = await channels.upsert_refs(conn, refs)
            peers = []
            for ref, (row_id, _) in zip(refs, rows, strict=True):
                channel = self.telegram.channels[ref]
                peer = Peer(
                    peer_type="channel", peer_id=channel.id, access_hash=channel.access_hash
                )
                peers.append((row_id, peer))
            await channels.save_peers(conn, self.rig.account_id, peers)

    async def rows(self, sql: Any, *params: Any) -> list[dict[str, Any]]:
        return await self.chat.rows(sql, *params)

    async def said(self, chat_id: int, start: str) -> str:
        """Wait until the bot sent `chat_id` a message starting with `start`; return it."""
        assert isinstance(self.chat.session, WatchedSession)
        return await self.chat.session.said(chat_id, start)

    def answers(self, chat_id: int) -> list[str]:
        """Texts the bot sent to `chat_id`."""
        return [
            str(p["text"])
            for p in self.chat.session.of("sendMessage")
            if int(p["chat_id"]) == chat_id
        ]


@asynccontextmanager
async def open_world(pool: Pool, db_url: str) -> AsyncIterator[World]:
    """The world, with the worker's sender composition: SerialSender over the Telethon sender."""
    telegram = CountingTelegram()
    async with (
        bot_harness(pool, default_rate_per_minute=6000.0) as chat,
        delivery_rig(pool, telegram=telegram) as rig,
    ):
        rig.deps.sender = SerialSender(rig.sender)
        chat.session = WatchedSession()
        chat.bot.session = chat.session
        app = make_app(tasks.blueprint, campaign_notices.blueprint, testsend_notices.blueprint)
        await app.open_async(pool=pool)
        session = SessionLock(db_url, accounts.MAIN_ACCOUNT)
        world = World(chat=chat, rig=rig, app=app, telegram=telegram, session=session)
        try:
            yield world
        finally:
            await world.stop_worker()
            await session.release()
            await app.close_async()
