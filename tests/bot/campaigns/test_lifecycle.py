"""What a control leaves in the chat, counted in Bot API calls: a Cancel is one card edit and
one final report (its text, CSV and chart), however many redraws were asked for meanwhile."""

from __future__ import annotations

from collections.abc import AsyncIterator

import procrastinate
import pytest

from predlagator.bot import notifications
from predlagator.bot.campaigns import notices
from predlagator.db import campaigns, deliveries
from predlagator.db.pool import Pool
from predlagator.models import CampaignStatus
from predlagator.queue import defer
from predlagator.queue.app import make_app
from tests.factories import make_campaign
from tests.fakes.bot_api import OWNER, BotHarness, bot_harness

S = CampaignStatus
CARD = 1  # the card /start_campaign sends is the chat's first bot message


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        yield harness


@pytest.fixture
async def worker(pool: Pool) -> AsyncIterator[procrastinate.App]:
    """The bot process's notifications worker, on the same pool."""
    app = make_app(notices.blueprint)
    await app.open_async(pool=pool)
    yield app
    await app.close_async()


async def work(h: BotHarness, worker: procrastinate.App) -> None:
    """Run every due notification job."""
    await worker.run_worker_async(
        queues=["notifications"],
        wait=False,
        additional_context=notifications.make_bot_worker_context(h.bot, h.pool),
    )


async def sending(h: BotHarness, *, in_flight: bool = False) -> None:
    """Campaign #1 started from the bot (its card is message 1) and sending: one post sent, one
    failed, one queued (or, `in_flight`, on its way); the drain has asked for a redraw."""
    await make_campaign(h.pool, ["alpha_shop", "beta_shop", "gamma_shop"], chat_id=OWNER)
    await h.send(OWNER, "/start_campaign 1")
    async with h.pool.connection() as conn:
        await conn.execute("DELETE FROM procrastinate_jobs")  # the launch: done by hand below
        await deliveries.snapshot(conn, 1)
        await campaigns.transition(conn, 1, S.RUNNING)
        first, second, third = await deliveries.list_for_campaign(conn, 1)
        assert await deliveries.mark_sending(conn, first.id)
        assert await deliveries.mark_sent(conn, first.id, 555)
        assert await deliveries.mark_sending(conn, second.id)
        await deliveries.mark_failed(conn, second.id, "CHANNEL_PRIVATE", "private")
        if in_flight:
            assert await deliveries.mark_sending(conn, third.id)
    # What the drain defers after each post: a redraw, still waiting when the cancel comes.
    await defer.refresh_progress(h.app, 1, delay_s=0)


def calls(h: BotHarness) -> list[tuple[str, int | None]]:
    """Every recorded Bot API call with the message it touched, if any."""
    return [(name, params.get("message_id")) for name, params in h.session.calls]


async def test_cancel_is_one_card_edit_and_one_report(
    h: BotHarness, worker: procrastinate.App
) -> None:
    await sending(h)
    h.session.reset()
    await h.press(OWNER, "c:1:cancel", message_id=CARD)
    assert calls(h) == [("sendMessage", None), ("answerCallbackQuery", None)]  # the question
    question = 2

    h.session.reset()
    await h.press(OWNER, "cx:1:1", message_id=question)
    await work(h, worker)
    # The card shows the end once; the question goes (the card and the report answer it); the
    # report follows; the redraw the drain asked for, and the report's own, change nothing.
    assert calls(h) == [
        ("editMessageText", CARD),
        ("deleteMessage", question),
        ("answerCallbackQuery", None),
        ("sendMessage", None),
        ("sendDocument", None),
        ("sendPhoto", None),
    ]
    [card] = h.session.edits()
    assert card["text"].splitlines()[1:] == [
        "⛔ Cancelled",
        "██████░░░░ 66%",
        "Sent 1 · failed 1 · cancelled 1 of 3",
        card["text"].splitlines()[-1],
    ]
    assert card["text"].splitlines()[-1].startswith("Took ")
    assert h.session.answers() == ["Cancelled"]
    [report] = h.session.sent_texts()
    assert report.startswith("📊 <b>Report: campaign</b> · #1\n⛔ Cancelled\n")
    assert await h.jobs() == []  # nothing more to come


async def test_cancel_with_a_post_on_its_way_shows_the_stop_then_the_end(
    h: BotHarness, worker: procrastinate.App
) -> None:
    await sending(h, in_flight=True)
    await h.press(OWNER, "c:1:cancel", message_id=CARD)
    h.session.reset()
    await h.press(OWNER, "cx:1:1", message_id=2)
    await work(h, worker)
    assert calls(h) == [
        ("editMessageText", CARD),
        ("deleteMessage", 2),
        ("answerCallbackQuery", None),
    ]
    assert h.session.edits()[0]["text"].endswith(
        "Sent 1 · failed 1 · sending 1 of 3\nStopping: waiting for the posts already on their way…"
    )

    # The drain records the post and finishes the campaign: the card's end, then the report.
    h.session.reset()
    async with h.pool.connection() as conn:
        [*_, third] = await deliveries.list_for_campaign(conn, 1)
        assert await deliveries.mark_sent(conn, third.id, 556)
        assert await campaigns.complete_if_done(conn, 1) is not None
    await defer.refresh_progress(h.app, 1, delay_s=0)
    await defer.campaign_finished(h.app, 1)
    await work(h, worker)
    assert calls(h) == [
        ("editMessageText", CARD),
        ("sendMessage", None),
        ("sendDocument", None),
        ("sendPhoto", None),
    ]
    assert "Sent 2 · failed 1 of 3" in h.session.edits()[0]["text"]
