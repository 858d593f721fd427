"""An account stopped for good: every owner is told, in their language, and nobody else."""

from __future__ import annotations

from collections.abc import AsyncIterator

import procrastinate
import pytest

from predlagator.bot import notifications
from predlagator.bot.accounts import notices
from predlagator.db import accounts, operators
from predlagator.db.pool import Pool
from predlagator.models import Role
from predlagator.queue import defer
from predlagator.queue.app import make_app
from tests.fakes.bot_api import OWNER, BotHarness, bot_harness


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        yield harness


@pytest.fixture
async def worker(pool: Pool) -> AsyncIterator[procrastinate.App]:
    app = make_app(notices.blueprint)
    await app.open_async(pool=pool)
    yield app
    await app.close_async()


async def test_every_owner_hears_that_an_account_stopped(
    h: BotHarness, worker: procrastinate.App
) -> None:
    async with h.pool.connection() as conn:
        account = await accounts.ensure(conn, "spare", 20.0)
        await operators.upsert(conn, 501, Role.OWNER, 0)
        await operators.upsert(conn, 502, Role.OWNER, 0)
        await operators.set_language(conn, 502, "ru")
        await operators.upsert(conn, 503, Role.OPERATOR, 501)
    await defer.account_alert(h.app, account.id, "PEER_FLOOD")
    await worker.run_worker_async(
        queues=["notifications"],
        wait=False,
        additional_context=notifications.make_bot_worker_context(h.bot, h.pool),
    )
    sent = {p["chat_id"]: str(p["text"]) for p in h.session.of("sendMessage")}
    assert set(sent) == {OWNER, 501, 502}  # the harness's OWNER_IDS owner too, not the operator
    assert sent[501].startswith("⚠️ Account spare stopped: Telegram limited the account")
    assert sent[502].startswith("⚠️ Аккаунт spare остановлен:")
