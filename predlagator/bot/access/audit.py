"""/audit: the latest changes, newest first, with an "Older" button to page back."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import (
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from predlagator.bot.access import audit_details
from predlagator.bot.access.keyboards import AuditPage
from predlagator.bot.access.viewers import READ_ONLY
from predlagator.bot.texts import Html, t
from predlagator.config import Settings
from predlagator.db import audit
from predlagator.db.pool import Pool
from predlagator.models import AuditEntry

PAGE = 20
# Offsets beyond this are forged: nobody pages back through a million entries by hand.
_MAX_OFFSET = 1_000_000


def row(lang: str, entry: AuditEntry, zone: ZoneInfo) -> str:
    """One entry: when, who, action, object and details."""
    who = str(entry.actor_id) if entry.actor_id is not None else t(lang, "system")
    what = entry.object_type or ""
    if entry.object_id is not None:
        what += f" #{entry.object_id}"
    line = t(
        lang,
        "{when} · {who} · {action} · {what}",
        when=audit_details.when(entry.created_at, zone)[5:],  # the year goes without saying
        who=who,
        action=entry.action,
        what=what.strip(),
    )
    extra = audit_details.details(lang, entry.details, zone)
    if not extra:
        return line
    # Plain text in HTML: quotes need no escaping outside attributes, and read better bare.
    return line + t(lang, " ({details})", details=Html(html.escape(extra, quote=False)))


async def render(
    pool: Pool, settings: Settings, lang: str, offset: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of entries and, when there are older ones, the "Older" button."""
    async with pool.connection() as conn:
        entries = await audit.page(conn, PAGE + 1, offset)
    if not entries:
        return t(lang, "No changes recorded yet."), None
    zone = settings.zone
    lines = [t(lang, "<b>Latest changes</b> ({zone})", zone=settings.timezone)]
    lines += [row(lang, e, zone) for e in entries[:PAGE]]
    if len(entries) <= PAGE:
        return "\n".join(lines), None
    older = InlineKeyboardButton(
        text=t(lang, "⬅️ Older"), callback_data=AuditPage(offset=offset + PAGE).pack()
    )
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=[[older]])


async def cmd_audit(message: Message, pool: Pool, settings: Settings, lang: str) -> None:
    """/audit: the newest page."""
    text, keyboard = await render(pool, settings, lang, 0)
    await message.answer(text, reply_markup=keyboard)


async def on_older(
    callback: CallbackQuery, callback_data: AuditPage, pool: Pool, settings: Settings, lang: str
) -> None:
    """The "Older" button: replace the page with the next one back."""
    if not 0 <= callback_data.offset <= _MAX_OFFSET:
        await callback.answer(t(lang, "This button is no longer valid"))
        return
    await callback.answer()
    if callback.message is None or isinstance(callback.message, InaccessibleMessage):
        return
    text, keyboard = await render(pool, settings, lang, callback_data.offset)
    await callback.message.edit_text(text, reply_markup=keyboard)


def make_router() -> Router:
    """Build this feature's router (a fresh one per dispatcher); viewers may page too."""
    router = Router(name=__name__)
    router.message.register(cmd_audit, Command("audit"), flags=READ_ONLY)
    router.callback_query.register(on_older, AuditPage.filter(), flags=READ_ONLY)
    return router
