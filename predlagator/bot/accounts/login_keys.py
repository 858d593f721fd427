"""The buttons and dialog states of adding a Telegram account from the chat."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from predlagator.bot.texts import t


class LoginPress(CallbackData, prefix="al"):
    """A press in an account login: add (start one), resend (a new code), cancel."""

    action: str


# The button that starts the dialog (the /accounts screen shows it as "Add Telegram account").
ADD_TELEGRAM = LoginPress(action="add").pack()
RESEND = LoginPress(action="resend").pack()
CANCEL = LoginPress(action="cancel").pack()


class AddTelegramAccount(StatesGroup):
    """The dialog: the account's name, its phone, then the login (its row says the step)."""

    name = State()
    phone = State()
    login = State()


def cancel_keyboard(lang: str) -> InlineKeyboardMarkup:
    """A Cancel button under a question of the dialog."""
    button = InlineKeyboardButton(text=t(lang, "Cancel"), callback_data=CANCEL)
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


def resend_keyboard(lang: str) -> InlineKeyboardMarkup:
    """Send a new code, or give up."""
    rows = [
        [InlineKeyboardButton(text=t(lang, "📨 Send a new code"), callback_data=RESEND)],
        [InlineKeyboardButton(text=t(lang, "Cancel"), callback_data=CANCEL)],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)
