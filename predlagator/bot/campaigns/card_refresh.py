"""The card's Refresh button: anyone may press it, viewers too, since it changes nothing."""

from __future__ import annotations

import procrastinate
from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.types import CallbackQuery, InlineKeyboardMarkup

from predlagator.bot.access.viewers import READ_ONLY
from predlagator.bot.campaigns import card, listing
from predlagator.bot.campaigns.keyboards import CampaignAction
from predlagator.bot.redraw import not_modified
from predlagator.bot.texts import N_, t
from predlagator.config import Settings
from predlagator.db import campaigns
from predlagator.db.pool import Pool
from predlagator.models import Campaign, Operator, Role

ANSWERS = {
    card.Drawn.CHANGED: N_("Updated"),
    card.Drawn.SAME: N_("Up to date"),
    card.Drawn.LATER: N_("Telegram asks to slow down; the card updates in a moment."),
    card.Drawn.NONE: N_("This campaign has no card to update."),
}
SLOW_DOWN = N_("Telegram asks to slow down; press Refresh again in a moment.")


def _is_live(callback: CallbackQuery, campaign: Campaign) -> bool:
    """Whether the pressed message is the campaign's live card (or cannot be told apart)."""
    message = callback.message
    if message is None:
        return True
    return (message.chat.id, message.message_id) == (campaign.chat_id, campaign.card_message_id)


async def on_refresh(
    callback: CallbackQuery,
    callback_data: CampaignAction,
    bot: Bot,
    pool: Pool,
    queue: procrastinate.App,
    settings: Settings,
    operator: Operator,
    lang: str,
) -> None:
    """Redraw the pressed card now and say whether anything had changed."""
    async with pool.connection() as conn:
        campaign = await campaigns.get(conn, callback_data.id)
    if campaign is None:
        await callback.answer(t(lang, "No campaign #{id}.", id=callback_data.id))
        return
    if _is_live(callback, campaign):
        drawn = await card.redraw(
            bot, pool, queue, campaign.id, zone=settings.zone, send_missing=False, force=True
        )
        await callback.answer(t(lang, ANSWERS[drawn]))
        return
    # A copy opened from /campaigns: it is redrawn where it is, with the presser's buttons.
    viewer = operator.role is Role.VIEWER
    shown = await listing.view(pool, settings, campaign.id, lang, viewer=viewer)
    assert shown is not None  # the campaign was just found
    await callback.answer(await _redraw_copy(callback, bot, shown, lang))


async def _redraw_copy(
    callback: CallbackQuery,
    bot: Bot,
    shown: tuple[str, InlineKeyboardMarkup | None],
    lang: str,
) -> str:
    """Edit the pressed message into `shown`; the answer to give."""
    message = callback.message
    assert message is not None  # _is_live took the case without one
    try:
        await bot.edit_message_text(
            shown[0], chat_id=message.chat.id, message_id=message.message_id, reply_markup=shown[1]
        )
    except TelegramRetryAfter:
        return t(lang, SLOW_DOWN)
    except TelegramBadRequest as exc:
        if not not_modified(exc):
            raise
        return t(lang, ANSWERS[card.Drawn.SAME])
    return t(lang, ANSWERS[card.Drawn.CHANGED])


def make_router() -> Router:
    """Build this feature's router; read-only, so viewers may press it."""
    router = Router(name=__name__)
    router.callback_query.register(
        on_refresh, CampaignAction.filter(F.action == "refresh"), flags=READ_ONLY
    )
    return router
