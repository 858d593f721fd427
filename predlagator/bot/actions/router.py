"""Edit, Delete, Pin and Unpin of a campaign's posts: the card's buttons, their commands, the
questions asked first, and the controls of an action under way."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from predlagator.bot.actions import control, keyboards, new_version, starting
from predlagator.bot.actions.keyboards import PostActionButton
from predlagator.bot.campaigns.controls import parse_id, short, with_tools
from predlagator.bot.campaigns.lifecycle import Tools
from predlagator.bot.redraw import show
from predlagator.bot.texts import N_, echo, t, tn
from predlagator.db import campaign_lookup
from predlagator.models import FINISHED, PostAction

K = PostAction
COMMANDS = {"edit": K.EDIT, "delete": K.DELETE, "pin": K.PIN, "unpin": K.UNPIN}
USAGE = N_("Send /{command} with a campaign's id, e.g. /{command} 12.")
NOT_AN_ID = N_("«{text}» is not a campaign id. Send /{command} with one, e.g. /{command} 12.")
KEPT = N_("Nothing changed: the posts of campaign #{id} stay as they are.")


@dataclass(frozen=True)
class Reply:
    """What a press or command says: a question (with its buttons, if any), or an answer."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    question: bool = False


async def ask(
    tools: Tools, state: FSMContext, kind: PostAction, campaign_id: int, chat_id: int
) -> Reply:
    """What Edit, Delete, Pin or Unpin says first: a question, or at once what it did."""
    if kind is K.EDIT:
        text = await new_version.ask(tools, state, campaign_id)
        return Reply(text, question=await state.get_state() is not None)
    if kind is K.UNPIN:
        return Reply(await starting.begin(tools, campaign_id, kind, chat_id))
    found = await starting.look(tools, campaign_id, kind)
    if isinstance(found, str):
        return Reply(found)
    if kind is K.PIN:
        return Reply(*_pin_question(found, tools.lang, loud=False), question=True)
    campaign, lang = found.campaign, tools.lang
    text = tn(
        lang,
        "Delete {n} post of campaign #{id} «{name}» from its channel? This can't be undone.",
        "Delete {n} posts of campaign #{id} «{name}» from their channels? This can't be undone.",
        found.posts,
        id=campaign.id,
        name=campaign.name,
    )
    if campaign.status not in FINISHED:
        async with tools.pool.connection() as conn:
            queued = await campaign_lookup.unsent(conn, campaign.id)
        if queued:
            text += "\n" + tn(
                lang,
                "The campaign is still posting: its {n} queued post is cancelled too.",
                "The campaign is still posting: its {n} queued posts are cancelled too.",
                queued,
            )
    return Reply(text, keyboards.confirm_delete(campaign.id, lang), question=True)


def _pin_question(
    found: starting.Found, lang: str, *, loud: bool
) -> tuple[str, InlineKeyboardMarkup]:
    campaign, n = found.campaign, found.posts
    if loud:
        text = tn(
            lang,
            "Pin {n} post of campaign #{id} «{name}» in its channel? Members are notified.",
            "Pin {n} posts of campaign #{id} «{name}» in their channels? Members are notified.",
            n,
            id=campaign.id,
            name=campaign.name,
        )
    else:
        text = tn(
            lang,
            "Pin {n} post of campaign #{id} «{name}» in its channel? Members get no notification.",
            "Pin {n} posts of campaign #{id} «{name}» in their channels? Members get no "
            "notification.",
            n,
            id=campaign.id,
            name=campaign.name,
        )
    return text, keyboards.confirm_pin(campaign.id, lang, loud=loud)


async def on_command(
    message: Message, command: CommandObject, state: FSMContext, tools: Tools
) -> None:
    """/edit ID, /delete ID, /pin ID, /unpin ID."""
    args = (command.args or "").strip()
    name = command.command
    if not args:
        await message.answer(t(tools.lang, USAGE, command=name))
        return
    campaign_id = parse_id(args)
    if campaign_id is None:
        await message.answer(t(tools.lang, NOT_AN_ID, text=echo(args), command=name))
        return
    reply = await ask(tools, state, COMMANDS[name], campaign_id, message.chat.id)
    await message.answer(reply.text, reply_markup=reply.markup)


