"""Campaign controls: /start_campaign, /pause, /resume, /cancel, their pickers, the card buttons."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject

from predlagator.bot import redraw
from predlagator.bot.campaigns.keyboards import (
    CampaignAction,
    CancelAnswer,
    PickCampaign,
    confirm_cancel,
    picker,
)
from predlagator.bot.campaigns.lifecycle import (
    BY_COMMAND,
    CANCEL,
    CONTROLS,
    START,
    Control,
    Tools,
    carry_out,
    unsent,
    why_not,
)
from predlagator.bot.texts import echo, t, tn
from predlagator.db import campaign_lookup

log = logging.getLogger(__name__)

PICK_LIMIT = 10
ANSWER_MAX = 200  # Telegram's limit for the answer under a pressed button


@dataclass
class Answer:
    """What to show the operator: text, maybe buttons, and whether the campaign changed."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    changed: bool = False


async def act(control: Control, campaign_id: int, chat_id: int, tools: Tools) -> Answer:
    """Carry out the control; a cancel is asked about first."""
    if control is CANCEL:
        return await ask_cancel(campaign_id, tools)
    outcome = await carry_out(control, campaign_id, chat_id, tools)
    return Answer(outcome.text, changed=outcome.changed)


async def ask_cancel(campaign_id: int, tools: Tools) -> Answer:
    """Ask "Cancel campaign X? N posts not yet sent will not go out." with Yes and No."""
    campaign, count = await unsent(tools.pool, campaign_id)
    if campaign is None or campaign.status not in CANCEL.applies_to:
        return Answer(why_not(CANCEL, campaign, campaign_id, tools.lang))
    text = tn(
        tools.lang,
        "Cancel campaign #{id} «{name}»? {n} post not yet sent will not go out.",
        "Cancel campaign #{id} «{name}»? {n} posts not yet sent will not go out.",
        count,
        id=campaign.id,
        name=campaign.name,
    )
    return Answer(text, confirm_cancel(campaign.id, tools.lang))


def parse_id(args: str) -> int | None:
    """The campaign id of `/pause 5` (a leading # is fine)."""
    text = args.strip().lstrip("#")
    # ASCII digits only: isdigit() alone takes "²", which int() refuses.
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


async def on_command(message: Message, command: CommandObject, tools: Tools) -> None:
    """/pause [ID or name] and its siblings: act on one campaign, or offer the candidates."""
    control = BY_COMMAND[command.command]
    args = (command.args or "").strip()
    campaign_id = parse_id(args) if args else None
    if campaign_id is not None:
        answer = await act(control, campaign_id, message.chat.id, tools)
    elif args:
        answer = await by_name(control, args, message.chat.id, tools)
    else:
        answer = await candidates(control, tools)
    if control is START and answer.changed:
        return  # the card it sent is the answer
    await message.answer(answer.text, reply_markup=answer.markup)


async def by_name(control: Control, name: str, chat_id: int, tools: Tools) -> Answer:
    """Act on the one campaign called `name`, or ask which when several are."""
    async with tools.pool.connection() as conn:
        found = await campaign_lookup.by_name(conn, name, limit=PICK_LIMIT)
    lang = tools.lang
    if not found:
        return Answer(t(lang, "No campaign called «{name}».", name=echo(name)))
    fitting = [c for c in found if c.status in control.applies_to]
    if len(found) == 1 or len(fitting) == 1:
        # The one campaign of that name, or the only one the control fits (the others ended).
        return await act(control, (fitting or found)[0].id, chat_id, tools)
    # Offer those the control fits; if none does, all, so each press says why not.
    fitting = fitting or found
    text = t(lang, "Several campaigns are called «{name}». Which one?", name=echo(name))
    return Answer(text, picker(control.action, fitting, lang))


async def candidates(control: Control, tools: Tools) -> Answer:
    """The newest campaigns the control applies to, as buttons."""
    async with tools.pool.connection() as conn:
        found = await campaign_lookup.in_states(conn, control.applies_to, limit=PICK_LIMIT + 1)
    lang = tools.lang
    if not found:
        return Answer(t(lang, control.nothing))
    text = t(lang, control.which)
    if len(found) > PICK_LIMIT:
        text += "\n" + t(
            lang,
            "Only the newest {n} are shown; send the command with an id or a name for others.",
            n=PICK_LIMIT,
        )
    return Answer(text, picker(control.action, found[:PICK_LIMIT], lang))


