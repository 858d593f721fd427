"""The wizard's buttons: each carries the run's token and its step, so old ones are told apart."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from predlagator.bot.texts import cut, t

Row = list[InlineKeyboardButton]


class WizardPress(CallbackData, prefix="wz"):
    """A press in /new_campaign: `action` at `step` of run `token`, with an optional value."""

    token: str
    step: str
    # pick, page, value, now, back, cancel, confirm, continue, restart; toggle and done (accounts)
    action: str
    value: str = ""


class Buttons:
    """Builds the buttons of one step of one run."""

    def __init__(self, token: str, step: str, lang: str) -> None:
        self.token, self.step, self.lang = token, step, lang

    def button(self, text: str, action: str, value: object = "") -> InlineKeyboardButton:
        """One button of this step."""
        data = WizardPress(token=self.token, step=self.step, action=action, value=str(value))
        return InlineKeyboardButton(text=text, callback_data=data.pack())

    def picks(self, items: Sequence[tuple[int, str]], chosen: int | None) -> list[Row]:
        """One button per (id, label), the current choice ticked."""
        return [
            [self.button(cut(("✓ " if item_id == chosen else "") + label), "pick", item_id)]
            for item_id, label in items
        ]

    def toggles(self, items: Sequence[tuple[int, str]], ticked: set[int]) -> list[Row]:
        """One button per (id, label) that ticks or unticks it, then Done (labels come cut)."""
        rows = [
            [self.button(("☑️ " if item_id in ticked else "⬜ ") + label, "toggle", item_id)]
            for item_id, label in items
        ]
        return [*rows, [self.button(t(self.lang, "➡️ Done"), "done")]]

    def pages(self, offset: int, size: int, has_next: bool) -> list[Row]:
        """Prev and Next under a picker, where there is somewhere to go."""
        row: Row = []
        if offset > 0:
            row.append(self.button(t(self.lang, "◀️ Prev"), "page", max(offset - size, 0)))
        if has_next:
            row.append(self.button(t(self.lang, "Next ▶️"), "page", offset + size))
        return [row] if row else []

    def values(self, options: Sequence[tuple[str, object]], current: object) -> list[Row]:
        """Suggested values in one row, the current one ticked."""
        row = [
            self.button(("✓ " if value == current else "") + label, "value", value)
            for label, value in options
        ]
        return [row] if row else []

    def nav(self, *, back: bool = True) -> list[Row]:
        """Back (except on the first step) and Cancel."""
        row = [self.button(t(self.lang, "✖️ Cancel"), "cancel")]
        if back:
            row.insert(0, self.button(t(self.lang, "⬅️ Back"), "back"))
        return [row]

    def markup(self, *rows: list[Row]) -> InlineKeyboardMarkup:
        """Stack groups of rows into a keyboard."""
        return InlineKeyboardMarkup(inline_keyboard=[row for group in rows for row in group])


def minute_of(at: datetime) -> int:
    """A moment as whole minutes since the epoch: short enough for callback data."""
    return int(at.timestamp()) // 60


def as_id(value: str) -> int | None:
    """A database id from callback data, or None if it is not one."""
    # ASCII digits only: isdigit() alone takes "²", which int() refuses.
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None
