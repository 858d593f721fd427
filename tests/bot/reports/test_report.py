"""The final report: after a campaign finishes, and again on /report or the card's button.

A real Dispatcher over the recording Bot API session, real PostgreSQL, and a real
Procrastinate worker running the notifications queue.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import procrastinate
import pytest

from predlagator.bot.campaigns import notices
from predlagator.bot.reports import chart as rc
from predlagator.db.pool import Pool
from predlagator.models import Role
from predlagator.queue import defer
from predlagator.queue.app import make_app
from tests.fakes.bot_api import OWNER, VIEWER, BotHarness, bot_harness
from tests.report_world import chart, csv_rows, due_now, finished, methods, work

REPORT_EN = [
    "📊 <b>Report: Spring</b> · #1",
    "⛔ Cancelled",
    "Sent 5 · failed 3 · cancelled 2 of 10",
    "Skipped 1 channel of the batch: it was switched off.",
    "",
    "<b>Why posts failed</b>",
    "• private, or the account removed: 1",
    "• not allowed to post: 1",
    "• refused by Telegram (FLAKY_ERROR): 1",
    "",
    "Took 52 min, planned 50 min at 0.2/min.",
    "Flood waits: 6 min in 1 wait.",
]
REPORT_RU = [
    "📊 <b>Отчёт: Spring</b> · #1",
    "⛔ Отменена",
    "Отправлено 5 · ошибок 3 · отменено 2 из 10",
    "Пропущен 1 канал списка: он был отключён.",
    "",
    "<b>Почему посты не ушли</b>",
    "• канал закрыт, или аккаунт удалён: 1",
    "• нельзя публиковать: 1",
    "• отказ Telegram (FLAKY_ERROR): 1",
    "",
    "Заняло 52 мин, план 50 мин при 0.2/мин.",
    "Flood-ожидания: 6 мин, 1 раз.",
]
# The error column in each language's words, the code beside it for filtering.
ERRORS = {
    "en": {
        "CHAT_WRITE_FORBIDDEN": "The account may not post in this channel",
        "CHANNEL_PRIVATE": "The channel is private, or the account was removed from it",
        "FLAKY_ERROR": "Telegram refused it (FLAKY_ERROR)",
        "TIMEOUT": "Telegram did not answer in time",
    },
    "ru": {
        "CHAT_WRITE_FORBIDDEN": "Аккаунту нельзя публиковать в этом канале",
        "CHANNEL_PRIVATE": "Канал закрыт, или аккаунт из него удалён",
        "FLAKY_ERROR": "Telegram отказал (FLAKY_ERROR)",
        "TIMEOUT": "Telegram не ответил вовремя",
    },
}


def csv_expected(lang: str) -> list[list[str]]:
    """The CSV's rows as the operator reading `lang` gets them (no action touched a post, so
    the edit, delete and pin cells are empty, and no reach was read)."""
    said = ERRORS[lang]
    rows = [
        ["1", "alpha_shop", "Alpha Shop", "sent", "1", "", "", "2026-03-01T10:01:10Z",
         "1", "main", "https://t.me/alpha_shop/101"],
        ["2", "'+AbCdEf123", "'=HYPERLINK(\"http://evil\",\"x\")", "sent", "1", "", "",
         "2026-03-01T10:02:00Z", "1", "main", "https://t.me/c/1234567890/102"],
        ["3", "'-1009876543210", "Ёлка «Север»", "sent", "1", "", "", "2026-03-01T10:03:00Z",
         "1", "main", "https://t.me/c/9876543210/103"],
        ["4", "beta_shop", "'+SUM(1,2)", "failed", "1", said["CHAT_WRITE_FORBIDDEN"],
         "CHAT_WRITE_FORBIDDEN", "", "1", "main", ""],
        ["5", "gamma_shop", "'@cmd", "failed", "1", said["CHANNEL_PRIVATE"], "CHANNEL_PRIVATE",
         "", "1", "main", ""],
        ["6", "delta_shop", "'-2+3", "failed", "4", said["FLAKY_ERROR"], "FLAKY_ERROR", "",
         "1", "main", ""],
        ["7", "eps_shop", "", "sent", "2", "", "", "2026-03-01T10:30:00Z", "1", "main", ""],
        ["8", "'-4001234", "Basic group", "sent", "1", "", "", "2026-03-01T10:31:00Z", "1",
         "main", ""],
        ["9", "eta_shop", "", "cancelled", "0", "", "", "", "1", "main", ""],
        ["10", "theta_shop", "", "cancelled", "1", said["TIMEOUT"], "TIMEOUT", "", "1", "main",
         ""],
    ]  # fmt: skip
    # Round 1: a campaign sent once; no action and no reach read.
    return [[*row[:9], "1", "", "", "", "", "", "", "", *row[9:]] for row in rows]


HEADER = ["position", "channel", "title", "status", "attempts", "error", "error_code",
          "sent_at_utc", "run", "round", "edit", "delete", "pin", "views", "forwards",
          "reactions", "reach_read_at_utc", "account", "link"]  # fmt: skip


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await harness.add(VIEWER, Role.VIEWER)
        yield harness


@pytest.fixture
async def worker(pool: Pool) -> AsyncIterator[procrastinate.App]:
    """The bot process's worker app: the notifier's tasks on the same pool."""
    app = make_app(notices.blueprint)
    await app.open_async(pool=pool)
    yield app
    await app.close_async()


async def test_finished_campaign_gets_one_report(h: BotHarness, worker: procrastinate.App) -> None:
    await finished(h)
    await defer.campaign_finished(h.app, 1)
    assert await work(h, worker) == []
    assert methods(h) == [
        "editMessageText",  # the final card, with its Report button
        "sendMessage",  # the report's text says how it ended: nothing else is said
        "sendDocument",
        "sendPhoto",
    ]
    [report] = h.session.sent_texts()
    assert report.splitlines() == REPORT_EN
    assert csv_rows(h) == [HEADER, *csv_expected("en")]
    [document] = h.session.of("sendDocument")
    assert document["caption"] == "Campaign #1: 10 deliveries with their status, error and link."
    [photo] = h.session.of("sendPhoto")
    assert photo["caption"] == (
        "Campaign #1: posts per minute, failures in red, flood waits shaded."
    )
    assert all(p["chat_id"] == OWNER for _, p in h.session.calls)
    # 52 bars of 16.7 px: minute 3 has a post and a failure (the axis tops at 2); the wait
    # from 10:20 to the resume at 10:25:40 is x 405..498.
    image = chart(h)
    assert image.getpixel((128, rc.BOTTOM - 100)) == rc.SENT
    assert image.getpixel((128, rc.TOP + 100)) == rc.FAILED
    assert image.getpixel((450, rc.TOP + 10)) == rc.WAIT
    assert image.getpixel((700, rc.TOP + 10)) == rc.BACKGROUND  # the other account's wait
    # Nothing more comes, however often the worker looks.
    h.session.reset()
    assert await work(h, worker) == []
    assert h.session.calls == []


async def test_report_in_russian(h: BotHarness, worker: procrastinate.App) -> None:
    await finished(h, language="ru")
    await defer.campaign_finished(h.app, 1)
    assert await work(h, worker) == []
    [report] = h.session.sent_texts()
    assert report.splitlines() == REPORT_RU
    # Excel in a Russian locale splits on semicolons; errors are in Russian words.
    assert csv_rows(h, delimiter=";") == [HEADER, *csv_expected("ru")]
    [document] = h.session.of("sendDocument")
    assert document["caption"] == "Кампания #1: 10 отправок со статусом, ошибкой и ссылкой."
    [photo] = h.session.of("sendPhoto")
    assert photo["caption"] == (
        "Кампания #1: публикации в минуту, ошибки красным, flood-ожидания закрашены."
    )


async def test_a_postponed_report_comes_once(h: BotHarness, worker: procrastinate.App) -> None:
    await finished(h)
    h.session.fail_flood("sendMessage", retry_after=1)
    await defer.campaign_finished(h.app, 1)
    [again] = await work(h, worker)
    assert (again["task_name"], again["later"]) == ("send_report", True)
    assert not h.session.uploads
    await due_now(h)
    assert await work(h, worker) == []
    assert [len(h.session.of(m)) for m in ("sendDocument", "sendPhoto")] == [1, 1]
    # The text was refused once (Telegram's 429), then went; nothing went twice.
    assert [t.startswith("📊") for t in h.session.sent_texts()] == [True, True]
