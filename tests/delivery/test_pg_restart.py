"""PostgreSQL restarts mid-campaign: the same worker process reconnects and finishes it.

The worker's database is an embedded server of the test's own (the session's shared server is
never restarted), stopped with a fast shutdown while a real worker process posts, then started
again on the same data directory and socket, so under the same URL. The fake Telegram keeps
its store in the session's test database, which stays up: it sees every request the worker
makes while its own database is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import IO

import psycopg
import pytest
from psycopg.rows import dict_row

from predlagator.config import Settings
from predlagator.db import deliveries
from predlagator.db.embedded import EmbeddedPostgres, scratch_dir
from predlagator.db.migrate import migrate
from predlagator.db.pool import Pool, open_pool
from predlagator.delivery.sender import MediaFile
from predlagator.delivery.session_lock import SessionLock, SessionLockLost
from predlagator.delivery.worker import LockedSender, run_worker
from predlagator.models import Campaign, DeliveryStatus, Peer
from tests.factories import make_campaign
from tests.fakes import shared_telegram
from tests.fakes.shared_telegram import channel_id_of, channel_refs, install
from tests.fakes.worker_process import (
    DB_BACK,
    DB_LOST,
    POSTED,
    READY,
    STOPPED,
    WAITING,
    CampaignWatch,
    WorkerProcess,
    launch,
    worker_processes,
)

# 100 posts a second: a drain claims two seconds of them (200) per batch, so the restart after
# the 130th post lands inside a batch, with posts out whose outcomes are not yet written.
RATE = 6000.0
COUNT = 300
POSTED_BEFORE_RESTART = 130
PREFIX = "pgrestart"
DONE_WITHIN_S = 120.0


@pytest.fixture
def own_server() -> Iterator[EmbeddedPostgres]:
    """A migrated-later PostgreSQL of this test's own, with a fixed socket: a restart keeps
    its URL."""
    with scratch_dir("predlagator-pgrestart-") as parent:
        server = EmbeddedPostgres(parent / "pgdata", socket_dir=parent / "sock")
        with server:
            yield server


@pytest.fixture
async def campaign(own_server: EmbeddedPostgres, db_url: str) -> Campaign:
    """A draft campaign over COUNT channels on the migrated own server."""
    async with await psycopg.AsyncConnection.connect(own_server.url, autocommit=True) as conn:
        await migrate(conn)
    install(db_url)  # the fake Telegram's store, on the server that stays up
    async with own_pool(own_server.url) as app_pool:
        return await make_campaign(app_pool, channel_refs(PREFIX, COUNT), rate=RATE)


@asynccontextmanager
async def own_pool(url: str) -> AsyncIterator[Pool]:
    """A short-lived pool on the own server (a pool kept across the restart would hold dead
    connections: the test reads the worker's database through fresh ones)."""
    opened = await open_pool(url, min_size=1, max_size=2)
    try:
        yield opened
    finally:
        await opened.close()


async def start_campaign(url: str, campaign: Campaign) -> None:
    """What the bot's Start does, once the workers run: the restart then lands mid-campaign."""
    async with own_pool(url) as app_pool:
        await launch(app_pool, campaign.id)


@pytest.fixture
def worker_log(own_server: EmbeddedPostgres) -> Iterator[IO[str]]:
    """A file for a worker's stderr, read back by the test."""
    with (own_server.data_dir.parent / "worker.log").open("w+") as file:
        yield file


async def start_worker(
    url: str, telegram_url: str, *, mark_after: int = 0, stderr: IO[str] | None = None
) -> WorkerProcess:
    return await WorkerProcess.start(
        url,
        telegram_url=telegram_url,
        prefix=PREFIX,
        channels=COUNT,
        rate=RATE,
        mark_after=mark_after,
        stderr=stderr,
    )


async def restart(server: EmbeddedPostgres, while_down: Callable[[], Awaitable[None]]) -> None:
    """Fast shutdown, `while_down`, then a start on the same data directory and socket."""
    url = server.url
    await asyncio.to_thread(server.stop)
    await while_down()
    await asyncio.to_thread(server.start)
    assert server.url == url


async def requests_so_far(telegram: Pool) -> int:
    """The id of the last request the fake Telegram received."""
    async with telegram.connection() as conn:
        return await shared_telegram.last_request_id(conn)


async def assert_each_channel_posted_once(url: str, telegram: Pool, campaign: Campaign) -> None:
    """Every delivery sent; the fake holds exactly the ledger's post in every channel."""
    async with await psycopg.AsyncConnection.connect(
        url, autocommit=True, row_factory=dict_row
    ) as conn:
        ledger = await deliveries.list_for_campaign(conn, campaign.id)
        cur = await conn.execute(
            "SELECT d.random_id, d.message_id, ch.ref FROM deliveries d "
            "JOIN channels ch ON ch.id = d.channel_id WHERE d.campaign_id = %s",
            (campaign.id,),
        )
        rows = await cur.fetchall()
    async with telegram.connection() as conn:
        posted = await shared_telegram.posts(conn)
        assert await shared_telegram.duplicates(conn) == 0
    assert len(ledger) == COUNT
    assert [d.status for d in ledger if d.status is not DeliveryStatus.SENT] == []
    assert set(posted) == {channel_id_of(ref) for ref in channel_refs(PREFIX, COUNT)}
    for row in rows:
        # One post per channel, under the ledger's random_id, and the ledger knows its id.
        assert posted[channel_id_of(row["ref"])] == [(row["random_id"], row["message_id"])]


async def test_worker_rides_out_a_restart_and_finishes_the_campaign(
    own_server: EmbeddedPostgres, campaign: Campaign, db_url: str, pool: Pool, worker_log: IO[str]
) -> None:
    url = own_server.url
    async with worker_processes() as workers:
        worker = await start_worker(
            url, db_url, mark_after=POSTED_BEFORE_RESTART, stderr=worker_log
        )
        workers.append(worker)
        await worker.expect(READY)
        await start_campaign(url, campaign)
        await worker.expect(POSTED)

        async def until_the_worker_notices() -> None:
            # The server stays down until the worker says it lost the database: nothing it
            # sent meanwhile could be recorded, so it must send nothing at all.
            down_at = await requests_so_far(pool)
            async with pool.connection() as conn:
                posted = await shared_telegram.posts(conn)
            assert POSTED_BEFORE_RESTART <= len(posted) < COUNT  # mid-campaign
            await worker.expect(DB_LOST)
            assert await requests_so_far(pool) == down_at

        await restart(own_server, until_the_worker_notices)
        await worker.expect(DB_BACK)

        async with CampaignWatch(url) as watch:
            assert await watch.until(campaign.id, "completed", DONE_WITHIN_S)
        # The same process finished the campaign: it neither exited nor started over.
        assert worker.proc.returncode is None
        assert await worker.stop() == 0

    assert worker.seen == [READY, POSTED, DB_LOST, DB_BACK, STOPPED]
    await assert_each_channel_posted_once(url, pool, campaign)
    async with pool.connection() as conn:
        assert await shared_telegram.request_pids(conn) == {worker.pid}
    # The outage cut a drain off mid-batch: it leaves its lines, not errors with tracebacks.
    worker_log.seek(0)
    log = worker_log.read()
    assert "Traceback" not in log, log
    assert " ERROR " not in log, log


async def test_a_restart_between_two_workers_leaves_the_session_to_one(
    own_server: EmbeddedPostgres, campaign: Campaign, db_url: str, pool: Pool
) -> None:
    # One worker posts, a second waits for the session. Both lose the database at once and
    # race for the session when it is back: whichever wins, from then on Telegram hears from
    # that one process only, and the other goes on waiting without connecting.
    url = own_server.url
    async with worker_processes() as workers:
        first = await start_worker(url, db_url, mark_after=POSTED_BEFORE_RESTART)
        workers.append(first)
        await first.expect(READY)
        second = await start_worker(url, db_url)
        workers.append(second)
        await second.expect(WAITING)
        await start_campaign(url, campaign)
        await first.expect(POSTED)

        down_at = 0

        async def note_where_requests_stopped() -> None:
            nonlocal down_at
            down_at = await requests_so_far(pool)
            async with pool.connection() as conn:
                assert len(await shared_telegram.posts(conn)) < COUNT  # mid-campaign

        await restart(own_server, note_where_requests_stopped)  # as quick as it gets
        await first.expect(DB_LOST)
        await first.expect(DB_BACK)

        async with CampaignWatch(url) as watch:
            assert await watch.until(campaign.id, "completed", DONE_WITHIN_S)
        # Once one stops, the other takes the session over: what counts is until then.
        end_at = await requests_so_far(pool)
        assert first.proc.returncode is None and second.proc.returncode is None
        assert await first.stop() == 0
        assert await second.stop() == 0

    await assert_each_channel_posted_once(url, pool, campaign)
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT pid, id > %s AS after FROM fake_requests WHERE id <= %s ORDER BY id",
            (down_at, end_at),
        )
        rows = await cur.fetchall()
    before = {row["pid"] for row in rows if not row["after"]}
    after = [pid for pid, _ in itertools.groupby(row["pid"] for row in rows if row["after"])]
    assert before == {first.pid}
    # One process at a time used the session after the restart: the first, carrying on; or the
    # second, taking over once the database was back, maybe after a request the first still had
    # in flight when it went away; never the first again once the second had it.
    assert after in ([first.pid], [second.pid], [first.pid, second.pid]), after
    if second.pid in after:
        assert WAITING in first.seen  # the first went back to waiting without connecting


