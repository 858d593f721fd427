"""The last router: whatever no feature took gets a short, helpful answer."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from predlagator.bot.access.viewers import READ_ONLY
from predlagator.bot.texts import t


async def stale_button(callback: CallbackQuery, lang: str) -> None:
    """A button we do not know (old, forged or garbled): say so, change nothing."""
    await callback.answer(t(lang, "This button is no longer valid"))


async def unsupported(message: Message, lang: str) -> None:
    """Stickers, voice notes and the like: say what the bot takes."""
    await message.answer(
        t(lang, "Send a channel list or a post (text, photo, video or file). /help explains more.")
    )


def make_router() -> Router:
    """Build this feature's router (a fresh one per dispatcher)."""
    router = Router(name=__name__)
    router.callback_query.register(stale_button, flags=READ_ONLY)
    router.message.register(unsupported, flags=READ_ONLY)
    return router
