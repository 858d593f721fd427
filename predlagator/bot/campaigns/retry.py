"""Retry failed: /retry and the card's Retry failed (N) queue a finished campaign's failed
posts again, as its next run; the campaign sends and reports again."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from predlagator.bot.campaigns import card, controls
from predlagator.bot.campaigns.keyboards import PickCampaign, RetryFailed, picker
from predlagator.bot.campaigns.lifecycle import Tools
from predlagator.bot.texts import N_, echo, t, tn
from predlagator.db import campaign_lookup, retries
from predlagator.queue import defer

R = retries.Refusal
ACTION = "retry"  # a picker's action for /retry alone
_MAX_ID = 2**63 - 1  # a forged button may carry any number; one past bigint names nothing
_NOTHING = N_(
    "Campaign #{id} has nothing to retry: no post of it failed for a reason a new try could "
    "get past. A channel that refused the account goes again once /channels reactivates it."
)
_NOT_FINISHED = N_("Campaign #{id} has not finished; its failed posts can be retried once it has.")
_RETRYING = N_("Campaign #{id} is already retrying its failed posts (retry {n}).")
_STALE = N_("Campaign #{id} is at retry {n} already; its card shows what is left to retry.")


async def retry(campaign_id: int, tools: Tools, expected_run: int | None = None) -> str:
    """Open the campaign's next run, wake the drains of its accounts, redraw its card; say what
    came of it in the operator's language."""
    if not 0 < campaign_id <= _MAX_ID:
        return t(tools.lang, "No campaign #{id}.", id=campaign_id)
    async with tools.pool.connection() as conn:
        outcome = await retries.start(
            conn, campaign_id, tools.operator.user_id, expected_run=expected_run
        )
    if isinstance(outcome, retries.Refused):
        return why_not(outcome, campaign_id, tools.lang)
    # After the commit, as a resume does: a drain woken earlier could find nothing queued.
    for account_id in outcome.account_ids:
        await defer.kick_drain(tools.queue, account_id)
    await card.redraw(tools.bot, tools.pool, tools.queue, campaign_id, zone=tools.zone)
    return tn(
        tools.lang,
        "Campaign #{id}: retrying {n} failed post (retry {run}).",
        "Campaign #{id}: retrying {n} failed posts (retry {run}).",
        outcome.requeued,
        id=campaign_id,
        run=outcome.run - 1,
    )


def why_not(refused: retries.Refused, campaign_id: int, lang: str) -> str:
    """Why nothing was retried, in words."""
    retry_no = refused.run - 1
    if refused.why is R.NO_CAMPAIGN:
        return t(lang, "No campaign #{id}.", id=campaign_id)
    if refused.why is R.STALE:
        return t(lang, _STALE, id=campaign_id, n=retry_no)
    if refused.why is R.NOT_FINISHED:
        text = _RETRYING if retry_no > 0 else _NOT_FINISHED
        return t(lang, text, id=campaign_id, n=retry_no)
    return t(lang, _NOTHING, id=campaign_id)


async def on_command(message: Message, command: CommandObject, tools: Tools) -> None:
    """/retry ID or NAME retries that campaign's failures; alone it offers the candidates."""
    args = (command.args or "").strip()
    campaign_id = controls.parse_id(args) if args else None
    if campaign_id is not None:
        await message.answer(await retry(campaign_id, tools))
        return
    lang = tools.lang
    async with tools.pool.connection() as conn:
        if args:
            found = await campaign_lookup.by_name(conn, args, limit=controls.PICK_LIMIT)
        else:
            found = await retries.candidates(conn, controls.PICK_LIMIT)
    if len(found) == 1 and args:
        await message.answer(await retry(found[0].id, tools))
    elif found:
        which = t(lang, "Which campaign's failed posts to retry?")
        await message.answer(which, reply_markup=picker(ACTION, found, lang))
    elif args:
        await message.answer(t(lang, "No campaign called «{name}».", name=echo(args)))
    else:
        await message.answer(t(lang, "No finished campaign has failed posts to retry."))


async def on_card_press(callback: CallbackQuery, callback_data: RetryFailed, tools: Tools) -> None:
    """Retry failed (N) under a card: the answer says what happened, the card shows it."""
    text = await retry(callback_data.id, tools, expected_run=callback_data.run)
    await callback.answer(controls.short(text))


async def on_pick(callback: CallbackQuery, callback_data: PickCampaign, tools: Tools) -> None:
    """A campaign chosen from /retry's picker: what came of it goes below the picker."""
    text = await retry(callback_data.id, tools)
    message = callback.message
    await callback.answer()
    if message is not None:
        await tools.bot.send_message(message.chat.id, text)


def make_router() -> Router:
    """Build this feature's router; it changes data, so viewers are refused."""
    router = Router(name=__name__)
    router.message.middleware(controls.with_tools)
    router.callback_query.middleware(controls.with_tools)
    router.message.register(on_command, Command("retry"))
    router.callback_query.register(on_card_press, RetryFailed.filter())
    router.callback_query.register(on_pick, PickCampaign.filter(F.action == ACTION))
    return router
