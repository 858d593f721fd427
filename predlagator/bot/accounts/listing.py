"""/accounts: a paged list of the accounts; an account opens on its own screen."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from predlagator.bot.access.viewers import READ_ONLY
from predlagator.bot.accounts.changes import gone
from predlagator.bot.accounts.keyboards import AccountsPage, AccountView, valid_offset
from predlagator.bot.accounts.view import open_account, render_list
from predlagator.bot.redraw import show
from predlagator.bot.texts import t
from predlagator.config import Settings
from predlagator.db.pool import Pool
from predlagator.models import Operator


async def cmd_accounts(
    message: Message, pool: Pool, settings: Settings, operator: Operator, lang: str
) -> None:
    """/accounts: the first page."""
    text, keyboard = await render_list(pool, lang, operator, settings.zone, 0)
    await message.answer(text, reply_markup=keyboard)


async def on_page(
    callback: CallbackQuery,
    callback_data: AccountsPage,
    pool: Pool,
    settings: Settings,
    operator: Operator,
    lang: str,
) -> None:
    """Prev / Next / Back to accounts: replace the message with that page."""
    if not valid_offset(callback_data.offset):
        await callback.answer(t(lang, "This button is no longer valid"))
        return
    await callback.answer()
    await show(
        callback, *await render_list(pool, lang, operator, settings.zone, callback_data.offset)
    )


async def on_open(
    callback: CallbackQuery,
    callback_data: AccountView,
    pool: Pool,
    settings: Settings,
    operator: Operator,
    lang: str,
) -> None:
    """An account's button (or No under a question): show its screen."""
    shown = await open_account(pool, lang, operator, settings.zone, callback_data.id)
    if shown is None:
        await callback.answer(gone(lang), show_alert=True)
        return
    await callback.answer()
    await show(callback, *shown)


def make_router() -> Router:
    """Build this feature's router; it only reads, so viewers use it too."""
    router = Router(name=__name__)
    router.message.register(cmd_accounts, Command("accounts"), flags=READ_ONLY)
    router.callback_query.register(on_page, AccountsPage.filter(), flags=READ_ONLY)
    router.callback_query.register(on_open, AccountView.filter(), flags=READ_ONLY)
    return router