def _chat_id(callback: CallbackQuery) -> int:
    return callback.message.chat.id if callback.message else callback.from_user.id


async def on_start_press(
    callback: CallbackQuery, callback_data: PostActionButton, state: FSMContext, tools: Tools
) -> None:
    """Edit, Delete, Pin or Unpin on the card: the question goes below it; a refusal is a toast."""
    chat_id = _chat_id(callback)
    reply = await ask(tools, state, K(callback_data.do), callback_data.campaign, chat_id)
    if not reply.question:
        await callback.answer(short(reply.text))
        return
    await tools.bot.send_message(chat_id, reply.text, reply_markup=reply.markup)
    await callback.answer()


async def on_answer(callback: CallbackQuery, callback_data: PostActionButton, tools: Tools) -> None:
    """Yes to the delete or pin question (a second Yes finds the action under way), or No."""
    campaign_id, lang = callback_data.campaign, tools.lang
    if callback_data.do == "no":
        await show(callback, t(lang, KEPT, id=campaign_id), None)
        await callback.answer()
        return
    kind = K.DELETE if callback_data.do == "delete_yes" else K.PIN
    silent = not callback_data.loud
    text = await starting.begin(tools, campaign_id, kind, _chat_id(callback), silent=silent)
    await show(callback, text, None)
    await callback.answer()


async def on_toggle(callback: CallbackQuery, callback_data: PostActionButton, tools: Tools) -> None:
    """The pin question's notification toggle: the question again, with the other setting."""
    found = await starting.look(tools, callback_data.campaign, K.PIN)
    if isinstance(found, str):
        await show(callback, found, None)
        await callback.answer()
        return
    text, markup = _pin_question(found, tools.lang, loud=callback_data.loud)
    await show(callback, text, markup)
    await callback.answer()


async def on_control(
    callback: CallbackQuery, callback_data: PostActionButton, tools: Tools
) -> None:
    """Pause or Resume of an open action, under the card; Cancel asks first, below it."""
    campaign_id, action_id = callback_data.campaign, callback_data.action
    if callback_data.do == "cancel":
        text, markup = await control.ask_cancel(tools, campaign_id, action_id)
        if markup is None:
            await callback.answer(short(text))
            return
        await tools.bot.send_message(_chat_id(callback), text, reply_markup=markup)
        await callback.answer()
        return
    said, _ = await control.control(tools, campaign_id, action_id, callback_data.do)
    await callback.answer(short(said))


async def on_cancel_answer(
    callback: CallbackQuery, callback_data: PostActionButton, tools: Tools
) -> None:
    """Yes to the cancel question cancels (a second Yes finds it ended); No lets it go on."""
    campaign_id, action_id = callback_data.campaign, callback_data.action
    if callback_data.do == "cancel_yes":
        text = await control.cancel(tools, campaign_id, action_id)
    else:
        text = await control.kept(tools, campaign_id, action_id)
    await show(callback, text, None)
    await callback.answer()


def make_router() -> Router:
    """Build this feature's router (a fresh one per dispatcher)."""
    router = Router(name=__name__)
    router.message.middleware(with_tools)
    router.callback_query.middleware(with_tools)
    router.message.register(on_command, Command(*COMMANDS))
    does = F.do
    router.callback_query.register(
        on_start_press, PostActionButton.filter(does.in_(keyboards.START))
    )
    router.callback_query.register(
        on_answer, PostActionButton.filter(does.in_({"delete_yes", "pin_yes", "no"}))
    )
    router.callback_query.register(on_toggle, PostActionButton.filter(does == "loud"))
    router.callback_query.register(
        on_control, PostActionButton.filter(does.in_(keyboards.CONTROLS))
    )
    router.callback_query.register(
        on_cancel_answer, PostActionButton.filter(does.in_(keyboards.CANCEL_ANSWERS))
    )
    return router
