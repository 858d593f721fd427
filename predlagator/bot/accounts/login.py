"""Owners add a Telegram account from the chat: a name, the phone, the code, the 2FA password.

The login itself runs in a worker (delivery/login_steps.py; the bot never imports Telethon),
one job per step, with its state in the login's row. The bot seals what the operator typed
with the session vault before it stores it, so the bot needs the same SESSION_KEY as the
workers (with the embedded database both use the key file under DATA_DIR): sealing in the
worker would mean handing it the code unsealed, in a job's arguments. The messages holding
the code and the password are deleted as soon as they are read; none of it is logged.
"""

from __future__ import annotations

import json
import re

import procrastinate
from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from predlagator.bot.access.operators import is_not_owner, is_owner
from predlagator.bot.access.viewers import READ_ONLY
from predlagator.bot.accounts import login_texts as texts
from predlagator.bot.accounts.login_answers import bot_vault, on_login_message, on_resend
from predlagator.bot.accounts.login_keys import AddTelegramAccount, LoginPress, cancel_keyboard
from predlagator.bot.texts import N_, echo, t
from predlagator.config import Settings
from predlagator.db import account_logins
from predlagator.db.pool import Pool
from predlagator.models import Operator
from predlagator.queue import defer, names

_NAME = re.compile(r"[A-Za-z0-9_-]+")
_PHONE = re.compile(r"\+[0-9][0-9 -]*")
_DIALOG = (AddTelegramAccount.name, AddTelegramAccount.phone)
UNDER_WAY = N_("A login is under way: finish it, or press Cancel.")


def parse_phone(text: str) -> str | None:
    """'+49 170-123 4567' → '+491701234567'; None unless + and 7 to 15 digits."""
    text = text.strip()
    if not _PHONE.fullmatch(text):
        return None
    digits = re.sub(r"[ -]", "", text)[1:]
    return f"+{digits}" if 7 <= len(digits) <= 15 else None


