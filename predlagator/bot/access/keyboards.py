"""Operators management's list and buttons, and the audit log's pager."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from predlagator.bot.texts import N_, ROLE, t
from predlagator.models import Operator, Role


class OperatorAction(CallbackData, prefix="op"):
    """Manage one operator: add as a role, change role, ask to remove, confirm, cancel."""

    user_id: int
    action: str


class AuditPage(CallbackData, prefix="au"):
    """The "Older" button of /audit: the page starting `offset` entries back."""

    offset: int


MAKE_ROLE = {"viewer": N_("👁 {id}: make viewer"), "operator": N_("🛠 {id}: make operator")}


def button(text: str, user_id: int, action: str) -> InlineKeyboardButton:
    """One operators-management button."""
    return InlineKeyboardButton(
        text=text, callback_data=OperatorAction(user_id=user_id, action=action).pack()
    )


def render(lang: str, everyone: list[Operator]) -> tuple[str, InlineKeyboardMarkup]:
    """The list with role and who added each, and buttons for every non-owner."""
    lines = [t(lang, "<b>Operators</b>")]
    rows: list[list[InlineKeyboardButton]] = []
    for op in everyone:
        role = t(lang, ROLE[op.role])
        if op.added_by is None:
            lines.append(t(lang, "• {id}: {role}", id=op.user_id, role=role))
        else:
            lines.append(
                t(lang, "• {id}: {role}, added by {by}", id=op.user_id, role=role, by=op.added_by)
            )
        if op.role is Role.OWNER:
            continue
        other = "viewer" if op.role is Role.OPERATOR else "operator"
        rows.append(
            [
                button(t(lang, MAKE_ROLE[other], id=op.user_id), op.user_id, f"role_{other}"),
                button(t(lang, "🗑 Remove {id}", id=op.user_id), op.user_id, "remove"),
            ]
        )
    lines.append(
        t(lang, "\nAdd: /operators add ID [viewer], or forward me a message from the person.")
    )
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)
