"""/channels: inactive channels with why and since when, and Reactivate buttons."""

from __future__ import annotations

from datetime import UTC

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from predlagator.bot.access.middleware import is_editor
from predlagator.bot.access.viewers import READ_ONLY
from predlagator.bot.batches.keyboards import (
    ChannelsPage,
    Reactivate,
    ReactivatePage,
    button,
    fingerprint,
    markup,
    nav_row,
    page_start,
    valid_offset,
)
from predlagator.bot.batches.refs import display
from predlagator.bot.batches.view import nav_labels
from predlagator.bot.redraw import show
from predlagator.bot.texts import switched_off, t, tn
from predlagator.db import audit, channels
from predlagator.db.pool import Pool
from predlagator.models import Channel, Operator

PAGE = 10  # one Reactivate button per channel


def channel_line(lang: str, number: int, channel: Channel) -> str:
    """One inactive channel: reference, reason and when."""
    reason = switched_off(lang, channel.deactivated_code, channel.deactivated_count)
    ref = display(channel.ref)
    if channel.deactivated_at is None:
        return t(lang, "{n}. {ref}: {reason}", n=number, ref=ref, reason=reason)
    when = channel.deactivated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    return t(
        lang, "{n}. {ref}: {reason} (since {when} UTC)", n=number, ref=ref, reason=reason, when=when
    )


async def render(
    pool: Pool, lang: str, offset: int, editor: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of inactive channels, latest first, with buttons for those who may change."""
    async with pool.connection() as conn:
        total = await channels.count_inactive(conn)
        offset = page_start(offset, total, PAGE)
        page = await channels.inactive_page(conn, PAGE, offset)
    if not page:
        return t(lang, "No inactive channels: every channel gets posts."), None
    header = t(lang, "<b>Inactive channels</b>: {n}. They get no posts until reactivated.", n=total)
    lines = [header, ""] + [channel_line(lang, offset + i + 1, c) for i, c in enumerate(page)]
    rows = []
    if editor:
        rows = [
            [
                button(
                    t(lang, "♻️ Reactivate {ref}", ref=display(c.ref)),
                    Reactivate(id=c.id, offset=offset),
                )
            ]
            for c in page
        ]
        if len(page) > 1:
            every = ReactivatePage(offset=offset, shown=fingerprint(page))
            rows.append([button(t(lang, "♻️ Reactivate all on this page"), every)])
    prev = ChannelsPage(offset=max(offset - PAGE, 0)) if offset else None
    next_ = ChannelsPage(offset=offset + PAGE) if offset + PAGE < total else None
    rows.append(nav_row(prev, next_, nav_labels(lang)))
    return "\n".join(lines), markup(rows)


async def cmd_channels(message: Message, pool: Pool, operator: Operator, lang: str) -> None:
    """/channels: the first page."""
    text, keyboard = await render(pool, lang, 0, is_editor(message, operator))
    await message.answer(text, reply_markup=keyboard)


async def on_page(
    callback: CallbackQuery, callback_data: ChannelsPage, pool: Pool, operator: Operator, lang: str
) -> None:
    """Prev / Next."""
    if not valid_offset(callback_data.offset):
        await callback.answer(t(lang, "This button is no longer valid"))
        return
    await callback.answer()
    await show(
        callback, *await render(pool, lang, callback_data.offset, is_editor(callback, operator))
    )


async def on_reactivate(
    callback: CallbackQuery, callback_data: Reactivate, pool: Pool, operator: Operator, lang: str
) -> None:
    """Reactivate one channel (audited); a second press finds it active already."""
    if not valid_offset(callback_data.offset):
        await callback.answer(t(lang, "This button is no longer valid"))
        return
    async with pool.connection() as conn, conn.transaction():
        before = await channels.get(conn, callback_data.id)
        back = await channels.reactivate(conn, callback_data.id)
        if back is not None and before is not None:
            await audit.record(
                conn,
                operator.user_id,
                "channel.reactivate",
                "channel",
                back.id,
                ref=back.ref,
                code=before.deactivated_code,
                count=before.deactivated_count,
            )
    if before is None:
        await callback.answer(t(lang, "This button is no longer valid"))
        return
    ref = display(before.ref)
    if back is None:
        await callback.answer(t(lang, "{ref} is already active.", ref=ref))
    else:
        await callback.answer(t(lang, "{ref} will get posts again.", ref=ref))
    await show(callback, *await render(pool, lang, callback_data.offset, True))


async def on_reactivate_page(
    callback: CallbackQuery,
    callback_data: ReactivatePage,
    pool: Pool,
    operator: Operator,
    lang: str,
) -> None:
    """Reactivate every channel of the page, if it still shows what the operator saw."""
    if not valid_offset(callback_data.offset):
        await callback.answer(t(lang, "This button is no longer valid"))
        return
    async with pool.connection() as conn, conn.transaction():
        page = await channels.inactive_page(conn, PAGE, callback_data.offset)
        if not page or fingerprint(page) != callback_data.shown:
            back = None
        else:
            back = await channels.reactivate_many(conn, [c.id for c in page])
            seen = {c.id: c for c in page}
            for channel in back:
                await audit.record(
                    conn,
                    operator.user_id,
                    "channel.reactivate",
                    "channel",
                    channel.id,
                    ref=channel.ref,
                    code=seen[channel.id].deactivated_code,
                    count=seen[channel.id].deactivated_count,
                )
    if back is None:
        await callback.answer(
            t(lang, "This page has changed; here it is again. Nothing was reactivated."),
            show_alert=True,
        )
    else:
        await callback.answer(
            tn(lang, "Reactivated {n} channel.", "Reactivated {n} channels.", len(back))
        )
    await show(callback, *await render(pool, lang, callback_data.offset, True))


def make_router() -> Router:
    """Build this feature's router; looking is read-only, Reactivate is not."""
    router = Router(name=__name__)
    router.message.register(cmd_channels, Command("channels"), flags=READ_ONLY)
    router.callback_query.register(on_page, ChannelsPage.filter(), flags=READ_ONLY)
    router.callback_query.register(on_reactivate, Reactivate.filter())
    router.callback_query.register(on_reactivate_page, ReactivatePage.filter())
    return router
