"""Buttons of the templates feature: the list's pages, opening one, rename and delete."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from predlagator.bot.texts import KIND, cut, t
from predlagator.models import Template

ICON = {"text": "📝", "photo": "🖼", "video": "🎬", "document": "📎"}


class TemplatePage(CallbackData, prefix="tl"):
    """Prev / Next in /templates: the page to show (0 is the newest)."""

    page: int


class TemplateOpen(CallbackData, prefix="to"):
    """A template in the list: show its preview."""

    id: int


class TemplateAction(CallbackData, prefix="ta"):
    """Under a preview: rename, delete, then confirm or cancel the delete."""

    id: int
    action: str


def kind_label(lang: str, template: Template) -> str:
    """ "🖼 photo", "📝 text", ..."""
    return f"{ICON[template.kind]} {t(lang, KIND[template.kind])}"


def list_keyboard(
    lang: str, found: Sequence[Template], page: int, pages: int
) -> InlineKeyboardMarkup:
    """One button per template, then Prev / Next where there is such a page."""
    rows = []
    for tpl in found:
        label = cut(f"{ICON[tpl.kind]} #{tpl.id} {tpl.name}")
        rows.append(
            [InlineKeyboardButton(text=label, callback_data=TemplateOpen(id=tpl.id).pack())]
        )
    nav = []
    if page > 0:
        nav.append(_page_button(t(lang, "⬅️ Prev"), page - 1))
    if page + 1 < pages:
        nav.append(_page_button(t(lang, "Next ➡️"), page + 1))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _page_button(text: str, page: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=TemplatePage(page=page).pack())


def actions_keyboard(lang: str, template_id: int) -> InlineKeyboardMarkup:
    """Rename and Delete under a preview."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _action(t(lang, "✏️ Rename"), template_id, "rename"),
                _action(t(lang, "🗑 Delete"), template_id, "delete"),
            ]
        ]
    )


def confirm_keyboard(lang: str, template_id: int) -> InlineKeyboardMarkup:
    """Yes, delete / Cancel."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _action(t(lang, "🗑 Yes, delete"), template_id, "confirm"),
                _action(t(lang, "Cancel"), template_id, "cancel"),
            ]
        ]
    )


def _action(text: str, template_id: int, action: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=TemplateAction(id=template_id, action=action).pack()
    )
