"""The progress card: drawn from a campaign and its ledger counts, and kept live in the chat."""

from __future__ import annotations

import hashlib
import html
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import Enum
from zoneinfo import ZoneInfo

import procrastinate
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from predlagator.bot import account_shares as split
from predlagator.bot import rounds_view
from predlagator.bot.actions import views as post_actions
from predlagator.bot.actions.views import CardActions
from predlagator.bot.campaigns.keyboards import CampaignAction
from predlagator.bot.campaigns.retry_offer import NO_RETRY, RetryOffer, retry_button, retry_offer
from predlagator.bot.campaigns.wizard.start_time import show
from predlagator.bot.redraw import not_modified
from predlagator.bot.reports.keyboards import report_buttons
from predlagator.bot.texts import N_, STATUS, Html, duration, error, t
from predlagator.db import account_split, campaigns
from predlagator.db.account_split import AccountShare
from predlagator.db.pool import Pool
from predlagator.db.rows import Conn
from predlagator.models import FINISHED, Campaign, CampaignStatus, Progress
from predlagator.queue import defer

S = CampaignStatus
CELLS = 10
# A campaign waiting for its account's daily cap says so (campaigns.enter_waiting's reason),
# rather than blaming Telegram.
DAILY_CAP = "DAILY_CAP"
CAPPED = N_("⏳ Waiting (daily cap)")
WAITS = frozenset({"FLOOD_WAIT", DAILY_CAP})
UTC_ZONE = ZoneInfo("UTC")
BUTTON = {
    "start": N_("▶️ Start"),
    "pause": N_("⏸ Pause"),
    "resume": N_("▶️ Resume"),
    "cancel": N_("✖️ Cancel"),
    "refresh": N_("🔄 Refresh"),
}


def progress_bar(done: int, total: int) -> str:
    """Ten cells and a percentage, e.g. "███░░░░░░░ 30%"."""
    share = done / total if total else 0.0
    filled = min(CELLS, int(share * CELLS))
    return f"{'█' * filled}{'░' * (CELLS - filled)} {int(share * 100)}%"


def waits_for_start(campaign: Campaign, now: datetime | None = None) -> bool:
    """Scheduled for a moment still ahead (rather than starting right now)."""
    start_at = campaign.start_at
    return (
        campaign.status is S.SCHEDULED
        and start_at is not None
        and start_at > (now or datetime.now(UTC))
    )


def render_card(
    campaign: Campaign,
    progress: Progress,
    lang: str,
    now: datetime | None = None,
    *,
    zone: ZoneInfo = UTC_ZONE,
    shares: Sequence[AccountShare] = (),
    run: int = 1,
    actions: CardActions = post_actions.NONE,
) -> str:
    """The card's HTML: name and id, status, bar, counts, pace and ETA (or the time it took).

    A campaign waiting for its start time says when, in `zone` (TIMEZONE), and nothing more.
    Over several accounts (`shares`) it shows each one's counts and which of them send now;
    each open action over its posts (`actions`) gets a line of its own. Past its first send
    (`run` > 1) it says which retry of its failed posts it is on.
    """
    now = now or datetime.now(UTC)
    title = f"<b>{html.escape(campaign.name)}</b> · #{campaign.id}"
    if waits_for_start(campaign, now) and campaign.start_at is not None:
        return f"{title}\n{scheduled_for(campaign.start_at, lang, zone)}"
    capped = campaign.status is S.WAITING and campaign.status_reason == DAILY_CAP
    status = CAPPED if capped else STATUS[campaign.status.value]
    if rounds_view.between(campaign):
        status = BETWEEN_ROUNDS
    lines = [title, t(lang, status)]
    if (round_line := rounds_view.round_line(campaign, lang, zone)) is not None:
        lines.append(round_line)
    if run > 1:
        lines.append(t(lang, "🔁 Retry {n} of the failed posts", n=run - 1))
    # A wait's own line says why it waits (Telegram's or the cap's): no reason line besides.
    told = campaign.status is S.WAITING and campaign.status_reason in WAITS
    explained = campaign.status in {S.PAUSED, S.WAITING, S.CANCELLED} and not told
    if campaign.status_reason and explained:
        lines.append(t(lang, "Reason: {reason}", reason=error(lang, campaign.status_reason)))
    if campaign.status is S.WAITING and campaign.resume_at is not None:
        lines.append(_wait(campaign.resume_at, lang, now, capped=capped))
    several = len(shares) > 1 and campaign.status not in FINISHED
    if several and (state := split.state_line(shares, now, zone, lang)):
        lines.append(state)
    if campaign.status is S.SCHEDULED and progress.total == 0:
        lines.append(t(lang, "Preparing the channel list…"))
        return "\n".join(lines)
    if campaign.status is S.CANCELLED and campaign.started_at is None:
        lines.append(t(lang, "Cancelled before it started."))
        return "\n".join(lines)
    # The bar is the posts that went (or failed trying), so a cancel does not fill it.
    lines.append(progress_bar(progress.sent + progress.failed, progress.total))
    lines.append(counts(campaign, progress, lang))
    if len(shares) > 1:
        finished = campaign.status in FINISHED
        lines += split.share_lines(shares, now, zone, lang, pending=not finished)
    lines.append(_pace_or_took(campaign, progress, lang, shares))
    lines += post_actions.card_lines(actions, lang, now)
    return "\n".join(lines)


