"""The worker's first run: Telegram that cannot be reached is waited for in the process, with
one line at most once a minute; a session that cannot be used stops it with one line.

Telegram is the fake at Telethon's network seam: it refuses connects as Telethon's sender does
when the network is down (ConnectionError), and answers with real Telegram errors.
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path

import pytest
from telethon import functions

from predlagator.config import ConfigError, Settings
from predlagator.db.pool import Pool
from predlagator.delivery import sender_start
from predlagator.delivery.sender import Peer, SessionRejected
from predlagator.delivery.sender_start import (
    PATIENCE,
    REACHED,
    UNREACHABLE,
    Patience,
    start_sender,
)
from predlagator.delivery.session_lock import SessionLock
from predlagator.delivery.telethon_sender import TelethonSender
from predlagator.delivery.worker import run_worker
from tests.factories import make_campaign
from tests.fakes import shared_telegram
from tests.fakes.shared_telegram import channel_refs, install
from tests.fakes.telethon_fake import FakeTelegram, fake_client
from tests.fakes.worker_process import (
    READY,
    REFUSED,
    STOPPED,
    CampaignWatch,
    WorkerProcess,
    launch,
    worker_processes,
)

MINUTE = 60.0
CAP_S = PATIENCE.max_s
PREFIX = "unreachable"
DONE_WITHIN_S = 60.0


class FakeTime:
    """A clock that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def patience(time: FakeTime) -> Patience:
    """The worker's own patience, on a fake clock."""
    return Patience(clock=time.clock, sleep=time.sleep)


def said(caplog: pytest.LogCaptureFixture, message: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.getMessage() == message]


def settings(**overrides: object) -> Settings:
    values: dict[str, object] = {"tg_api_id": 1, "tg_api_hash": "x", "tg_session": "x"}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


async def test_telegram_out_of_reach_is_retried_with_capped_backoff_and_said_once_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=sender_start.__name__)
    telegram = FakeTelegram()
    refusals = 14  # waits of 1, 2, 4 ... s up to the cap: a few minutes of it
    telegram.refuse_connects(refusals)
    telegram.add_channel("news")
    sender = TelethonSender(fake_client(telegram))
    time = FakeTime()

    await start_sender(sender, patience(time))

    try:
        # Connected once Telegram answered, in the same call: it never gave up.
        peer: Peer = await sender.resolve("news")
        assert await sender.send(peer, "<b>hi</b>", random_id=1) == 1
    finally:
        await sender.close()
    assert len(time.sleeps) == refusals
    assert time.sleeps[0] <= 1.2  # the first retry within about a second
    assert max(time.sleeps) <= CAP_S * 1.2  # capped (with its jitter)
    assert time.sleeps[-1] >= CAP_S * 0.8  # and it got there
    # The n-th refusal happened at the sum of the waits before it.
    refused_at = [0.0, *itertools.accumulate(time.sleeps)][:refusals]
    lines = said(caplog, UNREACHABLE)
    expected: list[int] = []
    for attempt, at in enumerate(refused_at, start=1):
        if not expected or at - refused_at[expected[-1] - 1] >= MINUTE:
            expected.append(attempt)
    assert [record.__dict__["attempts"] for record in lines] == expected
    assert expected[0] == 1  # the first failure is said at once
    assert 1 < len(expected) < refusals  # a long outage is said again, not at every retry
    assert all(record.levelno == logging.WARNING for record in lines)
    assert "NETWORK" in lines[0].__dict__["error"]
    assert [record.__dict__["attempts"] for record in said(caplog, REACHED)] == [refusals + 1]


@pytest.mark.parametrize("code", ["AUTH_KEY_UNREGISTERED", "SESSION_REVOKED", "USER_DEACTIVATED"])
async def test_a_session_telegram_refuses_is_not_retried(code: str) -> None:
    telegram = FakeTelegram()
    telegram.fail_next(401, code, request_type=functions.updates.GetStateRequest)
    time = FakeTime()
    with pytest.raises(SessionRejected, match=code):
        await start_sender(TelethonSender(fake_client(telegram)), patience(time))
    assert time.sleeps == []


async def test_a_logged_out_session_is_rejected_with_telegrams_reason() -> None:
    telegram = FakeTelegram()
    sender = TelethonSender(fake_client(telegram, authorized=False))
    with pytest.raises(SessionRejected, match="AUTH_KEY_UNREGISTERED"):
        await start_sender(sender, patience(FakeTime()))


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ({"tg_session": "1BVts"}, "TG_SESSION was refused"),
        ({"tg_session_file": "main.session"}, "TG_SESSION_FILE ({path})"),
    ],
)
async def test_a_rejected_session_stops_the_worker_with_one_line_naming_the_setting(
    db_url: str, pool: Pool, tmp_path: Path, source: dict[str, object], named: str
) -> None:
    if "tg_session_file" in source:  # the worker reads it, as it reads TG_SESSION
        path = tmp_path / str(source["tg_session_file"])
        path.write_text("1BVts\n")
        source = {"tg_session_file": path}
        named = named.format(path=path)
    telegram = FakeTelegram()
    telegram.fail_next(401, "SESSION_REVOKED", request_type=functions.updates.GetStateRequest)
    with pytest.raises(ConfigError) as stopped:
        await run_worker(
            settings(**{"tg_session": None, **source}),
            pool,
            db_url,
            sender_factory=lambda *_: TelethonSender(fake_client(telegram)),
        )
    line = str(stopped.value)
    assert "\n" not in line
    assert line.startswith(named)
    assert "SESSION_REVOKED" in line
    assert "`predlagator login`" in line
    # It let the session go on the way out: another worker could take it at once.
    lock = SessionLock(db_url, "main")
    await lock.acquire()
    await lock.release()


async def test_a_worker_that_cannot_reach_telegram_says_so_once_stays_up_and_then_sends(
    db_url: str, pool: Pool, tmp_path: Path
) -> None:
    install(db_url)
    refusals = 8
    campaign = await make_campaign(pool, channel_refs(PREFIX, 1), rate=6000.0)
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as stderr:
        async with worker_processes() as workers:
            worker = await WorkerProcess.start(
                db_url, prefix=PREFIX, channels=1, refuse_connects=refusals, stderr=stderr
            )
            workers.append(worker)
            for _ in range(refusals):
                await worker.expect(REFUSED)  # the same process, connecting again
            await worker.expect(READY)
            async with CampaignWatch(db_url) as watch:
                await launch(pool, campaign.id)
                assert await watch.until(campaign.id, "completed", DONE_WITHIN_S)
            assert worker.proc.returncode is None
            assert await worker.stop() == 0

    assert worker.seen == [REFUSED] * refusals + [READY, STOPPED]
    async with pool.connection() as conn:
        posted = await shared_telegram.posts(conn)
    assert [len(posts) for posts in posted.values()] == [1]
    log = read(log_path)
    assert "Traceback" not in log, log
    assert " ERROR " not in log, log
    unreachable = [line for line in log.splitlines() if UNREACHABLE in line]
    assert len(unreachable) == 1, log
    assert " WARNING " in unreachable[0]
    assert "NETWORK" in unreachable[0]


def read(path: Path) -> str:
    """A file's text (a worker's log, once it has exited)."""
    return path.read_text()
