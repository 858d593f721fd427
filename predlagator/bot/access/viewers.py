"""Viewers may look but not change: everything but the read-only commands is refused."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from predlagator.bot.access.middleware import is_viewer
from predlagator.bot.texts import t

READ_ONLY = ("start", "help", "batches", "templates", "campaigns", "status", "audit", "channels")


async def refuse_message(message: Message, lang: str) -> None:
    """Tell a viewer that messages which would change something are not for them."""
    await message.answer(t(lang, "You can look, but viewers can't change anything."))


async def refuse_press(callback: CallbackQuery, lang: str) -> None:
    """Every button changes something, so a viewer's press is answered and dropped."""
    await callback.answer(t(lang, "Viewers can't change campaigns"), show_alert=True)


def make_router() -> Router:
    """Build this feature's router; it only sees viewers' updates."""
    router = Router(name=__name__)
    router.message.filter(is_viewer)
    router.callback_query.filter(is_viewer)
    router.message.register(refuse_message, ~Command(*READ_ONLY))
    router.callback_query.register(refuse_press)
    return router
