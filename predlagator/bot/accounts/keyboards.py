"""Buttons of /accounts and an account's screen: one CallbackData class per kind of press."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import Field

from predlagator.bot.accounts import login_keys

# Offsets beyond this are forged: nobody pages through a million accounts by hand.
MAX_OFFSET = 1_000_000
# Ids are PostgreSQL bigints. Data outside these bounds does not unpack, so a forged press
# matches no handler and gets the fallback's "no longer valid" instead of a database error.
MAX_ID = 2**63 - 1


class AccountsPage(CallbackData, prefix="ap"):
    """A page of /accounts."""

    offset: int = Field(ge=0, le=MAX_OFFSET)


class AccountView(CallbackData, prefix="av"):
    """An account's screen."""

    id: int = Field(gt=0, le=MAX_ID)


class AccountAction(CallbackData, prefix="aa"):
    """A change to an account (`id`), or to the pool (`id` 0): see ACTIONS in controls.py."""

    action: str
    id: int = Field(default=0, ge=0, le=MAX_ID)


# "Add Telegram account" under /accounts starts the chat login (login.py), by its own button.
ADD_TELEGRAM = login_keys.ADD_TELEGRAM
ADD_SIMULATED = AccountAction(action="add_simulated")


def button(text: str, data: CallbackData | str) -> InlineKeyboardButton:
    """One inline button (`data` packed already, or to pack)."""
    packed = data if isinstance(data, str) else data.pack()
    return InlineKeyboardButton(text=text, callback_data=packed)


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    """A keyboard of the non-empty rows, or None when there are none."""
    kept = [row for row in rows if row]
    return InlineKeyboardMarkup(inline_keyboard=kept) if kept else None


def valid_offset(offset: int) -> bool:
    """Whether a page offset from a button can be ours."""
    return 0 <= offset <= MAX_OFFSET
