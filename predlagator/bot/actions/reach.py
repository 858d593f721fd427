"""Refresh reach on a campaign's card: read its posts' views again now, at most once per 10 min."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiogram import F, Router
from aiogram.types import CallbackQuery

from predlagator.bot.actions import keyboards, views
from predlagator.bot.actions.keyboards import PostActionButton
from predlagator.bot.campaigns.controls import short, with_tools
from predlagator.bot.campaigns.lifecycle import Tools
from predlagator.bot.texts import t, tn
from predlagator.db import audit, campaigns
from predlagator.db import reach as db_reach
from predlagator.queue import defer

# Ids past bigint are forged: they name no campaign.
MAX_ID = 2**63 - 1


def too_soon(lang: str, last: datetime, now: datetime, tools: Tools) -> str:
    """ "Reach was read 4 min ago; you can refresh again at 14:32." """
    ago = max(int((now - last).total_seconds() // 60), 0)
    again = (last + timedelta(seconds=db_reach.REFRESH_EVERY_S)).astimezone(tools.zone)
    if ago < 1:
        return t(
            lang,
            "Reach is being read just now; you can refresh again at {at}.",
            at=again.strftime("%H:%M"),
        )
    return tn(
        lang,
        "Reach was read {n} min ago; you can refresh again at {at}.",
        "Reach was read {n} min ago; you can refresh again at {at}.",
        ago,
        at=again.strftime("%H:%M"),
    )


async def refresh(tools: Tools, campaign_id: int, chat_id: int) -> str:
    """Make a Refresh reach collection (audited) and wake its drains; what to tell the operator."""
    lang = tools.lang
    if not 0 < campaign_id <= MAX_ID:
        return t(lang, "No campaign #{id}.", id=campaign_id)
    async with tools.pool.connection() as conn:
        campaign = await campaigns.get(conn, campaign_id)
        if campaign is None:
            return t(lang, "No campaign #{id}.", id=campaign_id)
        posts = await db_reach.readable(conn, campaign_id) if views.may_act(campaign) else 0
        if not posts:
            return t(
                lang,
                "Campaign #{id} has no posts out yet, so there is no reach to read.",
                id=campaign_id,
            )
        async with conn.transaction():
            made = await db_reach.refresh(
                conn, campaign_id, chat_id=chat_id, created_by=tools.operator.user_id
            )
            if isinstance(made, db_reach.TooSoon):
                return too_soon(lang, made.last, made.now, tools)
            await audit.record(
                conn, tools.operator.user_id, "reach.refresh", "campaign", campaign_id, posts=posts
            )
    for account_id in made:
        await defer.kick_drain(tools.queue, account_id)
    return tn(
        lang,
        "Reading the reach of {n} post of campaign #{id}; the report has it once read.",
        "Reading the reach of {n} posts of campaign #{id}; the report has it once read.",
        posts,
        id=campaign_id,
    )


def _chat_id(callback: CallbackQuery) -> int:
    return callback.message.chat.id if callback.message else callback.from_user.id


async def on_refresh(
    callback: CallbackQuery, callback_data: PostActionButton, tools: Tools
) -> None:
    """Refresh reach under the card: what it did, or why not yet, as an alert."""
    said = await refresh(tools, callback_data.campaign, _chat_id(callback))
    await callback.answer(short(said), show_alert=True)


def make_router() -> Router:
    """Build this feature's router (a fresh one per dispatcher)."""
    router = Router(name=__name__)
    router.callback_query.middleware(with_tools)
    router.callback_query.register(on_refresh, PostActionButton.filter(F.do == keyboards.REACH))
    return router
