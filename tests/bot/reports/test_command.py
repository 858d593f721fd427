"""/report and the Report button: by id or name, for viewers too; bad input changes nothing;
Telegram's limits and refusals never lose the text."""

from __future__ import annotations

from collections.abc import AsyncIterator

import procrastinate
import pytest

from predlagator.bot.campaigns import notices
from predlagator.db import campaigns
from predlagator.db.pool import Pool
from predlagator.models import CampaignStatus, Role
from predlagator.queue.app import make_app
from tests.fakes.bot_api import OPERATOR, OWNER, STRANGER, VIEWER, BotHarness, bot_harness
from tests.report_world import csv_rows, due_now, finished, methods, work

S = CampaignStatus
REPORT = ["sendMessage", "sendDocument", "sendPhoto"]


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await harness.add(VIEWER, Role.VIEWER)
        await harness.add(OPERATOR, Role.OPERATOR)
        yield harness


@pytest.fixture
async def worker(pool: Pool) -> AsyncIterator[procrastinate.App]:
    app = make_app(notices.blueprint)
    await app.open_async(pool=pool)
    yield app
    await app.close_async()


async def draft(h: BotHarness, name: str) -> int:
    """Another campaign over the same batch, as a draft."""
    async with h.pool.connection() as conn:
        first = await campaigns.get(conn, 1)
        assert first is not None
        made = await campaigns.create(
            conn,
            name=name,
            batch_id=first.batch_id,
            template_id=first.template_id,
            account_id=first.account_id,
            rate_per_minute=20,
            retry_limit=3,
            chat_id=OWNER,
            language="en",
            created_by=OWNER,
        )
    return made.id


@pytest.mark.parametrize("args", ["1", "#1", "Spring", "  spring ", "«SPRING»"])
async def test_report_by_id_or_name(h: BotHarness, args: str) -> None:
    await finished(h)
    await h.send(OPERATOR, f"/report {args}")
    assert methods(h) == REPORT
    [text] = h.session.sent_texts()
    assert text.startswith("📊 <b>Report: Spring</b> · #1\n⛔ Cancelled\n")
    assert all(p["chat_id"] == OPERATOR for _, p in h.session.calls)
    assert len(csv_rows(h)) == 11


async def test_viewers_may_ask_in_their_language(h: BotHarness) -> None:
    await finished(h)  # the campaign's language is English; the viewer's is Russian
    await h.send(VIEWER, "/report 1", lang="ru")
    assert methods(h) == REPORT
    [text] = h.session.sent_texts()
    assert text.startswith("📊 <b>Отчёт: Spring</b> · #1\n⛔ Отменена\n")
    assert len(csv_rows(h, delimiter=";")) == 11
    [photo] = h.session.of("sendPhoto")
    assert photo["caption"].startswith("Кампания #1: публикации в минуту")


@pytest.mark.parametrize(
    ("args", "lang", "answer"),
    [
        ("99", "en", "There is no campaign #99."),
        ("99", "ru", "Кампании #99 нет."),
        ("Winter", "en", "There is no campaign named “Winter”."),
        ("Winter", "ru", "Кампании с названием «Winter» нет."),
        ("<b>x</b>", "en", "There is no campaign named “&lt;b&gt;x&lt;/b&gt;”."),
        ("99999999999999999999", "en", "There is no campaign named “99999999999999999999”."),
        ("Twin", "en", "Several campaigns are named “Twin”: #3, #2. Send /report with the id."),
        (
            "Twin",
            "ru",
            "Кампаний с названием «Twin» несколько: #3, #2. Отправьте /report с номером.",
        ),
        ("Draft", "en", "Campaign #4 has not started yet: nothing to report."),
        ("4", "ru", "Кампания #4 ещё не начиналась: отчитываться не о чем."),
    ],
)
async def test_unknown_ambiguous_or_unstarted(
    h: BotHarness, args: str, lang: str, answer: str
) -> None:
    await finished(h)
    await draft(h, "Twin")
    await draft(h, "twin")
    await draft(h, "Draft")
    before = await h.counts()
    await h.send(OWNER, f"/report {args}", lang=lang)
    assert h.session.sent_texts() == [answer]
    assert methods(h) == ["sendMessage"]
    assert await h.counts() == before


async def test_without_an_argument_offers_started_campaigns(h: BotHarness) -> None:
    await finished(h)
    await draft(h, "Draft")
    await h.send(VIEWER, "/report")
    [message] = h.session.of("sendMessage")
    assert message["text"] == (
        "Which campaign's report?\nSend /report with a campaign's id or name, e.g. /report 12."
    )
    buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert [(b["text"], b["callback_data"]) for b in buttons] == [("📊 #1 Spring", "rp:1")]


async def test_without_an_argument_and_nothing_to_offer(h: BotHarness) -> None:
    await h.send(OWNER, "/report", lang="ru")
    [message] = h.session.of("sendMessage")
    assert message["text"] == (
        "Отправьте /report с номером или названием кампании, например /report 12."
    )
    assert "reply_markup" not in message


async def test_report_button(h: BotHarness) -> None:
    await finished(h)
    await h.press(VIEWER, "rp:1", message_id=40)
    assert methods(h) == ["answerCallbackQuery", *REPORT]
    assert h.session.answers() == ["Sending the report…"]


