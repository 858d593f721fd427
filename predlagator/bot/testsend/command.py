"""/test <template> <channel or me>: one post sent at once, the link or the error back in seconds.

Missing arguments are asked for by buttons: the template first, then Saved Messages by a press
or a channel by the command. Viewers are refused before any of it (access/viewers.py), and the
presses re-check that the template still exists.
"""

from __future__ import annotations

from collections.abc import Sequence

import procrastinate
from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from predlagator.bot.testsend import account_pick
from predlagator.bot.testsend import request as testsend_request
from predlagator.bot.testsend.texts import ME
from predlagator.bot.texts import cut, t
from predlagator.db import templates
from predlagator.db.pool import Pool
from predlagator.models import Operator, Template

PICK_LIMIT = 10


class PickForTest(CallbackData, prefix="tp"):
    """The template to test, picked from the list under the usage message."""

    template_id: int


class SendTestToMe(CallbackData, prefix="tm"):
    """Send the picked template to the account's Saved Messages."""

    template_id: int


def _label(template: Template) -> str:
    return cut(f"#{template.id} {template.name}")


def template_picker(found: Sequence[Template]) -> InlineKeyboardMarkup:
    """One button per template, newest first."""
    rows = [
        [
            InlineKeyboardButton(
                text=_label(tpl), callback_data=PickForTest(template_id=tpl.id).pack()
            )
        ]
        for tpl in found
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def where_to(lang: str, template: Template) -> tuple[str, InlineKeyboardMarkup]:
    """Ask for the target of a chosen template: a button for Saved Messages, or the command."""
    text = t(
        lang,
        "Test #{id} «{name}»: where to? Press Saved Messages (the sending account's own chat), "
        "or send <code>/test {id} @channel</code>.",
        id=template.id,
        name=template.name,
    )
    button = InlineKeyboardButton(
        text=t(lang, "📥 Saved Messages"),
        callback_data=SendTestToMe(template_id=template.id).pack(),
    )
    return text, InlineKeyboardMarkup(inline_keyboard=[[button]])


async def cmd_test(
    message: Message,
    command: CommandObject,
    pool: Pool,
    queue: procrastinate.App,
    operator: Operator,
    lang: str,
) -> None:
    """/test [template] [target]: send now, or ask for what is missing."""
    spec, word = testsend_request.split_args(command.args)
    if spec is None:
        await _usage(message, pool, lang)
        return
    async with pool.connection() as conn:
        template, why = await testsend_request.find_template(conn, lang, spec)
    if template is None:
        await message.answer(why)
        return
    if word is None:
        text, keyboard = where_to(lang, template)
        await message.answer(text, reply_markup=keyboard)
        return
    target, why = testsend_request.parse_target(lang, word)
    if target is None:
        await message.answer(why)
        return
    found = await account_pick.usable(pool)
    if len(found) > 1:  # several accounts: the operator says which one sends it
        asked, choices = account_pick.ask(lang, template, target, found)
        await message.answer(asked, reply_markup=choices)
        return
    await message.answer(
        await testsend_request.request(
            pool, queue, operator, template, target, message.chat.id, lang
        )
    )


async def _usage(message: Message, pool: Pool, lang: str) -> None:
    usage = t(
        lang,
        "<b>Test a post</b>: one message now, outside any campaign.\n"
        "<code>/test 5 @channel</code>: template #5 (or its name) to a channel: @name, "
        "a t.me link or a -100… id.\n"
        "<code>/test 5 me</code>: to the sending account's Saved Messages.",
    )
    async with pool.connection() as conn:
        found = await templates.list_all(conn, limit=PICK_LIMIT)
    if not found:
        await message.answer(usage + "\n\n" + t(lang, "No templates yet: send me the post first."))
        return
    pick = t(lang, "Or pick the template:")
    await message.answer(usage + "\n\n" + pick, reply_markup=template_picker(found))


async def _pressed_template(
    callback: CallbackQuery, pool: Pool, template_id: int, lang: str
) -> Template | None:
    """The template a button names, the press answered; None (said in an alert) once deleted."""
    async with pool.connection() as conn:
        template = await templates.get_live(conn, template_id)
    if template is None:
        await callback.answer(t(lang, "That template no longer exists."), show_alert=True)
        return None
    await callback.answer()
    return template


async def on_pick(
    callback: CallbackQuery, callback_data: PickForTest, pool: Pool, lang: str
) -> None:
    """A template picked: ask where to."""
    template = await _pressed_template(callback, pool, callback_data.template_id, lang)
    if template is None:
        return
    text, keyboard = where_to(lang, template)
    await _show(callback, text, keyboard)


async def on_to_me(
    callback: CallbackQuery,
    callback_data: SendTestToMe,
    pool: Pool,
    queue: procrastinate.App,
    operator: Operator,
    lang: str,
) -> None:
    """Saved Messages pressed: send the test (the button goes, so a second press can't)."""
    template = await _pressed_template(callback, pool, callback_data.template_id, lang)
    if template is None:
        return
    found = await account_pick.usable(pool)
    if len(found) > 1:  # whose Saved Messages: the operator says which account
        await _show(callback, *account_pick.ask(lang, template, ME, found))
        return
    message = callback.message
    chat_id = message.chat.id if message is not None else callback.from_user.id
    text = await testsend_request.request(pool, queue, operator, template, ME, chat_id, lang)
    await _show(callback, text, None)


async def on_from(
    callback: CallbackQuery,
    callback_data: account_pick.FromAccount,
    pool: Pool,
    queue: procrastinate.App,
    operator: Operator,
    lang: str,
) -> None:
    """An account picked: send the test from it, or say why it can't (the buttons go)."""
    template = await _pressed_template(callback, pool, callback_data.template_id, lang)
    if template is None:
        return
    message = callback.message
    chat_id = message.chat.id if message is not None else callback.from_user.id
    target, account_id = callback_data.target, callback_data.account_id
    text = await testsend_request.request(
        pool, queue, operator, template, target, chat_id, lang, account_id=account_id
    )
    await _show(callback, text, None)


async def _show(callback: CallbackQuery, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """Replace the pressed message with the next step (or a new message if it is gone)."""
    message = callback.message
    if message is None or isinstance(message, InaccessibleMessage):
        if callback.bot is not None:
            await callback.bot.send_message(callback.from_user.id, text, reply_markup=keyboard)
        return
    await message.edit_text(text, reply_markup=keyboard)


def make_router() -> Router:
    """Build this feature's router (a fresh one per dispatcher)."""
    router = Router(name=__name__)
    router.message.register(cmd_test, Command("test"))
    router.callback_query.register(on_pick, PickForTest.filter())
    router.callback_query.register(on_to_me, SendTestToMe.filter())
    router.callback_query.register(on_from, account_pick.FromAccount.filter())
    return router
