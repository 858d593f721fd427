"""Final report of a 10,000-delivery, day-long campaign: build time of each part and memory."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).parent.resolve():
    del sys.path[0]  # before asyncio is imported: see bench/__init__.py

import argparse
import asyncio
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from bench.common import fresh_database, machine, report, server
from predlagator.bot.reports import chart, csv_file
from predlagator.bot.reports import sending as report_send
from predlagator.bot.reports import summary as report_text
from predlagator.db import account_split, accounts, batches, campaigns, deliveries, templates
from predlagator.db import report as db_report
from predlagator.db.pool import Pool
from predlagator.models import Campaign
from tests.fakes.bot_api import RecordingSession, make_test_bot

CHAT = 100
# The ledger as a day of sending leaves it: posts spread evenly over `minutes`, about 3% failed
# with a few codes, a third of the channels private (links by internal id), and two flood waits.
LEDGER = """
UPDATE deliveries d SET
    status = CASE WHEN d.position %% 33 = 0 THEN 'failed' ELSE 'sent' END,
    attempts = 1 + (d.position %% 7 = 0)::int,
    message_id = CASE WHEN d.position %% 33 = 0 THEN NULL ELSE 1000 + d.position END,
    error_code = CASE WHEN d.position %% 33 = 0
                      THEN (ARRAY['CHAT_WRITE_FORBIDDEN', 'CHANNEL_PRIVATE', 'NETWORK',
                                  'USER_BANNED_IN_CHANNEL'])[1 + d.position %% 4] END,
    error_text = CASE WHEN d.position %% 33 = 0 THEN 'the channel said no' END,
    sent_at = %(t0)s::timestamptz + (d.position * %(minutes)s * interval '1 minute') / %(n)s,
    updated_at = %(t0)s::timestamptz + (d.position * %(minutes)s * interval '1 minute') / %(n)s
WHERE d.campaign_id = %(id)s
"""
PEERS = """
INSERT INTO account_peers (account_id, channel_id, peer_type, peer_id)
SELECT %(account_id)s, d.channel_id, 'channel', 1500000000 + d.position
FROM deliveries d WHERE d.campaign_id = %(id)s AND d.position %% 3 = 0
"""
TITLES = "UPDATE channels SET title = '=Канал ' || id"
WAITS = """
INSERT INTO audit_log (action, object_type, object_id, details, created_at)
VALUES ('account.flood_wait', 'account', %(account_id)s,
        jsonb_build_object('until', %(t0)s::timestamptz + interval '185 minutes'),
        %(t0)s::timestamptz + interval '180 minutes'),
       ('account.flood_wait', 'account', %(account_id)s,
        jsonb_build_object('until', %(t0)s::timestamptz + interval '15 hours'),
        %(t0)s::timestamptz + interval '14 hours')
"""


async def make_campaign(pool: Pool, n: int, minutes: int) -> Campaign:
    """A finished campaign of `n` deliveries, written straight into the ledger."""
    t0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
    refs = [f"bench_{i:06d}" for i in range(n)]
    async with pool.connection() as conn:
        account = await accounts.ensure(conn, accounts.MAIN_ACCOUNT, 20.0)
        batch, _ = await batches.create(conn, "bench", refs, created_by=1)
        template = await templates.create(conn, "post", "<b>Sale</b>", created_by=1)
        campaign = await campaigns.create(
            conn,
            name="bench",
            batch_id=batch.id,
            template_id=template.id,
            account_id=account.id,
            rate_per_minute=n / minutes,
            retry_limit=3,
            chat_id=CHAT,
            language="ru",
            created_by=1,
        )
        await deliveries.snapshot(conn, campaign.id)
        params = {"id": campaign.id, "account_id": account.id, "t0": t0}
        await conn.execute(LEDGER, {**params, "minutes": minutes, "n": n})
        await conn.execute(PEERS, params)
        await conn.execute(TITLES)
        await conn.execute(WAITS, params)
        await conn.execute(
            "UPDATE campaigns SET status = 'completed', started_at = %(t0)s, "
            "finished_at = %(t0)s::timestamptz + %(minutes)s * interval '1 minute' "
            "WHERE id = %(id)s",
            {**params, "minutes": minutes},
        )
        await conn.execute("ANALYZE")
        found = await campaigns.get(conn, campaign.id)
    assert found is not None
    return found


async def timed(repeats: int, step: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """Median wall time and median CPU time of this process for `step`, in milliseconds.

    CPU time is the steadier figure on a shared machine; the difference is mostly PostgreSQL.
    """
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        await step()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return round(statistics.median(wall), 1), round(statistics.median(cpu), 1)


async def main(n: int, minutes: int, repeats: int) -> dict[str, Any]:
    with server() as url:
        async with fresh_database(url) as (_, pool):
            campaign = await make_campaign(pool, n, minutes)
            now = datetime.now(UTC)
            sizes: dict[str, int] = {}

            async def text() -> None:
                async with pool.connection() as conn:
                    summary = await report_text.summary(conn, campaign, now)
                report_text.render_text(summary, "ru")

            async def csv() -> None:
                async with pool.connection() as conn:
                    shares = await account_split.of_campaign(conn, campaign.id)
                    cells = csv_file.account_cells(shares, "ru")
                    data, rows = await csv_file.build(
                        db_report.lines(conn, campaign.id), "ru", cells
                    )
                assert rows == n
                sizes["csv_kb"] = len(data) // 1024

            series = None

            async def chart_data() -> None:
                nonlocal series
                async with pool.connection() as conn:
                    series = await report_text.series(conn, campaign, now)

            await chart_data()
            assert series is not None
            frame = chart.frame(series.start, series.end)
            labels = report_text.chart_labels(campaign.id, "ru", frame.per_bar)
            chart.render(series, labels)  # loads the font once, as a running bot has

            async def draw() -> None:
                assert series is not None
                sizes["png_kb"] = len(chart.render(series, labels)) // 1024

            session = RecordingSession()
            bot = make_test_bot(session)

            async def whole() -> None:
                assert await report_send.deliver(bot, pool, campaign.id, CHAT, "ru") is None

            result: dict[str, Any] = {"deliveries": n, "minutes": minutes, "bars": frame.bars}
            steps = {"text": text, "csv": csv, "chart_query": chart_data, "chart_render": draw}
            for name, step in {**steps, "report": whole}.items():
                wall, cpu = await timed(repeats, step)
                result[f"{name}_ms"], result[f"{name}_cpu_ms"] = wall, cpu
            # Memory apart from timing: tracemalloc slows every allocation down.
            tracemalloc.start()
            await whole()
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            await bot.session.close()
            uploads = [method for method, _, _, _ in session.uploads]
            assert uploads.count("sendDocument") == uploads.count("sendPhoto") == repeats + 1
    return {**result, "peak_python_mb": round(peak / 2**20, 1), **sizes}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--minutes", type=int, default=24 * 60, help="the campaign's span")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    report(asyncio.run(main(args.deliveries, args.minutes, args.repeats)))
