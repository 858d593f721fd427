"""Notifier tasks, run by a real Procrastinate worker on the notifications queue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import procrastinate
import pytest

from predlagator.bot import notifications
from predlagator.bot.campaigns import notices
from predlagator.db import accounts, batches, campaigns, deliveries, templates
from predlagator.db.pool import Pool
from predlagator.models import Campaign, CampaignStatus
from predlagator.queue import defer
from predlagator.queue.app import make_app
from tests.fakes.bot_api import OWNER, BotHarness, bot_harness

S = CampaignStatus


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        yield harness


@pytest.fixture
async def worker(pool: Pool) -> AsyncIterator[procrastinate.App]:
    """The bot process's worker app: the notifier's tasks on the same pool."""
    app = make_app(notices.blueprint)
    await app.open_async(pool=pool)
    yield app
    await app.close_async()


async def work(h: BotHarness, worker: procrastinate.App) -> list[dict[str, Any]]:
    """Run every due notification job, then return the jobs left (failed or scheduled)."""
    await worker.run_worker_async(
        queues=["notifications"],
        wait=False,
        additional_context=notifications.make_bot_worker_context(h.bot, h.pool),
    )
    return await h.jobs()


async def running(h: BotHarness, *, language: str = "en", card: int | None = 40) -> Campaign:
    """A running campaign of 3 channels: one sent, one failed, one queued."""
    async with h.pool.connection() as conn:
        batch, _ = await batches.create(conn, "Shops", ["alpha_shop", "beta_shop", "gamma_shop"], 1)
        template = await templates.create(conn, "Sale", "<b>Sale</b>", 1)
        account = await accounts.ensure(conn, "main", 20.0)
        campaign = await campaigns.create(
            conn,
            name="Spring",
            batch_id=batch.id,
            template_id=template.id,
            account_id=account.id,
            rate_per_minute=20.0,
            retry_limit=3,
            chat_id=OWNER,
            language=language,
            created_by=OWNER,
        )
        await campaigns.transition(conn, campaign.id, S.RUNNING)
        await deliveries.snapshot(conn, campaign.id)
        first, second, _ = await deliveries.list_for_campaign(conn, campaign.id)
        assert await deliveries.mark_sending(conn, first.id)
        assert await deliveries.mark_sent(conn, first.id, 555)
        await deliveries.mark_failed(conn, second.id, "CHANNEL_PRIVATE", "private")
        if card is not None:
            await campaigns.set_card(conn, campaign.id, OWNER, card)
        found = await campaigns.get(conn, campaign.id)
    assert found is not None
    return found


# Channels as the drain reports them: stored refs, and each error's code and count.
SWITCHED_OFF = [
    {"ref": "alpha_shop", "code": "CHAT_WRITE_FORBIDDEN", "count": 1},
    {"ref": "+AbCdEf123", "code": "CHANNEL_PRIVATE", "count": 1},
    {"ref": "-1009876543210", "code": "TIMEOUT", "count": 5},
    {"ref": "+x<y"},
    {"ref": "old_chan", "reason": "USER_BANNED_IN_CHANNEL"},  # queued before 0007
]

RUNNING_CARD = (
    "<b>Spring</b> · #1\n🚀 Running\n██████░░░░ 66%\n"
    "Sent 1 · failed 1 · queued 1 of 3\n20/min · about 3 s left"
)


async def test_refresh_edits_the_card(h: BotHarness, worker: procrastinate.App) -> None:
    await running(h)
    await defer.refresh_progress(h.app, 1, delay_s=0)
    assert await work(h, worker) == []
    [edit] = h.session.edits()
    assert (edit["chat_id"], edit["message_id"], edit["text"]) == (OWNER, 40, RUNNING_CARD)
    assert edit["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "c:1:pause"


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("en", "Reason: The account's session was ended: log in again (predlagator login)"),
        ("ru", "Причина: Сессия аккаунта завершена: войдите снова (predlagator login)"),
    ],
)
async def test_the_card_of_a_campaign_paused_by_its_account_says_why_in_words(
    h: BotHarness, worker: procrastinate.App, language: str, reason: str
) -> None:
    campaign = await running(h, language=language)
    async with h.pool.connection() as conn:
        await campaigns.pause_for_account(conn, campaign.account_id, "SESSION_REVOKED")
    await defer.refresh_progress(h.app, 1, delay_s=0)
    assert await work(h, worker) == []
    [edit] = h.session.edits()
    assert edit["text"].splitlines()[2] == reason
    assert "SESSION_REVOKED" not in edit["text"]


async def test_refresh_sends_a_card_when_there_is_none(
    h: BotHarness, worker: procrastinate.App
) -> None:
    await running(h, card=None)
    await defer.refresh_progress(h.app, 1, delay_s=0)
    assert await work(h, worker) == []
    assert h.session.sent_texts() == [RUNNING_CARD]
    assert h.session.edits() == []
    async with h.pool.connection() as conn:
        campaign = await campaigns.get(conn, 1)
    assert campaign is not None and campaign.card_message_id == 1


async def test_refresh_tolerates_not_modified(h: BotHarness, worker: procrastinate.App) -> None:
    await running(h)
    h.session.fail_not_modified()
    await defer.refresh_progress(h.app, 1, delay_s=0)
    assert await work(h, worker) == []  # succeeded, so deleted
    assert len(h.session.edits()) == 1
    assert h.session.sent_texts() == []


async def test_refresh_replaces_a_deleted_card(h: BotHarness, worker: procrastinate.App) -> None:
    await running(h)
    h.session.fail_next("editMessageText", 400, "Bad Request: message to edit not found")
    await defer.refresh_progress(h.app, 1, delay_s=0)
    assert await work(h, worker) == []
    assert h.session.sent_texts() == [RUNNING_CARD]
    async with h.pool.connection() as conn:
        campaign = await campaigns.get(conn, 1)
    assert campaign is not None and campaign.card_message_id == 1


async def test_refresh_after_429_comes_back_later(h: BotHarness, worker: procrastinate.App) -> None:
    await running(h)
    h.session.fail_flood("editMessageText", retry_after=30)
    await defer.refresh_progress(h.app, 1, delay_s=0)
    [again] = await work(h, worker)
    assert (again["task_name"], again["status"], again["args"]) == (
        "refresh_progress",
        "todo",
        {"campaign_id": 1},
    )
    [late] = await h.rows(
        "SELECT scheduled_at > now() + interval '25 seconds' AS late FROM procrastinate_jobs"
    )
    assert late == {"late": True}


async def test_campaign_finished(h: BotHarness, worker: procrastinate.App) -> None:
    await running(h)
    async with h.pool.connection() as conn:
        for delivery in await deliveries.list_for_campaign(conn, 1):
            await deliveries.mark_failed(conn, delivery.id, "CHAT_WRITE_FORBIDDEN", "no")
        assert await campaigns.complete_if_done(conn, 1) is not None
        await conn.execute(
            "UPDATE campaigns SET started_at = finished_at - interval '5 minutes' WHERE id = 1"
        )
    await defer.campaign_finished(h.app, 1)
    assert await work(h, worker) == []
    [edit] = h.session.edits()
    assert edit["text"].splitlines()[1:] == [
        "✅ Completed",
        "██████████ 100%",
        "Sent 1 · failed 2 of 3",
        "Took 5 min",
    ]
    assert edit["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "rp:1"
    # Then the report, which says how it ended (tests/bot/reports/test_report.py checks it);
    # nothing else is said.
    [report] = h.session.sent_texts()
    assert report.startswith("📊 <b>Report: Spring</b> · #1\n✅ Completed\n")


async def test_campaign_finished_in_russian(h: BotHarness, worker: procrastinate.App) -> None:
    await running(h, language="ru")
    async with h.pool.connection() as conn:
        await campaigns.cancel(conn, 1)
    await defer.campaign_finished(h.app, 1)
    assert await work(h, worker) == []
    [report] = h.session.sent_texts()
    assert report.startswith("📊 <b>Отчёт: Spring</b> · #1\n⛔ Отменена\n")


@pytest.mark.parametrize(
    ("language", "event", "params", "text"),
    [
        (
            "en",
            "flood_wait",
            {"seconds": 300, "until": "2025-03-01T15:05:00+03:00"},
            "Campaign #1: Telegram asked to wait 5 min (until 12:05 UTC). It resumes by itself.",
        ),
        (
            "ru",
            "flood_wait",
            {"seconds": 300, "until": "2025-03-01T15:05:00+03:00"},
            "Кампания #1: Telegram просит подождать 5 мин (до 12:05 UTC). Продолжится сама.",
        ),
        (
            "en",
            "flood_wait",
            {"seconds": 30, "until": "2025-03-01T15:05:00+03:00"},
            "Campaign #1: Telegram asked to wait 30 s (until 12:05 UTC). It resumes by itself.",
        ),
        (
            "ru",
            "flood_wait",
            {"seconds": 90, "until": "2025-03-01T15:05:00+03:00"},
            "Кампания #1: Telegram просит подождать 1 мин 30 сек (до 12:05 UTC). Продолжится сама.",
        ),
        ("en", "resumed", {}, "Campaign #1 resumed after the wait."),
        ("ru", "resumed", {}, "Кампания #1 продолжается после ожидания."),
        (
            "en",
            "account_stopped",
            {"reason": "PEER_FLOOD"},
            "Campaign #1 paused: the sending account stopped. Telegram limited the account for "
            "spam (see @SpamBot). Fix it, then press Resume.",
        ),
        (
            "ru",
            "account_stopped",
            {"reason": "PEER_FLOOD"},
            "Кампания #1 на паузе: аккаунт-отправитель остановлен. Telegram ограничил аккаунт "
            "за спам (см. @SpamBot). Исправьте и нажмите «Продолжить».",
        ),
        (
            "en",
            "channels_deactivated",
            {"channels": SWITCHED_OFF},
            "Campaign #1: 5 channels switched off and skipped:\n"
            "• @alpha_shop: The account may not post in this channel\n"
            "• t.me/+AbCdEf123: The channel is private, or the account was removed from it\n"
            "• -1009876543210: Telegram did not answer in time, 5 times in a row\n"
            "• t.me/+x&lt;y: no reason recorded\n"
            "• @old_chan: The account is banned in this channel",
        ),
        (
            "ru",
            "channels_deactivated",
            {"channels": SWITCHED_OFF},
            "Кампания #1: отключено 5 каналов, они пропускаются:\n"
            "• @alpha_shop: Аккаунту нельзя публиковать в этом канале\n"
            "• t.me/+AbCdEf123: Канал закрыт, или аккаунт из него удалён\n"
            "• -1009876543210: Telegram не ответил вовремя, 5 раз подряд\n"
            "• t.me/+x&lt;y: причина не записана\n"
            "• @old_chan: Аккаунт заблокирован в этом канале",
        ),
    ],
)
async def test_notify_events(
    h: BotHarness,
    worker: procrastinate.App,
    language: str,
    event: str,
    params: dict[str, Any],
    text: str,
) -> None:
    await running(h, language=language)
    await defer.notify(h.app, 1, event, **params)
    assert await work(h, worker) == []
    assert h.session.sent_texts() == [text]


async def test_notify_unknown_event_or_campaign_sends_nothing(
    h: BotHarness, worker: procrastinate.App
) -> None:
    await running(h)
    await defer.notify(h.app, 1, "solar_flare")
    await defer.notify(h.app, 99, "resumed")
    assert await work(h, worker) == []
    assert h.session.calls == []


async def test_notify_when_blocked_is_dropped_and_429_comes_back(
    h: BotHarness, worker: procrastinate.App
) -> None:
    await running(h)
    h.session.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await defer.notify(h.app, 1, "resumed")
    assert await work(h, worker) == []
    h.session.fail_flood("sendMessage", retry_after=12)
    await defer.notify(h.app, 1, "account_stopped", reason="SESSION_REVOKED")
    [again] = await work(h, worker)
    assert (again["task_name"], again["status"]) == ("notify", "todo")
    assert again["args"] == {
        "campaign_id": 1,
        "event": "account_stopped",
        "params": {"reason": "SESSION_REVOKED"},
    }


async def test_campaign_completed_in_russian(h: BotHarness, worker: procrastinate.App) -> None:
    await running(h, language="ru")
    async with h.pool.connection() as conn:
        await conn.execute("UPDATE deliveries SET status = 'sent' WHERE status = 'queued'")
        assert await campaigns.complete_if_done(conn, 1) is not None
    await defer.campaign_finished(h.app, 1)
    assert await work(h, worker) == []
    [card] = h.session.edits()
    assert card["text"].splitlines()[1:4] == [
        "✅ Завершена",
        "██████████ 100%",
        "Отправлено 2 · ошибок 1 из 3",
    ]
    [report] = h.session.sent_texts()
    assert report.startswith("📊 <b>Отчёт: Spring</b> · #1\n✅ Завершена\n")


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        (
            "en",
            ["⏳ Waiting (Telegram limit)", "Telegram asked to wait: 5 min left, resumes at {}"],
        ),
        (
            "ru",
            [
                "⏳ Ожидание (лимит Telegram)",
                "Telegram просит подождать: осталось 5 мин, продолжится в {}",
            ],
        ),
    ],
)
async def test_the_card_during_a_flood_wait_shows_the_wait_and_the_resume_time(
    h: BotHarness, worker: procrastinate.App, language: str, lines: list[str]
) -> None:
    await running(h, language=language)
    until = datetime.now(UTC) + timedelta(minutes=5, seconds=-2)
    async with h.pool.connection() as conn:
        await campaigns.enter_waiting(conn, 1, until)
    await defer.refresh_progress(h.app, 1, delay_s=0)
    assert await work(h, worker) == []
    [edit] = h.session.edits()
    at = until.strftime("%H:%M UTC")
    assert edit["text"].splitlines()[1:3] == [lines[0], lines[1].format(at)]
    assert edit["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "c:1:pause"


async def test_changes_in_a_burst_redraw_the_card_once(
    h: BotHarness, worker: procrastinate.App
) -> None:
    await running(h)
    for _ in range(5):  # what a drain asks after each post, as it goes
        await defer.refresh_progress(h.app, 1)
    [job] = await h.jobs()
    assert (job["task_name"], job["queueing_lock"]) == ("refresh_progress", "progress-1")
    [later] = await h.rows(
        "SELECT scheduled_at > now() AS later, scheduled_at <= now() + interval '1 second' AS soon"
        " FROM procrastinate_jobs"
    )
    # Debounced, but the card stays within a second or so of the sends.
    assert later == {"later": True, "soon": True}
    async with h.pool.connection() as conn:
        await conn.execute("UPDATE procrastinate_jobs SET scheduled_at = now()")
    assert await work(h, worker) == []
    assert len(h.session.edits()) == 1
