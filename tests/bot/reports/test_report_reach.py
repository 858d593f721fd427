"""The report's reach: the text's section, the CSV's columns and the chart's views panel, over
figures the worker read back (tests/delivery/test_reach_drain.py reads them)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import procrastinate
import pytest
from PIL import Image

from predlagator.bot.campaigns import notices
from predlagator.bot.reports import chart as rc
from predlagator.bot.reports import reach_panel as rp
from predlagator.db.pool import Pool
from predlagator.queue import defer
from predlagator.queue.app import make_app
from tests.fakes.bot_api import BotHarness, bot_harness
from tests.report_world import csv_rows, finished, work

# (ref, views, forwards, reactions, members): a basic group counts no views.
FIGURES = [
    ("alpha_shop", 1200, 7, 34, 4000),
    ("+AbCdEf123", 300, 0, 2, None),
    ("-1009876543210", 500, 1, 0, 1000),
    ("-4001234", None, None, 3, 5),
]
READ_AT = "2026-03-02T10:00:00Z"
SECTION = {
    "en": [
        "<b>Reach</b>",
        "Views: 2000 in 3 channels · median 500",
        "Forwards 8 · reactions 39",
        "Views per 1,000 members: 340",
        "Top channels by views:",
        "1. Alpha Shop: 1200 · 300 per 1,000 members",
        "2. Ёлка «Север»: 500 · 500 per 1,000 members",
        "3. =HYPERLINK(&quot;http://evil&quot;,&quot;x&quot;): 300",
    ],
    "ru": [
        "<b>Охват</b>",
        "Просмотры: 2000 в 3 каналах · медиана 500",
        "Пересылки 8 · реакции 39",
        "Просмотров на 1000 участников: 340",
        "Лучшие каналы по просмотрам:",
        "1. Alpha Shop: 1200 · 300 на 1000 участников",
        "2. Ёлка «Север»: 500 · 500 на 1000 участников",
        "3. =HYPERLINK(&quot;http://evil&quot;,&quot;x&quot;): 300",
    ],
}


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


async def read_back(h: BotHarness) -> None:
    """What the worker's reads left: each post's latest figures, its channel's members."""
    async with h.pool.connection() as conn:
        for ref, views, forwards, reactions, members in FIGURES:
            await conn.execute(
                "UPDATE deliveries d SET views = %s, forwards = %s, reactions = %s, "
                "reach_read_at = %s FROM channels ch WHERE ch.id = d.channel_id AND ch.ref = %s",
                (views, forwards, reactions, READ_AT, ref),
            )
            await conn.execute("UPDATE channels SET members = %s WHERE ref = %s", (members, ref))


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_the_report_gains_reach(h: BotHarness, worker: procrastinate.App, lang: str) -> None:
    await finished(h, language=lang)
    await read_back(h)
    await defer.campaign_finished(h.app, 1)
    assert await work(h, worker) == []

    [report] = h.session.sent_texts()
    lines = report.splitlines()
    start = lines.index(SECTION[lang][0])
    assert lines[start - 1] == ""
    assert lines[start : start + len(SECTION[lang])] == SECTION[lang]
    assert len(report) < 4096

    header, *rows = csv_rows(h, delimiter=";" if lang == "ru" else ",")
    at = header.index("views")
    assert header[at : at + 4] == ["views", "forwards", "reactions", "reach_read_at_utc"]
    by_ref = {row[1]: row[at : at + 4] for row in rows}
    assert by_ref["alpha_shop"] == ["1200", "7", "34", READ_AT]
    assert by_ref["'-4001234"] == ["", "", "3", READ_AT]  # a basic group: no views
    assert by_ref["beta_shop"] == ["", "", "", ""]  # never out: nothing read

    [(_, _, _, data)] = [u for u in h.session.uploads if u[0] == "sendPhoto"]
    image = Image.open(io.BytesIO(data))
    assert image.size == (rc.WIDTH, rc.HEIGHT + rp.height(3))
    [photo] = h.session.of("sendPhoto")
    assert "views by channel below" in photo["caption"] or "просмотры" in photo["caption"]


async def test_a_report_without_reads_has_no_reach(
    h: BotHarness, worker: procrastinate.App
) -> None:
    await finished(h)
    await defer.campaign_finished(h.app, 1)
    assert await work(h, worker) == []
    [report] = h.session.sent_texts()
    assert "<b>Reach</b>" not in report
    [(_, _, _, data)] = [u for u in h.session.uploads if u[0] == "sendPhoto"]
    assert Image.open(io.BytesIO(data)).size == (rc.WIDTH, rc.HEIGHT)
