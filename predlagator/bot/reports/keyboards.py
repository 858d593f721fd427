"""The report's buttons: on a finished campaign's card, and the /report picker."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from predlagator.bot.texts import cut


class ReportCampaign(CallbackData, prefix="rp"):
    """Send a campaign's report (again) into this chat."""

    id: int


def report_buttons(items: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    """One report button per (campaign id, label), a row each."""
    rows = [
        [
            InlineKeyboardButton(
                text=cut(text),
                callback_data=ReportCampaign(id=campaign_id).pack(),
            )
        ]
        for campaign_id, text in items
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)
