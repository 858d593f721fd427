"""Report pressed twice: one report per chat, not one per tap; it can be had again a bit later."""

from __future__ import annotations

from collections.abc import AsyncIterator

import procrastinate
import pytest

from predlagator.bot.campaigns import notices
from predlagator.db.pool import Pool
from predlagator.models import Role
from predlagator.queue import defer
from predlagator.queue.app import make_app
from tests.fakes.bot_api import OWNER, VIEWER, BotHarness, bot_harness
from tests.report_world import due_now, finished, methods, work

REPORT = ["sendMessage", "sendDocument", "sendPhoto"]
ON_ITS_WAY = "The report is on its way."
# The moment the last report into a chat was asked for, moved back past the short window.
LONG_AGO = "UPDATE report_requests SET requested_at = now() - interval '1 hour'"


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await harness.add(VIEWER, Role.VIEWER)
        yield harness


@pytest.fixture
async def worker(pool: Pool) -> AsyncIterator[procrastinate.App]:
    app = make_app(notices.blueprint)
    await app.open_async(pool=pool)
    yield app
    await app.close_async()


async def test_a_second_press_sends_no_second_report(h: BotHarness) -> None:
    await finished(h)
    await h.press(OWNER, "rp:1", message_id=40)
    await h.press(OWNER, "rp:1", message_id=40, lang="ru")
    assert methods(h) == ["answerCallbackQuery", *REPORT, "answerCallbackQuery"]
    assert h.session.answers() == ["Sending the report…", "Отчёт уже в пути."]


async def test_report_twice_by_command_says_it_is_on_its_way(h: BotHarness) -> None:
    await finished(h)
    await h.send(OWNER, "/report 1")
    await h.send(OWNER, "/report Spring")
    assert methods(h) == [*REPORT, "sendMessage"]
    assert h.session.sent_texts()[-1] == ON_ITS_WAY


async def test_each_chat_gets_its_own_and_later_another(h: BotHarness) -> None:
    await finished(h)
    await h.press(OWNER, "rp:1", message_id=40)
    await h.press(VIEWER, "rp:1", message_id=41)  # another chat: its own report
    assert methods(h) == ["answerCallbackQuery", *REPORT] * 2
    assert [p["chat_id"] for _, p in h.session.calls if _ == "sendDocument"] == [OWNER, VIEWER]

    h.session.reset()
    async with h.pool.connection() as conn:
        await conn.execute(LONG_AGO)
    await h.press(OWNER, "rp:1", message_id=40)  # a while later, asked for again: it comes
    assert methods(h) == ["answerCallbackQuery", *REPORT]


async def test_while_the_rest_waits_for_telegram_no_second_report(
    h: BotHarness, worker: procrastinate.App
) -> None:
    await finished(h)
    h.session.fail_flood("sendDocument", retry_after=30)
    await h.send(OWNER, "/report 1")
    [later] = await work(h, worker)
    assert later["task_name"] == "send_report"
    async with h.pool.connection() as conn:
        await conn.execute(LONG_AGO)  # however long Telegram makes it wait
    h.session.reset()
    await h.press(OWNER, "rp:1", message_id=40)
    assert methods(h) == ["answerCallbackQuery"]
    assert h.session.answers() == [ON_ITS_WAY]

    await due_now(h)
    assert await work(h, worker) == []
    assert methods(h) == ["answerCallbackQuery", "sendDocument", "sendPhoto"]


async def test_the_report_at_the_end_is_not_doubled_by_a_press(
    h: BotHarness, worker: procrastinate.App
) -> None:
    await finished(h)
    await defer.send_report(h.app, 1, OWNER, "en")  # the one the end of the campaign sends
    await h.press(OWNER, "rp:1", message_id=40)
    assert h.session.answers() == [ON_ITS_WAY]
    assert await work(h, worker) == []
    assert methods(h) == ["answerCallbackQuery", *REPORT]


async def test_a_report_deferred_while_one_waits_joins_it(h: BotHarness) -> None:
    await finished(h)
    await defer.send_report(h.app, 1, OWNER, "en", ["chart"], delay_s=30)  # after a 429
    await defer.send_report(h.app, 1, OWNER, "en", ["csv"])
    [job] = await h.jobs()
    assert (sorted(job["args"]["parts"]), job["queueing_lock"]) == (
        ["chart", "csv"],
        "report-1-100",
    )
    await defer.send_report(h.app, 1, OWNER, "en")  # the whole report
    await defer.send_report(h.app, 1, VIEWER, "en")  # another chat has its own
    jobs = await h.jobs()
    assert [(j["args"]["chat_id"], j["args"]["parts"]) for j in jobs] == [
        (OWNER, None),
        (VIEWER, None),
    ]
