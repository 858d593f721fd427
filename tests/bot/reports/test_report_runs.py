"""The report of a campaign retried: the first send's numbers as they were, each retry's own,
the ledger as it is now, and the time the runs took (not the hours between them)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import procrastinate
import pytest

from predlagator.bot.campaigns import notices
from predlagator.db import campaigns, deliveries, retries
from predlagator.db.pool import Pool
from predlagator.queue import defer
from predlagator.queue.app import make_app
from tests.bot.reports.test_report import REPORT_EN
from tests.fakes.bot_api import OWNER, BotHarness, bot_harness
from tests.report_world import csv_rows, finished, methods, work


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


async def test_a_retried_campaign_reports_each_run(
    h: BotHarness, worker: procrastinate.App
) -> None:
    campaign = await finished(h)  # cancelled at 10:52: 5 sent, 3 failed, 2 cancelled
    async with h.pool.connection() as conn:
        # delta_shop failed for a transient reason; the other two for good, channels on.
        outcome = await retries.start(conn, campaign.id, OWNER)
        assert isinstance(outcome, retries.Started)
        assert outcome.requeued == 1
        row = next(
            d
            for d in await deliveries.list_for_campaign(conn, campaign.id)
            if d.status.value == "queued"
        )
        assert await deliveries.mark_sending(conn, row.id)
        assert await deliveries.mark_sent(conn, row.id, 104)
        assert await campaigns.complete_if_done(conn, campaign.id) is not None
        # The retry ran from 12:00 to 12:05, an hour after the first send ended.
        await conn.execute(
            "UPDATE campaign_runs SET started_at = '2026-03-01T12:00:00Z' WHERE run = 2"
        )
        await conn.execute(
            "UPDATE campaigns SET started_at = '2026-03-01T12:00:00Z', "
            "finished_at = '2026-03-01T12:05:00Z' WHERE id = %s",
            (campaign.id,),
        )
        await conn.execute(
            "UPDATE deliveries SET sent_at = '2026-03-01T12:04:00Z' WHERE id = %s", (row.id,)
        )
    await defer.campaign_finished(h.app, campaign.id)
    assert await work(h, worker) == []
    assert methods(h) == ["editMessageText", "sendMessage", "sendDocument", "sendPhoto"]
    [report] = h.session.sent_texts()
    assert report.splitlines() == [
        "📊 <b>Report: Spring</b> · #1",
        "✅ Completed",
        "Sent 6 · failed 2 · cancelled 2 of 10",
        "Skipped 1 channel of the batch: it was switched off.",
        "",
        "<b>By run</b>",
        # The first send's numbers as its own report said them (REPORT_EN's third line).
        "• First send: sent 5 · failed 3 · cancelled 2 of 10",
        "• Retry 1: sent 1 · failed 0 of 1",
        "",
        "<b>Why posts failed</b>",
        "• private, or the account removed: 1",
        "• not allowed to post: 1",
        "",
        "Took 57 min, planned 50 min at 0.2/min.",  # 52 + 5: the hour between is nobody's
        "Flood waits: 6 min in 1 wait.",
    ]
    assert REPORT_EN[2] == "Sent 5 · failed 3 · cancelled 2 of 10"
    # The CSV's run column names the row the retry sent.
    rows = csv_rows(h)
    assert rows[0][8] == "run"
    assert [(r[1], r[3], r[8]) for r in rows[1:] if r[8] != "1"] == [("delta_shop", "sent", "2")]