async def _begin(
    state: FSMContext, settings: Settings, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Ask the first question, or say why the bot cannot take a login."""
    if bot_vault(settings) is None:
        why = t(
            lang,
            "Adding accounts from the chat needs SESSION_KEY in the bot's settings too (the "
            "same key as the workers'): it seals the code before a worker reads it.",
        )
        return why, None
    await state.set_state(AddTelegramAccount.name)
    await state.set_data({})
    return t(lang, texts.ASK_NAME, max=texts.MAX_NAME), cancel_keyboard(lang)


async def cmd_add_account(
    message: Message, state: FSMContext, pool: Pool, settings: Settings, lang: str
) -> None:
    """/add_account: start the dialog (a login under way is finished or cancelled first)."""
    if await _login_under_way(state, pool):
        await message.answer(t(lang, UNDER_WAY), reply_markup=cancel_keyboard(lang))
        return
    text, keyboard = await _begin(state, settings, lang)
    await message.answer(text, reply_markup=keyboard)


async def on_add_press(
    callback: CallbackQuery, state: FSMContext, pool: Pool, settings: Settings, lang: str
) -> None:
    """The Add Telegram account button: the same as /add_account."""
    await callback.answer()
    keyboard: InlineKeyboardMarkup | None = cancel_keyboard(lang)
    if await _login_under_way(state, pool):
        text = t(lang, UNDER_WAY)
    else:
        text, keyboard = await _begin(state, settings, lang)
    if callback.message is not None:
        await callback.message.answer(text, reply_markup=keyboard)


async def on_name(message: Message, state: FSMContext, pool: Pool, lang: str) -> None:
    """The account's name: checked, then the phone is asked."""
    name = (message.text or "").strip()
    if len(name) > texts.MAX_NAME:
        why = t(
            lang, "That name has {n} characters; {max} at most.", n=len(name), max=texts.MAX_NAME
        )
    elif not _NAME.fullmatch(name):
        why = t(
            lang, "«{name}» is not a name: only Latin letters, digits, _ and -.", name=echo(name)
        )
    else:
        async with pool.connection() as conn:
            taken = await account_logins.name_taken(conn, name)
        why = t(lang, "«{name}» is taken: pick another name.", name=name) if taken else ""
    if why:
        await message.answer(why + " " + t(lang, "Send another name, or press Cancel."))
        return
    await state.set_state(AddTelegramAccount.phone)
    await state.set_data({"name": name})
    await message.answer(t(lang, texts.ASK_PHONE, name=name), reply_markup=cancel_keyboard(lang))


async def on_phone(
    message: Message,
    state: FSMContext,
    pool: Pool,
    queue: procrastinate.App,
    settings: Settings,
    operator: Operator,
    lang: str,
) -> None:
    """The phone: checked, then a worker asks Telegram for the code."""
    phone = parse_phone(message.text or "")
    if phone is None:
        await message.answer(
            t(
                lang,
                "«{text}» is not a phone number in international format: + and 7 to 15 digits "
                "(spaces and dashes may separate them), e.g. <code>+49 170 1234567</code>. "
                "Send it again.",
                text=echo(message.text or ""),
            )
        )
        return
    vault = bot_vault(settings)
    name = str((await state.get_data()).get("name") or "")
    if vault is None or not name:
        await state.clear()
        await message.answer(t(lang, texts.GONE))
        return
    sealed = vault.seal(json.dumps({"phone": phone}))
    async with pool.connection() as conn:
        login = await account_logins.start(
            conn, name, message.chat.id, operator.user_id, lang, sealed
        )
    if login is None:
        await state.set_state(AddTelegramAccount.name)
        await message.answer(t(lang, "«{name}» was taken meanwhile: send another name.", name=name))
        return
    await defer.login_expiry(queue, login.id, login.expires_at)
    await defer.login_step(queue, names.LOGIN_SEND_CODE, login.id)
    await state.set_state(AddTelegramAccount.login)
    await state.set_data({"login_id": login.id, "name": name})
    await message.answer(t(lang, texts.SENDING, phone=texts.mask(phone)))


async def on_cancel(
    event: Message | CallbackQuery, state: FSMContext, pool: Pool, lang: str
) -> None:
    """Cancel (the button or /cancel): the login and its sealed state go."""
    login_id = int((await state.get_data()).get("login_id") or 0)
    await state.clear()
    if login_id:
        async with pool.connection() as conn:
            await account_logins.finish(conn, login_id)
    said = t(lang, "Adding the account is cancelled.")
    if isinstance(event, CallbackQuery):
        await event.answer(said)
        if event.message is not None:
            await event.message.answer(said)
    else:
        await event.answer(said)


async def on_command_in_dialog(message: Message, state: FSMContext, lang: str) -> None:
    """Another command while the name or phone is asked ends the dialog, then runs."""
    await state.clear()
    await message.answer(t(lang, "Adding the account is cancelled."))
    raise SkipHandler


async def _login_under_way(state: FSMContext, pool: Pool) -> bool:
    if await state.get_state() != AddTelegramAccount.login.state:
        return False
    login_id = int((await state.get_data()).get("login_id") or 0)
    async with pool.connection() as conn:
        return await account_logins.get(conn, login_id) is not None


async def refuse_message(message: Message, lang: str) -> None:
    """Operators and viewers may not add accounts."""
    await message.answer(t(lang, "Only owners add accounts."))


async def refuse_press(callback: CallbackQuery, lang: str) -> None:
    """A non-owner's press: answered, nothing changes."""
    await callback.answer(t(lang, "Only owners add accounts."), show_alert=True)


def make_router() -> Router:
    """Build this feature's router. It goes first: while a login runs, the next message is its
    answer (and is deleted), whatever it looks like."""
    router = Router(name=__name__)
    press = LoginPress.filter
    login = AddTelegramAccount.login
    router.message.register(cmd_add_account, Command("add_account"), is_owner)
    router.message.register(refuse_message, Command("add_account"), flags=READ_ONLY)
    router.callback_query.register(on_add_press, press(F.action == "add"), is_owner)
    router.callback_query.register(refuse_press, press(), is_not_owner, flags=READ_ONLY)
    for asking in (*_DIALOG, login):
        router.message.register(on_cancel, asking, Command("cancel"), is_owner)
    router.callback_query.register(on_cancel, press(F.action == "cancel"), is_owner)
    router.callback_query.register(on_resend, press(F.action == "resend"), login, is_owner)
    for asking in _DIALOG:
        router.message.register(on_command_in_dialog, asking, F.text.startswith("/"))
    # Not for commands: /status and the like run as usual while the login waits for its code.
    router.message.register(on_name, AddTelegramAccount.name, ~F.text.startswith("/"), is_owner)
    router.message.register(on_phone, AddTelegramAccount.phone, ~F.text.startswith("/"), is_owner)
    router.message.register(on_login_message, login, ~F.text.startswith("/"), is_owner)
    return router
