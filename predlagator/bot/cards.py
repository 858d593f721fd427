"""Putting progress cards into chats: send, edit, and live with Telegram's limits."""

from __future__ import annotations

import logging
from enum import Enum

import procrastinate
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter

from predlagator.bot.card import card_keyboard, render_card
from predlagator.db import campaigns
from predlagator.db.pool import Pool
from predlagator.models import Campaign
from predlagator.queue import defer

log = logging.getLogger(__name__)


def not_modified(exc: TelegramBadRequest) -> bool:
    """Telegram refuses an edit that changes nothing; for a card that is success."""
    return "message is not modified" in exc.message


async def send(bot: Bot, pool: Pool, campaign: Campaign, chat_id: int) -> int:
    """Send a fresh card for the campaign into `chat_id` and remember it; return its id."""
    async with pool.connection() as conn:
        progress = await campaigns.progress(conn, campaign.id)
    assert progress is not None  # the campaign row exists, so its progress row does
    text = render_card(campaign, progress, campaign.language)
    message = await bot.send_message(chat_id, text, reply_markup=card_keyboard(campaign))
    async with pool.connection() as conn:
        await campaigns.set_card(conn, campaign.id, chat_id, message.message_id)
    return message.message_id


class Drawn(Enum):
    """What drawing a card came to."""

    CHANGED = "changed"  # the card was edited, or sent
    SAME = "same"  # Telegram says the card already shows exactly this
    NONE = "none"  # no campaign, no chat, or no card and none wanted
    LATER = "later"  # Telegram asked us to slow down; a refresh is queued for then


async def draw(bot: Bot, pool: Pool, campaign_id: int, *, send_missing: bool = True) -> Drawn:
    """Bring the campaign's card up to date, sending one if it has none and `send_missing`."""
    async with pool.connection() as conn:
        campaign = await campaigns.get(conn, campaign_id)
        progress = await campaigns.progress(conn, campaign_id)
    if campaign is None or progress is None or campaign.chat_id is None:
        return Drawn.NONE
    if campaign.card_message_id is None:
        if not send_missing:
            return Drawn.NONE
        await send(bot, pool, campaign, campaign.chat_id)
        return Drawn.CHANGED
    try:
        await bot.edit_message_text(
            text=render_card(campaign, progress, campaign.language),
            chat_id=campaign.chat_id,
            message_id=campaign.card_message_id,
            reply_markup=card_keyboard(campaign),
        )
    except TelegramBadRequest as exc:
        if not_modified(exc):
            return Drawn.SAME
        if "message to edit not found" not in exc.message:
            raise
        # The operator deleted the card: put a new one at the bottom of the chat.
        await send(bot, pool, campaign, campaign.chat_id)
    return Drawn.CHANGED


async def redraw(
    bot: Bot, pool: Pool, app: procrastinate.App, campaign_id: int, *, send_missing: bool = True
) -> Drawn:
    """Draw the card now, or when Telegram says so if it asks us to slow down."""
    try:
        return await draw(bot, pool, campaign_id, send_missing=send_missing)
    except TelegramRetryAfter as exc:
        log.info("card redraw postponed", extra={"campaign_id": campaign_id, "s": exc.retry_after})
        await defer.refresh_progress(app, campaign_id, delay_s=exc.retry_after)
        return Drawn.LATER