def short(text: str) -> str:
    """A text that fits under a pressed button (a stop reason can be long)."""
    return text if len(text) <= ANSWER_MAX else text[: ANSWER_MAX - 1] + "…"


def _chat_id(callback: CallbackQuery) -> int:
    return callback.message.chat.id if callback.message else callback.from_user.id


async def on_card_press(
    callback: CallbackQuery, callback_data: CampaignAction, tools: Tools
) -> None:
    """Start, Pause, Resume or Cancel under a card (or a draft's summary)."""
    control = CONTROLS[callback_data.action]
    answer = await act(control, callback_data.id, _chat_id(callback), tools)
    if answer.markup is None:
        toast = control.toast if answer.changed else None
        await callback.answer(t(tools.lang, toast) if toast else short(answer.text))
        return
    # The cancel question goes below the card, which stays as it is.
    await tools.bot.send_message(_chat_id(callback), answer.text, reply_markup=answer.markup)
    await callback.answer()


async def on_pick(callback: CallbackQuery, callback_data: PickCampaign, tools: Tools) -> None:
    """A campaign chosen from a picker: the picker turns into the result (or the question)."""
    control = CONTROLS[callback_data.action]
    answer = await act(control, callback_data.id, _chat_id(callback), tools)
    if not answer.changed and answer.markup is None:
        await callback.answer(short(answer.text))  # the picker stays for another choice
        return
    await _replace(callback, tools, answer.text, answer.markup)
    await callback.answer()


async def on_cancel_answer(
    callback: CallbackQuery, callback_data: CancelAnswer, tools: Tools
) -> None:
    """Yes cancels (once; a stale or repeated Yes only says why not), No leaves it be."""
    if not callback_data.sure:
        campaign, _ = await unsent(tools.pool, callback_data.id)
        if campaign is None:
            await callback.answer(why_not(CANCEL, None, callback_data.id, tools.lang))
            return
        text = t(tools.lang, "Campaign #{id} was not cancelled.", id=callback_data.id)
        await _replace(callback, tools, text)
        await callback.answer()
        return
    outcome = await carry_out(CANCEL, callback_data.id, _chat_id(callback), tools)
    if not outcome.changed:
        await callback.answer(outcome.text)
        return
    if outcome.on_card and await _delete(callback, tools):
        # The card shows the cancel and the report follows: the answered question would only
        # repeat them.
        await callback.answer(t(tools.lang, CANCEL.toast or CANCEL.done, id=callback_data.id))
        return
    await _replace(callback, tools, outcome.text)
    await callback.answer()


async def _delete(callback: CallbackQuery, tools: Tools) -> bool:
    """Delete the pressed message; False if there is none or Telegram refuses (too old)."""
    message = callback.message
    if message is None:
        return False
    try:
        await tools.bot.delete_message(message.chat.id, message.message_id)
    except TelegramBadRequest as exc:
        log.info("pressed message not deleted", extra={"error": exc.message})
        return False
    return True


async def _replace(
    callback: CallbackQuery, tools: Tools, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Turn the pressed message into `text`; a message too old to edit gets a new one."""
    message = callback.message
    if message is not None:
        try:
            await tools.bot.edit_message_text(
                text, chat_id=message.chat.id, message_id=message.message_id, reply_markup=markup
            )
            return
        except TelegramBadRequest as exc:
            if redraw.not_modified(exc):
                return
            log.info("pressed message not edited", extra={"error": exc.message})
    await tools.bot.send_message(_chat_id(callback), text, reply_markup=markup)


Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


async def with_tools(handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
    """Inner middleware: hand the handlers their `tools` in one piece."""
    zone = data["settings"].zone
    data["tools"] = Tools(
        data["bot"], data["pool"], data["queue"], data["operator"], data["lang"], zone
    )
    return await handler(event, data)


def make_router() -> Router:
    """Build this feature's router (a fresh one per dispatcher)."""
    router = Router(name=__name__)
    router.message.middleware(with_tools)
    router.callback_query.middleware(with_tools)
    router.message.register(on_command, Command(*BY_COMMAND))
    card_actions = F.action.in_(CONTROLS)
    router.callback_query.register(on_card_press, CampaignAction.filter(card_actions))
    router.callback_query.register(on_pick, PickCampaign.filter(card_actions))
    router.callback_query.register(on_cancel_answer, CancelAnswer.filter())
    return router
