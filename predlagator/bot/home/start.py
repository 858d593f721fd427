"""/start and /help: what the bot does and its commands."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from predlagator.bot.access.viewers import READ_ONLY
from predlagator.bot.home.menu import help_text


async def cmd_start(message: Message, lang: str) -> None:
    """Introduce the bot and list the commands."""
    await message.answer(help_text(lang))


def make_router() -> Router:
    """Build this feature's router (a fresh one per dispatcher)."""
    router = Router(name=__name__)
    router.message.register(cmd_start, CommandStart(), flags=READ_ONLY)
    router.message.register(cmd_start, Command("help"), flags=READ_ONLY)
    return router
