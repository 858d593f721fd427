"""Sending a report into a chat: the text, then the CSV, then the chart, each on its own."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import procrastinate
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile

from predlagator.bot.reports import account_panel, csv_file, post_actions, reach_panel
from predlagator.bot.reports import chart as report_chart
from predlagator.bot.reports import reach as report_reach
from predlagator.bot.reports import summary as report
from predlagator.bot.texts import t, tn
from predlagator.db import account_split, campaigns
from predlagator.db import report as db_report
from predlagator.db.pool import Pool
from predlagator.models import Campaign
from predlagator.queue import defer

log = logging.getLogger(__name__)
UTC_ZONE = ZoneInfo("UTC")

# In this order: the text matters most, so it goes first and nothing after it can lose it.
PARTS = ("text", "csv", "chart")
# How long to wait before another try when Telegram or the network had a hiccup, and how
# many such tries; Telegram's own "retry after" is always obeyed, however often it comes.
RETRY_S = 5.0
MAX_TRIES = 5
# A report asked for again this soon after the last one into the same chat is not sent again:
# it is a second tap, or an impatient one (the CSV and the chart take a few seconds).
AGAIN_AFTER_S = 30.0


@dataclass(frozen=True)
class Postponed:
    """Telegram asked us to come back later: the parts not yet sent and when to try again."""

    parts: list[str]
    delay_s: float
    transient: bool  # a network or server error rather than Telegram's own rate limit


async def claim(pool: Pool, campaign_id: int, chat_id: int) -> bool:
    """May a report asked for now go into the chat? Not while one is on its way or just went."""
    async with pool.connection() as conn:
        return await db_report.claim_send(
            conn,
            campaign_id,
            chat_id,
            lock=defer.report_lock(campaign_id, chat_id),
            window_s=AGAIN_AFTER_S,
        )


async def send(
    app: procrastinate.App,
    bot: Bot,
    pool: Pool,
    campaign_id: int,
    chat_id: int,
    lang: str,
    parts: list[str] | None = None,
    attempt: int = 0,
    zone: ZoneInfo = UTC_ZONE,
) -> None:
    """Send the report now; whatever Telegram defers comes later as a job, never twice
    (`zone`: TIMEZONE, in which a recurring campaign's next round is said)."""
    postponed = await deliver(bot, pool, campaign_id, chat_id, lang, parts or PARTS, zone)
    if postponed is None:
        return
    if postponed.transient and attempt + 1 >= MAX_TRIES:
        log.warning("report given up", extra={"campaign_id": campaign_id, "chat_id": chat_id})
        return
    await defer.send_report(
        app,
        campaign_id,
        chat_id,
        lang,
        postponed.parts,
        delay_s=postponed.delay_s,
        attempt=attempt + 1 if postponed.transient else attempt,
    )


async def deliver(
    bot: Bot,
    pool: Pool,
    campaign_id: int,
    chat_id: int,
    lang: str,
    parts: tuple[str, ...] | list[str] = PARTS,
    zone: ZoneInfo = UTC_ZONE,
) -> Postponed | None:
    """Send the report's parts in order; return what is left when Telegram says "later"."""
    async with pool.connection() as conn:
        campaign = await campaigns.get(conn, campaign_id)
    if campaign is None:
        return None
    remaining = [part for part in PARTS if part in parts]
    while remaining:
        part = remaining[0]
        try:
            await _send_part(bot, pool, campaign, chat_id, lang, part, zone)
        except TelegramRetryAfter as exc:
            return Postponed(remaining, float(exc.retry_after), transient=False)
        except (TelegramNetworkError, TelegramServerError):
            return Postponed(remaining, RETRY_S, transient=True)
        except (TelegramForbiddenError, TelegramNotFound) as exc:
            # The bot was blocked or the chat is gone: the other parts cannot arrive either.
            log.warning("report not delivered", extra={"chat_id": chat_id, "error": exc.message})
            return None
        except TelegramBadRequest as exc:
            log.warning(
                "report part refused",
                extra={"campaign_id": campaign_id, "part": part, "error": exc.message},
            )
        except Exception:
            # A part that cannot be built (a bug, a bad row) must not take the others with it:
            # the text went first, and the rest still goes.
            log.exception("report part failed", extra={"campaign_id": campaign_id, "part": part})
        remaining.pop(0)
    return None


async def _send_part(
    bot: Bot,
    pool: Pool,
    campaign: Campaign,
    chat_id: int,
    lang: str,
    part: str,
    zone: ZoneInfo = UTC_ZONE,
) -> None:
    now = datetime.now(UTC)
    if part == "text":
        async with pool.connection() as conn:
            summary = await report.summary(conn, campaign, now)
        await bot.send_message(chat_id, report.render_text(summary, lang, zone))
    elif part == "csv":
        await _send_csv(bot, pool, campaign, chat_id, lang)
    elif part == "chart":
        await _send_chart(bot, pool, campaign, chat_id, lang, now)


async def _send_csv(bot: Bot, pool: Pool, campaign: Campaign, chat_id: int, lang: str) -> None:
    async with pool.connection() as conn:
        cells = csv_file.account_cells(await account_split.of_campaign(conn, campaign.id), lang)
        acted = post_actions.cells(await post_actions.read(conn, campaign.id), lang)
        data, rows = await csv_file.build(db_report.lines(conn, campaign.id), lang, cells, acted)
    if not rows:
        return  # no ledger, nothing to list
    caption = tn(
        lang,
        "Campaign #{id}: {n} delivery with its status, error and link.",
        "Campaign #{id}: {n} deliveries with their status, error and link.",
        rows,
        id=campaign.id,
    )
    document = BufferedInputFile(data, filename=csv_file.filename(campaign.id))
    await bot.send_document(chat_id, document, caption=caption)


async def _send_chart(
    bot: Bot, pool: Pool, campaign: Campaign, chat_id: int, lang: str, now: datetime
) -> None:
    async with pool.connection() as conn:
        series = await report.series(conn, campaign, now)
        shares = await account_split.of_campaign(conn, campaign.id)
        reach = await report_reach.read(conn, campaign.id)
    if series is None:
        return  # nothing was sent or failed: an empty chart says nothing
    per_bar = report_chart.frame(series.start, series.end).per_bar
    labels = report.chart_labels(campaign.id, lang, per_bar)
    bars, words = report.account_bars(shares, lang), report.panel_words(lang)
    views = report_reach.chart_bars(reach, reach_panel.MAX_ROWS)
    # Drawing is CPU work; off the event loop it cannot delay the bot's other chats.
    png = await asyncio.to_thread(
        _draw, series, labels, bars, words, views, report.reach_title(lang)
    )
    caption = t(
        lang,
        "Campaign #{id}: posts per minute, failures in red, flood waits shaded.",
        id=campaign.id,
    )
    if views:
        caption = t(
            lang,
            "Campaign #{id}: posts per minute, failures in red, flood waits shaded; "
            "views by channel below.",
            id=campaign.id,
        )
    photo = BufferedInputFile(png, filename=f"campaign-{campaign.id}-chart.png")
    await bot.send_photo(chat_id, photo, caption=caption)


def _draw(
    series: report_chart.Series,
    labels: report_chart.Labels,
    bars: list[account_panel.AccountBar],
    words: account_panel.PanelWords,
    views: list[tuple[str, int]],
    views_title: str,
) -> bytes:
    """The chart, its accounts' panel, and its views panel (reach_panel), as PNG bytes."""
    return reach_panel.add(account_panel.render(series, labels, bars, words), views, views_title)
