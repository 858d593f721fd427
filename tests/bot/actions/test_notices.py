"""action_finished on the notifications queue: the card drawn once more and the summary, in
the campaign's language, with outcomes in the actions' own words; and the report's part."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import procrastinate
import pytest

from predlagator.bot import notifications
from predlagator.bot.actions import notices
from predlagator.bot.campaigns import notices as campaign_notices
from predlagator.db import actions
from predlagator.db.pool import Pool
from predlagator.models import PostAction
from predlagator.queue import defer
from predlagator.queue.app import make_app
from tests.actions_world import CARD, S, buttons, end_rows, finish, pa, posted
from tests.fakes.bot_api import OWNER, BotHarness, bot_harness

QUESTION = 900


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        yield harness


@pytest.fixture
async def worker(pool: Pool) -> AsyncIterator[procrastinate.App]:
    """The bot process's worker app: the notifier's tasks on the same pool."""
    app = make_app(notices.blueprint, campaign_notices.blueprint)
    await app.open_async(pool=pool)
    yield app
    await app.close_async()


async def work(h: BotHarness, worker: procrastinate.App) -> list[dict[str, Any]]:
    """Run every due notification job; the jobs left that did not succeed."""
    await worker.run_worker_async(
        queues=["notifications"],
        wait=False,
        additional_context=notifications.make_bot_worker_context(h.bot, h.pool),
    )
    return [j for j in await h.jobs() if j["status"] not in {"succeeded"}]


async def deleted(h: BotHarness, *, language: str = "en", cancel: bool = False) -> int:
    """A finished campaign of 3 posts out, deleted: one gone, one already gone, one refused."""
    await posted(h, status=S.COMPLETED, language=language)
    await h.send(OWNER, "/delete 1", lang=language)
    await h.press(OWNER, pa("delete_yes"), message_id=QUESTION, lang=language)
    async with h.pool.connection() as conn:
        [action] = await actions.of_campaign(conn, 1)
    outcomes = [("done", None), ("done", "MESSAGE_ID_INVALID"), ("failed", "CHAT_ADMIN_REQUIRED")]
    await end_rows(h, action.id, outcomes)
    await finish(h, action.id, "cancelled" if cancel else "completed")
    async with h.pool.connection() as conn:
        await conn.execute("DELETE FROM procrastinate_jobs")
    h.session.reset()
    return action.id


@pytest.mark.parametrize(
    ("lang", "summary"),
    [
        (
            "en",
            [
                "🗑 Campaign #1 «Spring»: the delete is done.",
                "2 of 3 done, 1 failed",
                "Failed:",
                "• only admins may delete: 1",
                "Of those done:",
                "• already gone: 1",
            ],
        ),
        (
            "ru",
            [
                "🗑 Кампания #1 «Spring»: удаление завершено.",
                "готово 2 из 3, с ошибкой 1",
                "С ошибкой:",
                "• удалять могут только админы: 1",
                "Из выполненных:",
                "• уже не было: 1",
            ],
        ),
    ],
)
async def test_a_finished_delete_is_summed_up(
    h: BotHarness, worker: procrastinate.App, lang: str, summary: list[str]
) -> None:
    action_id = await deleted(h, language=lang)
    await defer.action_finished(h.app, action_id)
    assert await work(h, worker) == []
    assert [name for name, _ in h.session.calls] == ["editMessageText", "sendMessage"]
    [card] = h.session.edits()
    assert card["message_id"] == CARD and "🗑" not in card["text"]
    assert buttons(card)[0][1] == "rp:1"
    [said] = h.session.sent_texts()
    assert said.splitlines() == summary


async def test_a_card_offers_no_action_once_every_post_is_deleted(
    h: BotHarness, worker: procrastinate.App
) -> None:
    await posted(h, status=S.COMPLETED)
    await h.send(OWNER, "/delete 1")
    await h.press(OWNER, pa("delete_yes"), message_id=QUESTION)
    await end_rows(h, 1, [("done", None), ("done", None), ("done", "MESSAGE_ID_INVALID")])
    await finish(h, 1)
    async with h.pool.connection() as conn:
        await conn.execute("DELETE FROM procrastinate_jobs")
    h.session.reset()
    await defer.action_finished(h.app, 1)
    assert await work(h, worker) == []
    [card] = h.session.edits()
    offered = [data for _, data in buttons(card)]
    assert offered and not [data for data in offered if data.startswith("pa:")], offered


async def test_a_card_still_offers_actions_while_a_post_is_left(
    h: BotHarness, worker: procrastinate.App
) -> None:
    action_id = await deleted(h)  # one delete refused: that post is still out
    await defer.action_finished(h.app, action_id)
    assert await work(h, worker) == []
    [card] = h.session.edits()
    assert pa("edit") in [data for _, data in buttons(card)]


async def test_a_cancelled_action_says_so(h: BotHarness, worker: procrastinate.App) -> None:
    await posted(h, status=S.COMPLETED)
    await h.send(OWNER, "/pin 1")
    await h.press(OWNER, pa("pin_yes"), message_id=QUESTION)
    await h.press(OWNER, pa("cancel_yes", action=1), message_id=QUESTION)
    async with h.pool.connection() as conn:
        await conn.execute("DELETE FROM procrastinate_jobs")
    await finish(h, 1, "cancelled")
    h.session.reset()
    await defer.action_finished(h.app, 1)
    assert await work(h, worker) == []
    assert h.session.sent_texts() == [
        "📌 Campaign #1 «Spring»: the pin was cancelled.\n0 of 3 done, 0 failed · 3 not done"
    ]


async def test_an_unknown_action_says_nothing(h: BotHarness, worker: procrastinate.App) -> None:
    await defer.action_finished(h.app, 42)
    assert await work(h, worker) == []
    assert h.session.calls == []


async def test_the_report_tells_each_action(h: BotHarness, worker: procrastinate.App) -> None:
    await deleted(h)
    await defer.campaign_finished(h.app, 1)
    assert await work(h, worker) == []
    [report] = h.session.sent_texts()
    lines = report.splitlines()
    start = lines.index("<b>After the send</b>")
    assert lines[start:] == [
        "<b>After the send</b>",
        "🗑 Delete · ✅ Completed: 2 of 3 done, 1 failed",
        "Failed:",
        "• only admins may delete: 1",
        "Of those done:",
        "• already gone: 1",
    ]
    [document] = [data for method, _, _, data in h.session.uploads if method == "sendDocument"]
    rows = list(csv.reader(io.StringIO(document.decode("utf-8-sig"))))
    header = rows[0]
    cells = [(r[1], r[header.index("delete")], r[header.index("edit")]) for r in rows[1:]]
    assert cells == [
        ("alpha_shop", "deleted", ""),
        ("beta_shop", "deleted (The post was already gone)", ""),
        ("gamma_shop", "failed: Only admins may delete posts in this chat", ""),
        ("delta_shop", "", ""),
        ("eps_shop", "", ""),
    ]


async def test_the_report_shows_the_newest_actions(
    h: BotHarness, worker: procrastinate.App
) -> None:
    await posted(h, status=S.COMPLETED)
    kinds = [PostAction.PIN, PostAction.UNPIN] * 3 + [PostAction.PIN]
    async with h.pool.connection() as conn:
        for kind in kinds:
            action, made = await actions.start(conn, campaign_id=1, kind=kind)
            assert made
            await conn.execute(
                "UPDATE campaign_actions SET status = 'completed', finished_at = now() "
                "WHERE id = %s",
                (action.id,),
            )
    await defer.campaign_finished(h.app, 1)
    assert await work(h, worker) == []
    [report] = h.session.sent_texts()
    lines = report.splitlines()
    start = lines.index("<b>After the send</b>")
    assert lines[start + 1 :] == [
        "…and 2 earlier actions, in the CSV",
        "📌 Pin · ✅ Completed: 0 of 3 done, 0 failed",
        "📍 Unpin · ✅ Completed: 0 of 3 done, 0 failed",
        "📌 Pin · ✅ Completed: 0 of 3 done, 0 failed",
        "📍 Unpin · ✅ Completed: 0 of 3 done, 0 failed",
        "📌 Pin · ✅ Completed: 0 of 3 done, 0 failed",
    ]