BETWEEN_ROUNDS = rounds_view.BETWEEN_ROUNDS

# The counts of a finished campaign, by what is there to say besides sent and failed.
_ENDED = {
    (False, False): N_("Sent {sent} · failed {failed} of {total}"),
    (True, False): N_("Sent {sent} · failed {failed} · cancelled {cancelled} of {total}"),
    (False, True): N_("Sent {sent} · failed {failed} · sending {sending} of {total}"),
    (True, True): N_(
        "Sent {sent} · failed {failed} · cancelled {cancelled} · sending {sending} of {total}"
    ),
}


def counts(campaign: Campaign, progress: Progress, lang: str) -> str:
    """Sent, failed and queued; once it ended, the cancelled and those still on their way."""
    numbers = progress.model_dump(include={"sent", "failed", "cancelled", "sending", "total"})
    if campaign.status in FINISHED:
        key = _ENDED[progress.cancelled > 0, progress.sending > 0]
        return t(lang, key, **numbers)
    return t(
        lang,
        "Sent {sent} · failed {failed} · queued {queued} of {total}",
        queued=progress.pending,
        **numbers,
    )


def scheduled_for(start_at: datetime, lang: str, zone: ZoneInfo) -> str:
    """ "🕐 Scheduled for 2030-03-05 09:05 Europe/Moscow"."""
    return t(lang, "🕐 Scheduled for {at}", at=show(start_at, zone))


def _wait(resume_at: datetime, lang: str, now: datetime, *, capped: bool = False) -> str:
    """How much of a wait (Telegram's, or the daily cap's) is left and when sending resumes."""
    left = duration(lang, max((resume_at - now).total_seconds(), 0) / 60)
    at = resume_at.astimezone(UTC).strftime("%H:%M")
    if capped:
        return t(lang, "Daily cap reached: {left} left, resumes at {at} UTC", left=left, at=at)
    return t(lang, "Telegram asked to wait: {left} left, resumes at {at} UTC", left=left, at=at)


def _pace_or_took(
    campaign: Campaign, progress: Progress, lang: str, shares: Sequence[AccountShare]
) -> str:
    if campaign.status in FINISHED:
        if campaign.finished_at is None:  # cancelled, a post still on its way
            return t(lang, "Stopping: waiting for the posts already on their way…")
        return t(lang, "Took {took}", took=took(campaign, lang))
    speed = split.pace(campaign.rate_per_minute, shares)
    rate = f"{speed:g}" if speed is not None else "?"
    if campaign.status is not S.RUNNING:
        # Nothing goes out while it is a draft, starting, paused or waiting (the wait line says
        # when it resumes): no time left to promise, only the pace.
        return t(lang, "{rate}/min", rate=rate)
    eta = duration(lang, _eta_minutes(progress, speed, campaign.rate_per_minute))
    return t(lang, "{rate}/min · about {eta} left", rate=rate, eta=eta)


def _eta_minutes(progress: Progress, speed: float | None, rate: float | None) -> float:
    """Minutes left: at the campaign's own pace, or at its accounts' when they set it."""
    if speed is None or speed == rate:
        return progress.eta_minutes
    return progress.model_copy(update={"rate_per_minute": speed}).eta_minutes


def took(campaign: Campaign, lang: str) -> Html:
    """How long the campaign ran, from its start to its end."""
    if campaign.started_at is None or campaign.finished_at is None:
        return duration(lang, 0)
    return duration(lang, (campaign.finished_at - campaign.started_at).total_seconds() / 60)


def card_keyboard(
    campaign: Campaign,
    *,
    viewer: bool = False,
    retry: RetryOffer = NO_RETRY,
    actions: CardActions = post_actions.NONE,
) -> InlineKeyboardMarkup | None:
    """Start on a draft; Pause or Resume, Cancel and Refresh until it ends; then the report,
    and Retry failed (N) when `retry` offers some. Once it has started, the actions over its
    posts (edit, delete, pin) and their controls.

    A viewer gets only what it may press: Refresh, and the report once there is one.
    """
    more = [] if viewer else post_actions.card_rows(campaign, actions)
    if campaign.status in FINISHED:
        # A report exists once a campaign that started has ended (posts in flight recorded).
        if campaign.started_at is None or campaign.finished_at is None:
            return InlineKeyboardMarkup(inline_keyboard=more) if more else None
        report = report_buttons([(campaign.id, t(campaign.language, "📊 Report"))])
        again = [[retry_button(campaign, retry)]] if retry[1] and not viewer else []
        return InlineKeyboardMarkup(inline_keyboard=[*report.inline_keyboard, *again, *more])
    if campaign.status is S.DRAFT:
        start = [_button(campaign, "start")]
        return None if viewer else InlineKeyboardMarkup(inline_keyboard=[start])
    refresh = [_button(campaign, "refresh")]
    if viewer:
        return InlineKeyboardMarkup(inline_keyboard=[refresh])
    first = "resume" if campaign.status is S.PAUSED else "pause"
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(campaign, first), _button(campaign, "cancel")], refresh, *more]
    )


