"""Commands that reach a dialog waiting for a typed answer: they end the wait."""

from __future__ import annotations

from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from predlagator.bot.texts import t


async def on_cancel_command(
    message: Message, command: CommandObject, state: FSMContext, lang: str
) -> None:
    """A bare /cancel while waiting stops waiting (and does not go on to cancel a campaign)."""
    await state.clear()
    if command.args:
        raise SkipHandler  # "/cancel 5" is about campaign 5
    await message.answer(t(lang, "Cancelled; nothing changed."))


async def on_command(message: Message, state: FSMContext) -> None:
    """Another command while waiting: stop waiting and let the command run."""
    await state.clear()
    raise SkipHandler
