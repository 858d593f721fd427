"""The card's Refresh button: anyone may press it, viewers too, since it changes nothing."""

from __future__ import annotations

import procrastinate
from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery

from predlagator.bot.access.viewers import READ_ONLY
from predlagator.bot.campaigns import card
from predlagator.bot.campaigns.keyboards import CampaignAction
from predlagator.bot.texts import N_, t
from predlagator.db import campaigns
from predlagator.db.pool import Pool

ANSWERS = {
    card.Drawn.CHANGED: N_("Updated"),
    card.Drawn.SAME: N_("Up to date"),
    card.Drawn.LATER: N_("Telegram asks to slow down; the card updates in a moment."),
    card.Drawn.NONE: N_("This campaign has no card to update."),
}


async def on_refresh(
    callback: CallbackQuery,
    callback_data: CampaignAction,
    bot: Bot,
    pool: Pool,
    queue: procrastinate.App,
    lang: str,
) -> None:
    """Redraw the card now and say whether anything had changed."""
    async with pool.connection() as conn:
        campaign = await campaigns.get(conn, callback_data.id)
    if campaign is None:
        await callback.answer(t(lang, "No campaign #{id}.", id=callback_data.id))
        return
    drawn = await card.redraw(bot, pool, queue, campaign.id, send_missing=False)
    await callback.answer(t(lang, ANSWERS[drawn]))


def make_router() -> Router:
    """Build this feature's router; read-only, so viewers may press it."""
    router = Router(name=__name__)
    router.callback_query.register(
        on_refresh, CampaignAction.filter(F.action == "refresh"), flags=READ_ONLY
    )
    return router