def _button(campaign: Campaign, action: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t(campaign.language, BUTTON[action]),
        callback_data=CampaignAction(id=campaign.id, action=action).pack(),
    )


log = logging.getLogger(__name__)


def digest(text: str, markup: InlineKeyboardMarkup | None) -> str:
    """A short fingerprint of what a card shows, to tell whether a redraw would change it."""
    shown = text + "\n" + (markup.model_dump_json() if markup is not None else "")
    return hashlib.sha256(shown.encode()).hexdigest()[:32]


async def compose(
    conn: Conn,
    campaign: Campaign,
    *,
    zone: ZoneInfo,
    lang: str | None = None,
    viewer: bool = False,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The card's text and buttons as they stand now: its progress, its split per account, the
    retry it offers and its open actions (in `lang`, or the campaign's language)."""
    progress = await campaigns.progress(conn, campaign.id)
    assert progress is not None  # the campaign row exists, so its progress row does
    shares = await account_split.of_campaign(conn, campaign.id)
    offer = await retry_offer(conn, campaign)
    acting = await post_actions.of_card(conn, campaign.id)
    text = render_card(
        campaign,
        progress,
        lang or campaign.language,
        zone=zone,
        shares=shares,
        run=offer[0],
        actions=acting,
    )
    return text, card_keyboard(campaign, viewer=viewer, retry=offer, actions=acting)


async def send(bot: Bot, pool: Pool, campaign: Campaign, chat_id: int, *, zone: ZoneInfo) -> int:
    """Send a fresh card for the campaign into `chat_id` and remember it; return its id."""
    async with pool.connection() as conn:
        text, markup = await compose(conn, campaign, zone=zone)
    message = await bot.send_message(chat_id, text, reply_markup=markup)
    async with pool.connection() as conn:
        await campaigns.set_card(
            conn, campaign.id, chat_id, message.message_id, digest(text, markup)
        )
    return message.message_id


class Drawn(Enum):
    """What drawing a card came to."""

    CHANGED = "changed"  # the card was edited, or sent
    SAME = "same"  # the card already shows exactly this (we know, or Telegram says so)
    NONE = "none"  # no campaign, no chat, or no card and none wanted
    LATER = "later"  # Telegram asked us to slow down; a refresh is queued for then


async def draw(
    bot: Bot,
    pool: Pool,
    campaign_id: int,
    *,
    zone: ZoneInfo,
    send_missing: bool = True,
    force: bool = False,
) -> Drawn:
    """Bring the campaign's card up to date, sending one if it has none and `send_missing`.

    A card that already shows this is left alone (no request at all) unless `force`.
    """
    async with pool.connection() as conn:
        campaign = await campaigns.get(conn, campaign_id)
        card = None
        if campaign is not None and campaign.card_message_id is not None:
            # The split and the actions are in the text, so the digest changes with them.
            card = await compose(conn, campaign, zone=zone)
    if campaign is None or campaign.chat_id is None:
        return Drawn.NONE
    if campaign.card_message_id is None or card is None:  # no card yet
        if not send_missing:
            return Drawn.NONE
        await send(bot, pool, campaign, campaign.chat_id, zone=zone)
        return Drawn.CHANGED
    text, markup = card
    shown = digest(text, markup)
    if shown == campaign.card_digest and not force:
        return Drawn.SAME
    drawn = Drawn.CHANGED
    try:
        await bot.edit_message_text(
            text=text,
            chat_id=campaign.chat_id,
            message_id=campaign.card_message_id,
            reply_markup=markup,
        )
    except TelegramBadRequest as exc:
        if not not_modified(exc):
            if "message to edit not found" not in exc.message:
                raise
            # The operator deleted the card: put a new one at the bottom of the chat.
            await send(bot, pool, campaign, campaign.chat_id, zone=zone)
            return Drawn.CHANGED
        drawn = Drawn.SAME
    async with pool.connection() as conn:
        await campaigns.card_drawn(conn, campaign.id, campaign.card_message_id, shown)
    return drawn


async def redraw(
    bot: Bot,
    pool: Pool,
    app: procrastinate.App,
    campaign_id: int,
    *,
    zone: ZoneInfo,
    send_missing: bool = True,
    force: bool = False,
) -> Drawn:
    """Draw the card now, or when Telegram says so if it asks us to slow down."""
    try:
        return await draw(bot, pool, campaign_id, zone=zone, send_missing=send_missing, force=force)
    except TelegramRetryAfter as exc:
        log.info("card redraw postponed", extra={"campaign_id": campaign_id, "s": exc.retry_after})
        await defer.refresh_progress(app, campaign_id, delay_s=exc.retry_after)
        return Drawn.LATER
