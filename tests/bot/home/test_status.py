"""/status: worker heartbeat, accounts, queue depth and sending campaigns, for every role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from predlagator.db import accounts, campaigns
from predlagator.db.accounts import lock_key
from predlagator.db.pool import Pool
from predlagator.models import CampaignStatus, Role
from tests.factories import make_campaign
from tests.fakes.bot_api import STRANGER, VIEWER, BotHarness, bot_harness


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await harness.add(VIEWER, Role.VIEWER)
        yield harness


async def test_nothing_running(h: BotHarness) -> None:
    await h.send(VIEWER, "/status")
    assert h.session.sent_texts() == [
        "<b>Status</b>\n⚠️ No worker running.\n\n<b>Accounts</b>\n• none\n\n"
        "<b>Queue</b>\n• empty\n\n<b>Campaigns sending</b>\n• none"
    ]


async def test_nothing_running_in_russian(h: BotHarness) -> None:
    await h.send(VIEWER, "/status", lang="ru")
    assert h.session.sent_texts() == [
        "<b>Состояние</b>\n⚠️ Воркер не запущен.\n\n<b>Аккаунты</b>\n• нет\n\n"
        "<b>Очередь</b>\n• пусто\n\n<b>Идущие кампании</b>\n• нет"
    ]


async def busy(h: BotHarness) -> datetime:
    """A live worker, a flood-waiting and a stopped account, queued jobs, a running campaign."""
    flood_until = (datetime.now(UTC) + timedelta(hours=2)).replace(second=0, microsecond=0)
    campaign = await make_campaign(h.pool, ["@alpha_shop", "@beta_shop", "@gamma_shop"])
    async with h.pool.connection() as conn:
        await conn.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '5 s')"
        )
        await accounts.set_flood(conn, campaign.account_id, flood_until)
        spare = await accounts.ensure(conn, "spare", 20)
        await accounts.stop(conn, spare.id, "SESSION_REVOKED")
        await conn.execute(
            "INSERT INTO deliveries"
            " (campaign_id, channel_id, position, random_id, status, account_id) "
            "SELECT %s, id, row_number() OVER (ORDER BY id), id, "
            "CASE WHEN row_number() OVER (ORDER BY id) = 1 THEN 'sent' ELSE 'queued' END, %s "
            "FROM channels",
            (campaign.id, campaign.account_id),
        )
        await campaigns.transition(conn, campaign.id, CampaignStatus.RUNNING)
        for queue in ("delivery", "delivery", "notifications"):
            await conn.execute(
                "INSERT INTO procrastinate_jobs (queue_name, task_name, args) "
                "VALUES (%s, 'kick', '{}')",
                (queue,),
            )
    return flood_until


async def test_busy_system(h: BotHarness) -> None:
    flood_until = await busy(h)
    async with h.pool.connection() as holder:  # a worker holding the account's session
        await holder.execute("SELECT pg_advisory_lock(%s)", (lock_key("main"),))
        # Shown in seconds now: beat again just before asking, so the age is exact.
        await holder.execute(
            "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '5 s'"
        )
        await h.send(VIEWER, "/status")
        await holder.execute("SELECT pg_advisory_unlock(%s)", (lock_key("main"),))
    assert h.session.sent_texts() == [
        "<b>Status</b>\n✅ 1 worker running (the bot's counts too), last heartbeat 5 s ago.\n\n"
        f"<b>Accounts</b>\n• main: active, waiting until {flood_until:%H:%M} UTC · "
        "its worker is connected\n"
        "• spare: stopped. The account's session was ended: log in again (predlagator login).\n\n"
        "<b>Queue</b>\n• delivery: 2 waiting\n• notifications: 1 waiting\n\n"
        "<b>Campaigns sending</b>\n• #1 campaign: 🚀 Running, sent 1 of 3"
    ]


async def test_busy_system_in_russian_with_a_silent_worker(h: BotHarness) -> None:
    await busy(h)
    async with h.pool.connection() as conn:
        await conn.execute(
            "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '5 min'"
        )
    await h.send(VIEWER, "/status", lang="ru")
    [text] = h.session.sent_texts()
    assert "⚠️ От воркера нет сигнала 5 мин; возможно, он остановлен." in text
    assert (
        "• spare: остановлен. Сессия аккаунта завершена: войдите снова (predlagator login)." in text
    )
    assert "SESSION_REVOKED" not in text
    assert "⚠️ сессию аккаунта не держит ни один воркер: ничего не отправляется" in text
    assert "• delivery: ждут 2" in text
    assert "• #1 campaign: 🚀 Идёт, отправлено 1 из 3" in text


async def test_only_workers_with_a_fresh_heartbeat_count(h: BotHarness) -> None:
    # Two workers beat; two more died in restarts and left their rows behind.
    async with h.pool.connection() as conn:
        await conn.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) VALUES "
            "(now() - interval '3 s'), (now() - interval '20 s'), "
            "(now() - interval '10 min'), (now() - interval '2 h')"
        )
    await h.send(VIEWER, "/status")
    await h.send(VIEWER, "/status", lang="ru")
    english, russian = (text.split("\n")[1] for text in h.session.sent_texts())
    assert english == "✅ 2 workers running (the bot's counts too), last heartbeat 3 s ago."
    assert russian == "✅ Воркеров в работе: 2 (считая воркер бота), последний сигнал 3 сек назад."


async def test_past_flood_wait_is_not_shown_and_strangers_are_refused(h: BotHarness) -> None:
    await make_campaign(h.pool, ["@alpha_shop"])
    async with h.pool.connection() as conn:
        await conn.execute("UPDATE accounts SET flood_until = now() - interval '1 min'")
    await h.send(VIEWER, "/status")
    await h.send(STRANGER, "/status")
    texts = h.session.sent_texts()
    # A heartbeat may be the bot's own queue worker: only the session lock says one can send.
    assert "• main: active · ⚠️ no worker holds its session: nothing is sent\n" in texts[0]
    assert texts[1] == "This is a private bot. Ask its owner to add you."


async def test_paused_simulated_and_removed_accounts(h: BotHarness) -> None:
    async with h.pool.connection() as conn:
        paused = await accounts.ensure(conn, "paused-one", 20)
        sim = await accounts.ensure(conn, "sim-1", 20)
        gone = await accounts.ensure(conn, "gone", 20)
        await conn.execute("UPDATE accounts SET status = 'paused' WHERE id = %s", (paused.id,))
        await conn.execute(
            "UPDATE accounts SET kind = 'simulated', status = 'stopped', "
            "stop_reason = 'OPERATOR_STOPPED' WHERE id = %s",
            (sim.id,),
        )
        await conn.execute("UPDATE accounts SET removed_at = now() WHERE id = %s", (gone.id,))
    await h.send(VIEWER, "/status")
    await h.send(VIEWER, "/status", lang="ru")
    english, russian = (text.split("\n\n")[1].split("\n") for text in h.session.sent_texts())
    assert english == [
        "<b>Accounts</b>",
        "• paused-one: paused by an operator · ⚠️ no worker holds its session: nothing is sent",
        "• sim-1 🧪 simulated: stopped. Stopped by an operator.",
    ]
    assert russian[1].startswith("• paused-one: на паузе (оператор) · ")
    assert russian[2] == "• sim-1 🧪 симуляция: остановлен. Остановлен оператором."
