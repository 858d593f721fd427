"""The report of a campaign over several accounts: a short table per account, and the CSV's
`account` column naming the account that sent (or tried) each post."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import procrastinate
import pytest
from PIL import Image

from predlagator.bot.campaigns import notices
from predlagator.bot.reports import account_panel as ap
from predlagator.bot.reports import chart as rc
from predlagator.db.pool import Pool
from predlagator.queue import defer
from predlagator.queue.app import make_app
from tests.fakes.bot_api import BotHarness, bot_harness
from tests.report_world import csv_rows, finished, work


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


async def split_over_two(h: BotHarness, *, cap: float | None) -> None:
    """The finished campaign, sent through main and a simulated account: positions 2, 4, 7."""
    await h.rows(
        "UPDATE accounts SET kind = 'simulated', name = 'rehearsal' WHERE name = 'other' "
        "RETURNING id"
    )
    await h.rows(
        "INSERT INTO campaign_accounts (campaign_id, account_id) VALUES (1, 2) RETURNING 1"
    )
    await h.rows("UPDATE deliveries SET account_id = 2 WHERE position IN (2, 4, 7) RETURNING id")
    await h.rows("UPDATE campaigns SET rate_per_minute = %s RETURNING id", cap)


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_the_report_splits_per_account(
    h: BotHarness, worker: procrastinate.App, lang: str
) -> None:
    await finished(h, language=lang)
    await split_over_two(h, cap=None)
    await defer.campaign_finished(h.app, 1)
    assert await work(h, worker) == []
    [report] = h.session.sent_texts()
    lines = report.splitlines()
    if lang == "en":
        assert lines[10:15] == [
            "<b>By account</b>",
            "• main: sent 3 · failed 2",
            "• rehearsal 🧪 simulated: sent 2 · failed 1",
            "",
            "Took 52 min, planned 15 s at 40/min.",  # no cap: both paces together
        ]
    else:
        assert lines[10:13] == [
            "<b>По аккаунтам</b>",
            "• main: отправлено 3 · ошибок 2",
            "• rehearsal 🧪 симуляция: отправлено 2 · ошибок 1",
        ]
    rows = csv_rows(h, delimiter=";" if lang == "ru" else ",")
    assert rows[0][-2:] == ["account", "link"]
    simulated = "rehearsal 🧪 simulated" if lang == "en" else "rehearsal 🧪 симуляция"
    assert [row[-2] for row in rows[1:]] == [
        "main",
        simulated,
        "main",
        simulated,
        "main",
        "main",
        simulated,
        "main",
        "main",
        "main",
    ]
    # A private channel's link needs its id as the sending account resolved it: the simulated
    # account never resolved +AbCdEf123, so there is no link rather than another account's.
    assert rows[2][-1] == ""


async def test_a_capped_campaign_plans_at_its_cap(h: BotHarness, worker: procrastinate.App) -> None:
    await finished(h)
    await split_over_two(h, cap=0.2)
    await defer.campaign_finished(h.app, 1)
    assert await work(h, worker) == []
    [report] = h.session.sent_texts()
    assert "Took 52 min, planned 50 min at 0.2/min." in report.splitlines()


async def test_the_chart_of_a_split_campaign_has_a_bar_per_account(
    h: BotHarness, worker: procrastinate.App
) -> None:
    await finished(h)
    await split_over_two(h, cap=None)
    await defer.campaign_finished(h.app, 1)
    assert await work(h, worker) == []
    [(_, _, name, data)] = [u for u in h.session.uploads if u[0] == "sendPhoto"]
    assert name == "campaign-1-chart.png"
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert image.size == (rc.WIDTH, ap.height(2))
    # main (sent 3, failed 2) is the busiest and spans the bar column; rehearsal (sent 2,
    # failed 1), simulated, is paler and three fifths as long.
    top, bottom = ap.bar_row(0)
    y = (top + bottom) // 2
    assert image.getpixel((ap.bar_end(3, 5) - 1, y)) == rc.SENT
    assert image.getpixel((ap.bar_end(5, 5) - 1, y)) == rc.FAILED
    top, bottom = ap.bar_row(1)
    y = (top + bottom) // 2
    assert image.getpixel((ap.bar_end(2, 5) - 1, y)) == ap.SIMULATED_SENT
    assert image.getpixel((ap.bar_end(3, 5) - 1, y)) == ap.SIMULATED_FAILED
    assert image.getpixel((ap.bar_end(3, 5) + 1, y)) == rc.BACKGROUND
