"""/batches: a paged list of batches; a batch opens with its counts and a page of channels."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from predlagator.bot.access.viewers import READ_ONLY
from predlagator.bot.batches.keyboards import (
    BatchEdit,
    BatchesPage,
    BatchView,
    button,
    markup,
    nav_row,
    page_start,
    valid_offset,
)
from predlagator.bot.batches.refs import display
from predlagator.bot.redraw import show
from predlagator.bot.texts import cut, t, tn
from predlagator.db import batches
from predlagator.db.pool import Pool
from predlagator.models import Batch, Channel, Operator, Role

PAGE = 8  # batches per page: one button each
CHANNELS_PAGE = 20  # channel lines per page of an open batch


def nav_labels(lang: str) -> tuple[str, str]:
    """The Prev and Next labels."""
    return t(lang, "⬅️ Prev"), t(lang, "Next ➡️")


async def render_list(
    pool: Pool, lang: str, offset: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of batches, newest first, each a button that opens it."""
    async with pool.connection() as conn:
        total = await batches.count(conn)
        offset = page_start(offset, total, PAGE)
        found = await batches.list_all(conn, limit=PAGE, offset=offset)
    if not found:
        return t(lang, "No batches yet. Send a list of channels to make one."), None
    header = t(
        lang,
        "<b>Batches</b> {first}–{last} of {total}:",
        first=offset + 1,
        last=offset + len(found),
        total=total,
    )
    rows = [
        tn(
            lang,
            "#{id} {name}: {n} channel",
            "#{id} {name}: {n} channels",
            b.channel_count,
            id=b.id,
            name=b.name,
        )
        for b in found
    ]
    hint = t(lang, "Tap a batch to open it.")
    buttons = [[button(cut(f"#{b.id} {b.name}"), BatchView(id=b.id, offset=0))] for b in found]
    prev = BatchesPage(offset=max(offset - PAGE, 0)) if offset else None
    next_ = BatchesPage(offset=offset + PAGE) if offset + PAGE < total else None
    buttons.append(nav_row(prev, next_, nav_labels(lang)))
    return "\n".join([header, *rows, "", hint]), markup(buttons)


def channel_line(lang: str, number: int, channel: Channel) -> str:
    """One numbered channel of a batch; inactive ones marked."""
    if channel.active:
        return t(lang, "{n}. {ref}", n=number, ref=display(channel.ref))
    return t(lang, "{n}. {ref} ⛔ inactive", n=number, ref=display(channel.ref))


def render_batch(
    lang: str, batch: Batch, page: list[Channel], offset: int, list_offset: int, editor: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The open batch: name, counts, a page of channels, and its buttons."""
    inactive = batch.channel_count - batch.active_count
    lines = [
        t(lang, "<b>Batch #{id} «{name}»</b>", id=batch.id, name=batch.name),
        tn(
            lang,
            "{n} channel: {active} active, {inactive} inactive.",
            "{n} channels: {active} active, {inactive} inactive.",
            batch.channel_count,
            active=batch.active_count,
            inactive=inactive,
        ),
        "",
    ]
    if page:
        lines += [channel_line(lang, offset + i + 1, c) for i, c in enumerate(page)]
    else:
        lines.append(t(lang, "No channels in this batch."))
    prev = BatchView(id=batch.id, offset=max(offset - CHANNELS_PAGE, 0)) if offset else None
    more = offset + CHANNELS_PAGE < batch.channel_count
    next_ = BatchView(id=batch.id, offset=offset + CHANNELS_PAGE) if more else None
    rows = [nav_row(prev, next_, nav_labels(lang))]
    if editor:
        rows.append(
            [
                button(t(lang, "➕ Add channels"), BatchEdit(id=batch.id, action="add")),
                button(t(lang, "➖ Remove channels"), BatchEdit(id=batch.id, action="remove")),
            ]
        )
        rows.append(
            [
                button(t(lang, "✏️ Rename"), BatchEdit(id=batch.id, action="rename")),
                button(t(lang, "🗑 Delete"), BatchEdit(id=batch.id, action="delete")),
            ]
        )
    rows.append([button(t(lang, "⬅️ Back to batches"), BatchesPage(offset=list_offset))])
    return "\n".join(lines), markup(rows)


async def open_batch(
    pool: Pool, lang: str, batch_id: int, offset: int, operator: Operator
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """The open batch at a channel page (clamped when the batch shrank); None if it is gone."""
    async with pool.connection() as conn:
        batch = await batches.get(conn, batch_id)
        if batch is None:
            return None
        offset = page_start(offset, batch.channel_count, CHANNELS_PAGE)
        page = await batches.channels_page(conn, batch_id, CHANNELS_PAGE, offset)
        list_offset = await batches.newer_count(conn, batch_id) // PAGE * PAGE
    editor = operator.role is not Role.VIEWER
    return render_batch(lang, batch, page, offset, list_offset, editor)


async def cmd_batches(message: Message, pool: Pool, lang: str) -> None:
    """/batches: the first page."""
    text, keyboard = await render_list(pool, lang, 0)
    await message.answer(text, reply_markup=keyboard)


async def on_page(
    callback: CallbackQuery, callback_data: BatchesPage, pool: Pool, lang: str
) -> None:
    """Prev / Next / Back to batches: replace the message with that page."""
    if not valid_offset(callback_data.offset):
        await callback.answer(t(lang, "This button is no longer valid"))
        return
    await callback.answer()
    text, keyboard = await render_list(pool, lang, callback_data.offset)
    await show(callback, text, keyboard)


async def on_open(
    callback: CallbackQuery, callback_data: BatchView, pool: Pool, operator: Operator, lang: str
) -> None:
    """A batch's button or its channel pages: show the batch."""
    if not valid_offset(callback_data.offset):
        await callback.answer(t(lang, "This button is no longer valid"))
        return
    shown = await open_batch(pool, lang, callback_data.id, callback_data.offset, operator)
    if shown is None:
        await callback.answer(t(lang, "This batch no longer exists."), show_alert=True)
        return
    await callback.answer()
    await show(callback, *shown)


def make_router() -> Router:
    """Build this feature's router; it only reads, so viewers use it too."""
    router = Router(name=__name__)
    router.message.register(cmd_batches, Command("batches"), flags=READ_ONLY)
    router.callback_query.register(on_page, BatchesPage.filter(), flags=READ_ONLY)
    router.callback_query.register(on_open, BatchView.filter(), flags=READ_ONLY)
    return router
