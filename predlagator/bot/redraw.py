"""Replace the message under a pressed button with a new screen, in place."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardMarkup


def not_modified(exc: TelegramBadRequest) -> bool:
    """Telegram refuses an edit that changes nothing; for a redraw that is success."""
    return "message is not modified" in exc.message


async def show(callback: CallbackQuery, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """Edit the pressed message; a press that changes nothing (e.g. twice Next) is fine."""
    if callback.message is None or isinstance(callback.message, InaccessibleMessage):
        return  # too old for Telegram to let us edit: the press was answered already
    try:
        await callback.message.edit_text(text, reply_markup=keyboard)
    except TelegramBadRequest as exc:
        if not not_modified(exc):
            raise
