"""Inline buttons: one CallbackData class per kind of press."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup


class CampaignAction(CallbackData, prefix="c"):
    """Start, pause or resume a campaign."""

    id: int
    action: str


def action_button(campaign_id: int, action: str, text: str) -> InlineKeyboardMarkup:
    """A keyboard with a single campaign action."""
    button = InlineKeyboardButton(
        text=text, callback_data=CampaignAction(id=campaign_id, action=action).pack()
    )
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


class OperatorAction(CallbackData, prefix="op"):
    """Manage one operator: add as a role, change role, ask to remove, confirm, cancel."""

    user_id: int
    action: str


class AuditPage(CallbackData, prefix="au"):
    """The "Older" button of /audit: the page starting `offset` entries back."""

    offset: int
