"""/test with several accounts: which one sends the test, picked by a button."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from predlagator.bot.testsend.texts import target_label
from predlagator.bot.texts import cut, t
from predlagator.db import picks
from predlagator.db.pool import Pool
from predlagator.models import Account, Template

# How much of an account's name a button shows.
NAME_CHARS = 24
# Telegram's limit for a button's callback data, in bytes.
CALLBACK_MAX = 64
# Telegram takes at most 100 buttons under a message.
SHOWN = 90


class FromAccount(CallbackData, prefix="tf"):
    """Send template `template_id` to `target` (a channel ref, or "me") from `account_id`."""

    template_id: int
    account_id: int
    target: str


async def usable(pool: Pool) -> list[Account]:
    """The accounts a test may be asked from: active, not removed, oldest first."""
    async with pool.connection() as conn:
        return await picks.active_accounts(conn)


def label(lang: str, account: Account, now: datetime) -> str:
    """A button's text: the name, "simulated", and a flood wait still running."""
    text = cut(account.name, NAME_CHARS)  # the name is cut, never the marks after it
    if account.kind == "simulated":  # the accounts screens' own mark
        text += " · " + t(lang, "🧪 simulated")
    if account.flood_until is not None and account.flood_until > now:
        text += " · " + t(lang, "⏳ until {at} UTC", at=f"{account.flood_until:%H:%M}")
    return text


def ask(
    lang: str, template: Template, target: str, found: list[Account]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """ "Test #5 to @news: from which account?" with one button per account."""
    now = datetime.now(UTC)
    rows = []
    for account in found[:SHOWN]:
        data = FromAccount(template_id=template.id, account_id=account.id, target=target).pack()
        if len(data.encode()) > CALLBACK_MAX:  # a reference too long to ride on a button
            return too_long(lang, template, target), None
        rows.append([InlineKeyboardButton(text=label(lang, account, now), callback_data=data)])
    text = t(
        lang,
        "Test #{id} «{name}» to {target}: from which account?",
        id=template.id,
        name=template.name,
        target=target_label(lang, target),
    )
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def too_long(lang: str, template: Template, target: str) -> str:
    """Why the account can't be asked by buttons for this target."""
    return t(
        lang,
        "Not sent: «{target}» is too long to choose the account by a button. "
        "Use the channel's @name or its -100… id.",
        target=target_label(lang, target),
    )