@pytest.mark.parametrize(
    ("data", "answer"),
    [
        ("rp:99", "There is no campaign #99."),
        ("rp:4", "Campaign #4 has not started yet: nothing to report."),
        ("rp:99999999999999999999", "There is no campaign #99999999999999999999."),
        ("rp:x", "This button is no longer valid"),
        ("rp:-1", "There is no campaign #-1."),
    ],
)
async def test_stale_or_forged_button(h: BotHarness, data: str, answer: str) -> None:
    await finished(h)
    await draft(h, "Twin")
    await draft(h, "twin")
    await draft(h, "Draft")
    before = await h.counts()
    await h.press(OWNER, data)
    assert h.session.answers() == [answer]
    assert methods(h) == ["answerCallbackQuery"]
    assert await h.counts() == before


async def test_strangers_get_no_report(h: BotHarness) -> None:
    await finished(h)
    await h.send(STRANGER, "/report 1")
    assert h.session.sent_texts() == ["This is a private bot. Ask its owner to add you."]
    assert methods(h) == ["sendMessage"]


async def test_429_on_the_csv_sends_the_rest_later_and_the_text_once(
    h: BotHarness, worker: procrastinate.App
) -> None:
    await finished(h)
    h.session.fail_flood("sendDocument", retry_after=30)
    await h.send(OWNER, "/report 1")
    assert methods(h) == ["sendMessage", "sendDocument"]
    [later] = await work(h, worker)
    assert (later["task_name"], later["status"], later["later"]) == ("send_report", "todo", True)
    assert later["args"] == {
        "campaign_id": 1,
        "chat_id": OWNER,
        "lang": "en",
        "parts": ["csv", "chart"],
        "attempt": 0,
    }
    await due_now(h)
    assert await work(h, worker) == []
    assert methods(h) == ["sendMessage", "sendDocument", "sendDocument", "sendPhoto"]
    assert len(h.session.sent_texts()) == 1
    assert len(csv_rows_of_last(h)) == 11


def csv_rows_of_last(h: BotHarness) -> list[bytes]:
    """Lines of the last CSV uploaded (an earlier upload may have met a 429)."""
    documents = [data for method, _, _, data in h.session.uploads if method == "sendDocument"]
    return documents[-1].splitlines()


async def test_429_on_the_text_postpones_the_whole_report(
    h: BotHarness, worker: procrastinate.App
) -> None:
    await finished(h)
    h.session.fail_flood("sendMessage", retry_after=5)
    await h.send(OWNER, "/report Spring")
    assert methods(h) == ["sendMessage"]
    [later] = await work(h, worker)
    assert later["args"]["parts"] == ["text", "csv", "chart"]
    await due_now(h)
    assert await work(h, worker) == []
    assert methods(h) == ["sendMessage", *REPORT]


async def test_a_refused_chart_loses_nothing_else(h: BotHarness, worker: procrastinate.App) -> None:
    await finished(h)
    h.session.fail_next("sendPhoto", 400, "Bad Request: IMAGE_PROCESS_FAILED")
    await h.send(OWNER, "/report 1")
    assert methods(h) == REPORT
    assert h.session.sent_texts()[0].startswith("📊")
    assert await work(h, worker) == []  # nothing left to try: Telegram said no


async def test_a_server_error_on_the_chart_tries_it_again(
    h: BotHarness, worker: procrastinate.App
) -> None:
    await finished(h)
    h.session.fail_next("sendPhoto", 502, "Bad Gateway")
    await h.send(OWNER, "/report 1")
    [later] = await work(h, worker)
    assert (later["args"]["parts"], later["args"]["attempt"]) == (["chart"], 1)
    await due_now(h)
    assert await work(h, worker) == []
    assert methods(h) == [*REPORT, "sendPhoto"]


async def test_a_blocked_chat_gets_nothing_more(h: BotHarness, worker: procrastinate.App) -> None:
    await finished(h)
    h.session.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await h.send(OWNER, "/report 1")
    assert methods(h) == ["sendMessage"]
    assert await work(h, worker) == []


async def test_a_running_campaign_reports_so_far(h: BotHarness) -> None:
    await finished(h)
    async with h.pool.connection() as conn:
        await conn.execute(
            "UPDATE campaigns SET status = 'running', finished_at = NULL, "
            "started_at = now() - interval '9 minutes 30 seconds' WHERE id = 1"
        )
        await conn.execute(
            "UPDATE deliveries SET status = 'queued', next_attempt_at = now() "
            "WHERE status = 'cancelled'"
        )
        await conn.execute("DELETE FROM audit_log")
    await h.send(OWNER, "/report 1")
    [text] = h.session.sent_texts()
    lines = text.splitlines()
    assert lines[1:4] == [
        "🚀 Running",
        "Sent 5 · failed 3 of 10",
        "Skipped 1 channel of the batch: it was switched off.",
    ]
    assert lines[4] == "Still to send: 2."
    assert lines[-2:] == [
        "Running for 10 min so far, planned 50 min at 0.2/min.",
        "No flood waits.",
    ]
