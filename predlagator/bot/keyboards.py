"""Inline buttons: one CallbackData class per kind of press."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from predlagator.models import Batch, Template

# Telegram limits a button label; long names are cut, the id keeps them apart.
_LABEL = 40


class CampaignAction(CallbackData, prefix="c"):
    """Start, pause or resume a campaign."""

    id: int
    action: str


class PickBatch(CallbackData, prefix="nb"):
    """First step of /new_campaign: the batch."""

    batch_id: int


class PickTemplate(CallbackData, prefix="nt"):
    """Second step of /new_campaign; carries the batch so no FSM storage is needed."""

    batch_id: int
    template_id: int


def _label(item_id: int, name: str) -> str:
    text = f"#{item_id} {name}"
    return text if len(text) <= _LABEL else text[: _LABEL - 1] + "…"


def batch_picker(batches: Sequence[Batch]) -> InlineKeyboardMarkup:
    """One button per batch, newest first."""
    rows = [
        [
            InlineKeyboardButton(
                text=_label(b.id, f"{b.name} ({b.channel_count})"),
                callback_data=PickBatch(batch_id=b.id).pack(),
            )
        ]
        for b in batches
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def template_picker(batch_id: int, templates: Sequence[Template]) -> InlineKeyboardMarkup:
    """One button per template, newest first."""
    rows = [
        [
            InlineKeyboardButton(
                text=_label(tpl.id, tpl.name),
                callback_data=PickTemplate(batch_id=batch_id, template_id=tpl.id).pack(),
            )
        ]
        for tpl in templates
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


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


class ReportCampaign(CallbackData, prefix="rp"):
    """Send a campaign's report (again) into this chat."""

    id: int


def report_buttons(items: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    """One report button per (campaign id, label), a row each."""
    rows = [
        [
            InlineKeyboardButton(
                text=text if len(text) <= _LABEL else text[: _LABEL - 1] + "…",
                callback_data=ReportCampaign(id=campaign_id).pack(),
            )
        ]
        for campaign_id, text in items
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)
