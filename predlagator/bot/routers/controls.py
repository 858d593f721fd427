"""Running campaigns: start by command or button, pause and resume from the card."""

from __future__ import annotations

import logging

import procrastinate
from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from predlagator.bot import cards
from predlagator.bot.keyboards import CampaignAction
from predlagator.bot.texts import N_, t
from predlagator.db import audit, campaigns
from predlagator.db.pool import Pool
from predlagator.models import Campaign, CampaignStatus, Operator
from predlagator.queue import defer

log = logging.getLogger(__name__)
S = CampaignStatus

# Why a command or a press changed nothing, by the state the campaign was found in.
START_REFUSALS = {
    S.PAUSED: N_("Campaign #{id} is paused; press Resume on its card."),
    S.COMPLETED: N_("Campaign #{id} has already finished."),
    S.CANCELLED: N_("Campaign #{id} has already finished."),
}
START_REFUSED = N_("Campaign #{id} is already running.")
PRESS_REFUSALS = {
    S.DRAFT: N_("Campaign has not started"),
    S.PAUSED: N_("Already paused"),
    S.COMPLETED: N_("Campaign is finished"),
    S.CANCELLED: N_("Campaign is finished"),
}
PRESS_REFUSED = N_("Already running")


def why_not(current: Campaign | None, campaign_id: int, lang: str, *, press: bool) -> str:
    """Explain, in the operator's language, why the campaign did not change."""
    if current is None:
        return t(lang, "No campaign #{id}.", id=campaign_id)
    if press:
        return t(lang, PRESS_REFUSALS.get(current.status, PRESS_REFUSED))
    return t(
        lang,
        START_REFUSALS.get(current.status, START_REFUSED),
        id=campaign_id,
    )


async def change(
    pool: Pool,
    operator: Operator,
    campaign_id: int,
    to: S,
    action: str,
    from_states: list[S] | None = None,
) -> tuple[Campaign | None, Campaign | None]:
    """Move the campaign and audit it in one transaction; return (changed, found-if-not)."""
    async with pool.connection() as conn, conn.transaction():
        changed = await campaigns.transition(conn, campaign_id, to, from_states=from_states)
        if changed is None:
            return None, await campaigns.get(conn, campaign_id)
        await audit.record(conn, operator.user_id, action, "campaign", campaign_id)
    return changed, None


async def start(
    bot: Bot,
    pool: Pool,
    queue: procrastinate.App,
    operator: Operator,
    campaign_id: int,
    chat_id: int,
    lang: str,
) -> str | None:
    """Schedule a draft, put its card in the chat and ask a worker to launch it; else say why."""
    campaign, found = await change(
        pool, operator, campaign_id, S.SCHEDULED, "campaign.start", [S.DRAFT]
    )
    if campaign is None:
        return why_not(found, campaign_id, lang, press=False)
    try:
        await cards.send(bot, pool, campaign, chat_id)
    except TelegramAPIError:
        # Launching matters more than the card; the notifier draws one with the first progress.
        log.warning("card not sent", exc_info=True, extra={"campaign_id": campaign_id})
    await defer.launch_campaign(queue, campaign_id)
    return None


def parse_id(args: str | None) -> int | None:
    """The campaign id of `/start_campaign 5` (a leading # is fine)."""
    text = (args or "").strip().lstrip("#")
    return int(text) if text.isdigit() and len(text) < 19 else None


async def cmd_start_campaign(
    message: Message,
    command: CommandObject,
    bot: Bot,
    pool: Pool,
    queue: procrastinate.App,
    operator: Operator,
    lang: str,
) -> None:
    """/start_campaign ID: start a draft campaign."""
    campaign_id = parse_id(command.args)
    if campaign_id is None:
        await message.answer(
            t(
                lang,
                "Which campaign? Send /start_campaign ID, e.g. /start_campaign 5. "
                "/campaigns lists them.",
            )
        )
        return
    refusal = await start(bot, pool, queue, operator, campaign_id, message.chat.id, lang)
    if refusal is not None:
        await message.answer(refusal)


async def on_start(
    callback: CallbackQuery,
    callback_data: CampaignAction,
    bot: Bot,
    pool: Pool,
    queue: procrastinate.App,
    operator: Operator,
    lang: str,
) -> None:
    """The Start button under a draft's summary."""
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    refusal = await start(bot, pool, queue, operator, callback_data.id, chat_id, lang)
    await callback.answer(refusal or t(lang, "Campaign #{id} is starting.", id=callback_data.id))


async def on_pause(
    callback: CallbackQuery,
    callback_data: CampaignAction,
    bot: Bot,
    pool: Pool,
    queue: procrastinate.App,
    operator: Operator,
    lang: str,
) -> None:
    """Pause: the drain reads the status before every send, so nothing else is needed."""
    campaign, found = await change(pool, operator, callback_data.id, S.PAUSED, "campaign.pause")
    if campaign is None:
        await callback.answer(why_not(found, callback_data.id, lang, press=True))
        return
    await callback.answer(t(lang, "Paused"))
    await cards.redraw(bot, pool, queue, campaign.id)


async def on_resume(
    callback: CallbackQuery,
    callback_data: CampaignAction,
    bot: Bot,
    pool: Pool,
    queue: procrastinate.App,
    operator: Operator,
    lang: str,
) -> None:
    """Resume a paused campaign and kick its account's drain."""
    campaign, found = await change(
        pool, operator, callback_data.id, S.RUNNING, "campaign.resume", [S.PAUSED]
    )
    if campaign is None:
        await callback.answer(why_not(found, callback_data.id, lang, press=True))
        return
    await defer.kick_drain(queue, campaign.account_id)
    await callback.answer(t(lang, "Resumed"))
    await cards.redraw(bot, pool, queue, campaign.id)


def make_router() -> Router:
    """Build this feature's router (a fresh one per dispatcher)."""
    router = Router(name=__name__)
    router.message.register(cmd_start_campaign, Command("start_campaign"))
    router.callback_query.register(on_start, CampaignAction.filter(F.action == "start"))
    router.callback_query.register(on_pause, CampaignAction.filter(F.action == "pause"))
    router.callback_query.register(on_resume, CampaignAction.filter(F.action == "resume"))
    return router
