"""/audit: the latest changes, newest first, with an "Older" button to page back."""

from __future__ import annotations

from datetime import UTC

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import (
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from predlagator.bot.access.keyboards import AuditPage
from predlagator.bot.access.viewers import READ_ONLY
from predlagator.bot.texts import t
from predlagator.db import audit
from predlagator.db.pool import Pool
from predlagator.models import AuditEntry

PAGE = 20
# Details are a hint, not a report: long values are cut so a page stays readable.
_DETAILS = 60
# Offsets beyond this are forged: nobody pages back through a million entries by hand.
_MAX_OFFSET = 1_000_000


def details(entry: AuditEntry) -> str:
    """`key=value, …` of the entry's details, cut to a line."""
    text = ", ".join(f"{key}={value}" for key, value in entry.details.items())
    return text if len(text) <= _DETAILS else text[: _DETAILS - 1] + "…"


def row(lang: str, entry: AuditEntry) -> str:
    """One entry: when, who, action, object and details."""
    when = entry.created_at.astimezone(UTC).strftime("%m-%d %H:%M")
    who = str(entry.actor_id) if entry.actor_id is not None else t(lang, "system")
    what = entry.object_type or ""
    if entry.object_id is not None:
        what += f" #{entry.object_id}"
    line = t(
        lang,
        "{when} · {who} · {action} · {what}",
        when=when,
        who=who,
        action=entry.action,
        what=what.strip(),
    )
    extra = details(entry)
    return line + (t(lang, " ({details})", details=extra) if extra else "")


async def render(pool: Pool, lang: str, offset: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of entries and, when there are older ones, the "Older" button."""
    async with pool.connection() as conn:
        entries = await audit.page(conn, PAGE + 1, offset)
    if not entries:
        return t(lang, "No changes recorded yet."), None
    lines = [t(lang, "<b>Latest changes</b> (UTC)")] + [row(lang, e) for e in entries[:PAGE]]
    if len(entries) <= PAGE:
        return "\n".join(lines), None
    older = InlineKeyboardButton(
        text=t(lang, "⬅️ Older"), callback_data=AuditPage(offset=offset + PAGE).pack()
    )
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=[[older]])


async def cmd_audit(message: Message, pool: Pool, lang: str) -> None:
    """/audit: the newest page."""
    text, keyboard = await render(pool, lang, 0)
    await message.answer(text, reply_markup=keyboard)


async def on_older(
    callback: CallbackQuery, callback_data: AuditPage, pool: Pool, lang: str
) -> None:
    """The "Older" button: replace the page with the next one back."""
    if not 0 <= callback_data.offset <= _MAX_OFFSET:
        await callback.answer(t(lang, "This button is no longer valid"))
        return
    await callback.answer()
    if callback.message is None or isinstance(callback.message, InaccessibleMessage):
        return
    text, keyboard = await render(pool, lang, callback_data.offset)
    await callback.message.edit_text(text, reply_markup=keyboard)


def make_router() -> Router:
    """Build this feature's router (a fresh one per dispatcher); viewers may page too."""
    router = Router(name=__name__)
    router.message.register(cmd_audit, Command("audit"), flags=READ_ONLY)
    router.callback_query.register(on_older, AuditPage.filter(), flags=READ_ONLY)
    return router
