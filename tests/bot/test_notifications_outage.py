"""A PostgreSQL restart under the bot: its notifications worker starts again by itself.

Procrastinate's worker stops when it loses the database; the bot kept polling Telegram but
never ran a notification again (cards froze, reports and alerts never came) until restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import psycopg
import pytest

from predlagator.bot.notifications_worker import BACK, LOST
from predlagator.bot.runner import run_bot
from predlagator.config import Settings
from predlagator.db.embedded import EmbeddedPostgres, scratch_dir
from predlagator.db.migrate import migrate
from predlagator.db.pool import open_pool
from predlagator.queue import defer
from predlagator.queue.app import make_app
from tests.fakes.bot_api_server import FakeBotApi

OWNER = 7001


@pytest.fixture
def own_server() -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL of this test's own with a fixed socket, so a restart keeps its URL."""
    with scratch_dir("predlagator-botoutage-") as parent:
        server = EmbeddedPostgres(parent / "pgdata", socket_dir=parent / "sock")
        with server:
            yield server


class _Lines(logging.Handler):
    """Sets an event when a log line with one of the watched messages is written."""

    def __init__(self, *messages: str) -> None:
        super().__init__()
        self.seen = {message: asyncio.Event() for message in messages}

    def emit(self, record: logging.LogRecord) -> None:
        event = self.seen.get(record.getMessage())
        if event is not None:
            event.set()


async def _unless_it_stops(bot: asyncio.Task[None], line: asyncio.Event) -> None:
    """Wait for `line`, failing with the bot's own error if it stops first."""
    seen = asyncio.create_task(line.wait())
    done, _ = await asyncio.wait({bot, seen}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if bot in done:
        seen.cancel()
        bot.result()
        raise AssertionError("the bot stopped")
    assert seen in done, "the line never came"


async def test_notifications_run_again_after_a_database_restart(
    own_server: EmbeddedPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    url = own_server.url
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await migrate(conn)
    lines = _Lines(LOST, BACK)
    logger = logging.getLogger("predlagator.bot.notifications_worker")
    caplog.set_level(logging.INFO, logger=logger.name)  # BACK is an INFO line
    logger.addHandler(lines)
    async with FakeBotApi() as api:
        settings = Settings(
            _env_file=None,
            database_url=url,
            bot_token=api.token,
            bot_api_url=api.url,
            owner_ids=[OWNER],
        )
        pool = await open_pool(url)
        bot = asyncio.create_task(run_bot(settings, pool))
        try:
            await api.wait_for(lambda name, _: name == "getUpdates")
            await asyncio.to_thread(own_server.stop)
            await _unless_it_stops(bot, lines.seen[LOST])
            await asyncio.to_thread(own_server.start)
            await _unless_it_stops(bot, lines.seen[BACK])
            deferring = await open_pool(url, min_size=1, max_size=1)
            app = make_app()
            try:
                await app.open_async(pool=deferring)
                await defer.test_result(app, OWNER, "en", kind="sent", template_id=5, target="me")
            finally:
                await app.close_async()
                await deferring.close()
            sent = await api.wait_for_message(OWNER, timeout=30)
            assert "Test of #5 sent" in str(sent["text"])
        finally:
            logger.removeHandler(lines)
            bot.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await bot
            await pool.close()
