"""Refresh reach on the card through the real Dispatcher: the reads made once per 10 minutes,
audited and kicked; refused in words within them; strangers and viewers change nothing; what
the chat is told once read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import procrastinate
import pytest

from predlagator.bot import notifications
from predlagator.bot.actions import notices
from predlagator.db import action_rows
from predlagator.db.pool import Pool
from predlagator.models import Role
from predlagator.queue import defer
from predlagator.queue.app import make_app
from tests.actions_world import CARD, S, audit_actions, drains, pa, posted
from tests.fakes.bot_api import OWNER, STRANGER, VIEWER, BotHarness, bot_harness

REFRESH = pa("reach")
VIEWER_REFUSAL = "You can look, but viewers can't change anything."


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool, timezone="Europe/Moscow") as harness:
        await harness.add(VIEWER, Role.VIEWER)
        yield harness


def alerts(h: BotHarness) -> list[tuple[Any, Any]]:
    return [(p.get("text"), p.get("show_alert")) for p in h.session.of("answerCallbackQuery")]


async def reach_rows(h: BotHarness) -> list[dict[str, Any]]:
    return await h.rows(
        "SELECT ca.label, ca.created_by, x.delivery_id, x.status FROM actions x "
        "JOIN campaign_actions ca ON ca.id = x.action_id WHERE x.kind = 'reach' ORDER BY x.id"
    )


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "Reading the reach of 3 posts of campaign #1; the report has it once read."),
        ("ru", "Читаю охват 3 постов кампании #1; когда прочту, он будет в отчёте."),
    ],
)
async def test_refresh_reads_every_post_out_once_audited_and_kicked(
    h: BotHarness, lang: str, said: str
) -> None:
    await posted(h, status=S.COMPLETED, language=lang)
    await h.press(OWNER, REFRESH, message_id=CARD, lang=lang)
    assert alerts(h) == [(said, True)]
    rows = await reach_rows(h)
    assert [(r["label"], r["created_by"], r["status"]) for r in rows] == [
        ("manual", OWNER, "queued")
    ] * 3
    assert await drains(h) == [{"queue": "account-1", "args": {"account_id": 1}}]
    assert await audit_actions(h) == [("reach.refresh", "campaign", 1, {"posts": 3})]


async def test_a_second_refresh_within_ten_minutes_is_refused_in_words(h: BotHarness) -> None:
    await posted(h)
    await h.press(OWNER, REFRESH, message_id=CARD)
    before = await h.counts()

    h.session.reset()
    await h.press(OWNER, REFRESH, message_id=CARD)  # a double press
    [(text, alert)] = alerts(h)
    assert alert is True and text.startswith("Reach is being read just now; you can refresh")

    # Four minutes later: how long ago, and when it may go again, in the bot's TIMEZONE.
    await h.rows(
        "UPDATE campaigns SET reach_refreshed_at = reach_refreshed_at - interval '4 minutes' "
        "RETURNING id"
    )
    [row] = await h.rows("SELECT reach_refreshed_at AS at FROM campaigns WHERE id = 1")
    again = (row["at"] + timedelta(minutes=10)).astimezone(h.settings.zone).strftime("%H:%M")
    h.session.reset()
    await h.press(OWNER, REFRESH, message_id=CARD)
    assert alerts(h) == [(f"Reach was read 4 min ago; you can refresh again at {again}.", True)]
    h.session.reset()
    await h.press(OWNER, REFRESH, message_id=CARD, lang="ru")
    assert alerts(h) == [(f"Охват читали 4 минуты назад; обновить снова можно в {again}.", True)]
    assert await h.counts() == before  # nothing made, nothing kicked, nothing audited

    # Past the ten minutes, it goes again.
    await h.rows(
        "UPDATE campaigns SET reach_refreshed_at = reach_refreshed_at - interval '7 minutes' "
        "RETURNING id"
    )
    h.session.reset()
    await h.press(OWNER, REFRESH, message_id=CARD)
    assert alerts(h)[0][0].startswith("Reading the reach of 3 posts")
    assert len(await reach_rows(h)) == 6


async def test_a_campaign_with_no_post_out_has_nothing_to_read(h: BotHarness) -> None:
    await posted(h, sent=0)
    await h.press(OWNER, REFRESH, message_id=CARD)
    assert alerts(h) == [("Campaign #1 has no posts out yet, so there is no reach to read.", True)]
    assert await reach_rows(h) == []
    [row] = await h.rows("SELECT reach_refreshed_at FROM campaigns WHERE id = 1")
    assert row["reach_refreshed_at"] is None  # the ten minutes do not start


async def test_a_viewer_pressing_is_refused_and_a_stranger_gets_a_silent_answer(
    h: BotHarness,
) -> None:
    await posted(h)
    before = await h.counts()
    await h.press(VIEWER, REFRESH, message_id=CARD)
    assert alerts(h) == [(VIEWER_REFUSAL, True)]
    h.session.reset()
    await h.press(STRANGER, REFRESH, message_id=CARD)
    assert h.session.answers() == [None]
    assert [name for name, _ in h.session.calls] == ["answerCallbackQuery"]
    assert await h.counts() == before


@pytest.fixture
async def worker(pool: Pool) -> AsyncIterator[procrastinate.App]:
    app = make_app(notices.blueprint)
    await app.open_async(pool=pool)
    yield app
    await app.close_async()


async def test_once_read_the_chat_is_told_the_totals(
    h: BotHarness, worker: procrastinate.App
) -> None:
    await posted(h, status=S.COMPLETED)
    await h.press(OWNER, REFRESH, message_id=CARD)
    # The drain reads them (tests/delivery/test_reach_drain.py); here, its records.
    async with h.pool.connection() as conn:
        await conn.execute(
            "UPDATE deliveries SET views = 100 * position, forwards = 1, reactions = 2, "
            "reach_read_at = now() WHERE status = 'sent'"
        )
        await conn.execute("UPDATE actions SET status = 'done', done_at = now()")
        # Ended as a drain ends it, which defers the summary.
        [ended] = await action_rows.finish_done(conn)
    await defer.action_finished(h.app, ended.id)
    h.session.reset()
    await worker.run_worker_async(
        queues=["notifications"],
        wait=False,
        additional_context=notifications.make_bot_worker_context(h.bot, h.pool),
    )
    assert h.session.sent_texts() == [
        "📊 Campaign #1 «Spring»: reach read.\n"
        "Views: 600 in 3 channels · median 200\n"
        "Forwards 3 · reactions 6\n"
        "The whole report: /report 1"
    ]
