"""The answers of a login under way: the code and the password, deleted once read, sealed.

Every message that arrives while a login runs may hold the code, so each is deleted before
anything else; what it holds is sealed into the login's row and a worker checks it.
"""

from __future__ import annotations

import contextlib
import re

import procrastinate
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from predlagator.bot.accounts import login_texts as texts
from predlagator.bot.texts import t
from predlagator.config import ConfigError, Settings
from predlagator.db import account_logins
from predlagator.db.pool import Pool
from predlagator.queue import defer, names
from predlagator.session_vault import Vault, vault_for

# What may separate the digits of a typed code.
_CODE_SEPARATORS = re.compile(r"[\s.,·_-]+")


def bot_vault(settings: Settings) -> Vault | None:
    """The vault the bot seals answers with; None without a key (SESSION_KEY unset)."""
    try:
        return vault_for(settings, embedded=settings.database_url is None)
    except ConfigError:
        return None


def parse_code(text: str, length: int | None) -> str | None:
    """The digits of a typed code ('1 2 3 4 5' → '12345'); None if it is not one."""
    code = _CODE_SEPARATORS.sub("", text)
    if not code.isascii() or not code.isdigit():
        return None
    if length is not None and len(code) != length:
        return None
    return code if 4 <= len(code) <= 8 else None


async def on_login_message(
    message: Message,
    bot: Bot,
    state: FSMContext,
    pool: Pool,
    queue: procrastinate.App,
    settings: Settings,
    lang: str,
) -> None:
    """A message while the login runs: the code or the password, deleted once read."""
    # Whatever it is, it may hold the code: gone before anything else happens.
    with contextlib.suppress(TelegramBadRequest):  # already gone
        await bot.delete_message(message.chat.id, message.message_id)
    login_id = int((await state.get_data()).get("login_id") or 0)
    async with pool.connection() as conn:
        login = await account_logins.get(conn, login_id)
    vault = bot_vault(settings)
    if login is None or vault is None:
        await state.clear()
        await message.answer(t(lang, texts.GONE))
        return
    typed = message.text or ""
    if login.step == account_logins.CODE:
        code = parse_code(typed, login.code_length)
        if code is None:
            await message.answer(
                t(lang, "That is not the code Telegram sent.") + "\n" + t(lang, texts.CODE_HOW)
            )
            return
        await _answer(message, queue, pool, vault, login.id, code, password=False, lang=lang)
    elif login.step == account_logins.PASSWORD:
        if not typed:
            await message.answer(t(lang, "Send the password as text, please."))
            return
        await _answer(message, queue, pool, vault, login.id, typed, password=True, lang=lang)
    elif login.step == account_logins.EXPIRED:
        text, keyboard = texts.outcome_text(lang, login.name, {"kind": "code_expired"})
        await message.answer(text, reply_markup=keyboard)
    else:
        await message.answer(t(lang, texts.WAIT))


async def _answer(
    message: Message,
    queue: procrastinate.App,
    pool: Pool,
    vault: Vault,
    login_id: int,
    secret: str,
    *,
    password: bool,
    lang: str,
) -> None:
    """Seal what was typed into the login's row and have a worker check it."""
    if password:
        asked, checking = account_logins.PASSWORD, account_logins.CHECKING_PASSWORD
        task, said = names.LOGIN_CHECK_PASSWORD, t(lang, "Checking the password…")
    else:
        asked, checking = account_logins.CODE, account_logins.CHECKING_CODE
        task, said = names.LOGIN_SIGN_IN, t(lang, "Checking the code…")
    async with pool.connection() as conn:
        moved = await account_logins.answer(conn, login_id, asked, checking, vault.seal(secret))
    if moved is None:  # answered twice, or it just expired
        await message.answer(t(lang, texts.WAIT))
        return
    await defer.login_step(queue, task, login_id)
    await message.answer(said)


async def on_resend(
    callback: CallbackQuery, state: FSMContext, pool: Pool, queue: procrastinate.App, lang: str
) -> None:
    """Send a new code: the last one expired or never came."""
    login_id = int((await state.get_data()).get("login_id") or 0)
    from_steps = [account_logins.CODE, account_logins.EXPIRED]
    async with pool.connection() as conn:
        moved = await account_logins.move(conn, login_id, account_logins.SENDING, from_steps)
    if moved is None:
        await callback.answer(t(lang, "Not now: this login is not waiting for a code."))
        return
    await defer.login_step(queue, names.LOGIN_RESEND_CODE, login_id)
    await callback.answer(t(lang, "Asking Telegram for a new code…"))
