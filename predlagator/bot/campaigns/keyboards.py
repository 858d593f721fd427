"""Buttons of campaigns: the card's actions, a picker of candidates, the cancel confirmation."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from predlagator.bot.texts import STATUS, cut, t
from predlagator.models import Campaign

# Telegram limits a button label; long names are cut, the id keeps them apart.
_NAME = 32


class CampaignAction(CallbackData, prefix="c"):
    """A button on a campaign's card: start, pause, resume, cancel or refresh it."""

    id: int
    action: str


class PickCampaign(CallbackData, prefix="cp"):
    """A campaign chosen for a control from a command's picker."""

    action: str
    id: int


class RetryFailed(CallbackData, prefix="rt"):
    """Retry failed (N) on a finished campaign's card, drawn for its latest run: a press
    after that run got its retry finds it out of date."""

    id: int
    run: int


class CancelAnswer(CallbackData, prefix="cx"):
    """Yes or no to "Cancel campaign X?"."""

    id: int
    sure: bool


def _label(campaign: Campaign, lang: str) -> str:
    return f"#{campaign.id} {cut(campaign.name, _NAME)} · {t(lang, STATUS[campaign.status.value])}"


def picker(action: str, found: Sequence[Campaign], lang: str) -> InlineKeyboardMarkup:
    """One button per campaign, with its status, in the order given."""
    rows = [
        [
            InlineKeyboardButton(
                text=_label(c, lang), callback_data=PickCampaign(action=action, id=c.id).pack()
            )
        ]
        for c in found
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def confirm_cancel(campaign_id: int, lang: str) -> InlineKeyboardMarkup:
    """Yes and No under the cancel question."""
    yes = CancelAnswer(id=campaign_id, sure=True).pack()
    no = CancelAnswer(id=campaign_id, sure=False).pack()
    buttons = [
        InlineKeyboardButton(text=t(lang, "✖️ Yes, cancel it"), callback_data=yes),
        InlineKeyboardButton(text=t(lang, "No, keep it"), callback_data=no),
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])
