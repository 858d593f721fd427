"""Buttons of /batches, an open batch and /channels: one CallbackData class per kind of press."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal
from zlib import crc32

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from predlagator.models import Channel

# Offsets beyond this are forged: nobody pages through a million rows by hand.
MAX_OFFSET = 1_000_000


class BatchesPage(CallbackData, prefix="bl"):
    """A page of /batches."""

    offset: int


class BatchView(CallbackData, prefix="bv"):
    """An open batch, showing its channels from `offset`."""

    id: int
    offset: int


class BatchEdit(CallbackData, prefix="be"):
    """A change to a batch: add, remove, rename, delete, confirm (the delete), cancel (input)."""

    id: int
    action: str


class ChannelsPage(CallbackData, prefix="ch"):
    """A page of /channels (inactive channels)."""

    offset: int


class Reactivate(CallbackData, prefix="cr"):
    """Reactivate one channel, then redraw the page at `offset`."""

    id: int
    offset: int


class ReactivatePage(CallbackData, prefix="ca"):
    """Reactivate every channel of the page at `offset`, as long as it is the page shown."""

    offset: int
    shown: str  # fingerprint of the channels the operator saw


def fingerprint(channels: Sequence[Channel]) -> str:
    """A short tag of which channels a page shows, so a changed page is not acted on blindly."""
    return f"{crc32(','.join(str(c.id) for c in channels).encode()):08x}"


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    """One inline button."""
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def nav_row(
    prev: CallbackData | None, next_: CallbackData | None, labels: tuple[str, str]
) -> list[InlineKeyboardButton]:
    """Prev / Next buttons, each only where there is such a page."""
    row = []
    if prev is not None:
        row.append(button(labels[0], prev))
    if next_ is not None:
        row.append(button(labels[1], next_))
    return row


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    """A keyboard of the non-empty rows, or None when there are none."""
    kept = [row for row in rows if row]
    return InlineKeyboardMarkup(inline_keyboard=kept) if kept else None


def valid_offset(offset: int) -> bool:
    """Whether a page offset from a button can be ours."""
    return 0 <= offset <= MAX_OFFSET


def page_start(offset: int, total: int, size: int) -> int:
    """`offset`, or the last page's start when the list has shrunk below it."""
    if offset < total:
        return offset
    return max(0, (total - 1) // size * size)


class FileKind(CallbackData, prefix="fk"):
    """Under the question about a .txt or .csv file (its reply): a channel list, or a post."""

    choice: Literal["list", "post"]
