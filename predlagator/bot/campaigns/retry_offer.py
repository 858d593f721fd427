"""Retry failed (N) under a finished campaign's card: what it offers and its button."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton

from predlagator.bot.campaigns.keyboards import RetryFailed
from predlagator.bot.texts import t
from predlagator.db import retries
from predlagator.db.rows import Conn
from predlagator.models import FINISHED, Campaign

# (the run the card is drawn for, how many failed posts a retry would take).
RetryOffer = tuple[int, int]
NO_RETRY: RetryOffer = (1, 0)


async def retry_offer(conn: Conn, campaign: Campaign) -> RetryOffer:
    """The run the campaign is at and, once it has finished, how many of its failures a
    retry would take."""
    run = await retries.current_run(conn, campaign.id)
    if campaign.status not in FINISHED:
        return run, 0
    return run, await retries.retryable(conn, campaign.id)


def retry_button(campaign: Campaign, offer: RetryOffer) -> InlineKeyboardButton:
    """🔁 Retry failed (N), drawn for the campaign's latest run."""
    run, count = offer
    return InlineKeyboardButton(
        text=t(campaign.language, "🔁 Retry failed ({n})", n=count),
        callback_data=RetryFailed(id=campaign.id, run=run).pack(),
    )