PEER = Peer(peer_type="channel", peer_id=1, access_hash=2)


class RecordingSender:
    """A Sender that only notes what reached it."""

    def __init__(self) -> None:
        self.calls: list[str | int] = []

    async def resolve(self, ref: str) -> Peer:
        self.calls.append(ref)
        return PEER

    async def send(self, peer: Peer, html: str, random_id: int) -> int | None:
        self.calls.append(random_id)
        return 1

    async def send_media(
        self, peer: Peer, html: str, media: MediaFile, random_id: int
    ) -> int | None:
        self.calls.append(random_id)
        return 1


async def test_a_lock_whose_connection_dies_is_known_lost_at_once(db_url: str) -> None:
    # Not only a restart: any end of the lock's connection (here its backend is terminated,
    # the server stays up) ends the lock. The watch hears it without waiting for its check.
    lock = SessionLock(db_url, "restart-watch", check_s=3600)
    await lock.acquire()
    watch = asyncio.create_task(lock.watch())
    telegram = RecordingSender()
    sender = LockedSender(telegram, lock)
    async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as admin:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks "
            "WHERE locktype = 'advisory' AND granted AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    with pytest.raises(SessionLockLost):
        await asyncio.wait_for(watch, 60)
    assert not lock.held
    with pytest.raises(SessionLockLost):
        await sender.send(PEER, "<b>x</b>", 1)  # refused before reaching Telegram
    assert telegram.calls == []
    await lock.acquire()  # the database is up: taken again at once
    assert lock.held
    await lock.release()


class SwallowingSender(RecordingSender):
    """A sender whose connect swallows a cancellation landing on it, as Python 3.11's
    asyncio.wait_for does when the call completes at that moment (Telethon's connect uses it)."""

    def __init__(self) -> None:
        super().__init__()
        self.connecting = asyncio.Event()
        self.release = asyncio.Event()

    async def start(self) -> None:
        self.connecting.set()
        with contextlib.suppress(asyncio.CancelledError):
            await self.release.wait()

    async def close(self) -> None:
        pass


async def test_a_stop_request_swallowed_while_connecting_still_stops_the_worker(
    db_url: str, pool: Pool
) -> None:
    # A SIGTERM often lands while the worker (re)connects, after a start or an outage.
    sender = SwallowingSender()
    settings = Settings(
        _env_file=None, database_url=db_url, tg_api_id=1, tg_api_hash="x", tg_session="x"
    )
    worker = asyncio.create_task(
        run_worker(settings, pool, db_url, sender_factory=lambda *_: sender)
    )
    await sender.connecting.wait()
    worker.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(worker, 30)
    assert sender.calls == []
