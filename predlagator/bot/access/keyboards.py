"""Buttons of operators management and of the audit log."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class OperatorAction(CallbackData, prefix="op"):
    """Manage one operator: add as a role, change role, ask to remove, confirm, cancel."""

    user_id: int
    action: str


class AuditPage(CallbackData, prefix="au"):
    """The "Older" button of /audit: the page starting `offset` entries back."""

    offset: int
