"""/templates: the live templates, a page at a time; tapping one shows its preview."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardMarkup, Message

from predlagator.bot.access.viewers import READ_ONLY
from predlagator.bot.templates import preview as template_preview
from predlagator.bot.templates.keyboards import (
    TemplateOpen,
    TemplatePage,
    kind_label,
    list_keyboard,
)
from predlagator.bot.texts import Html, t
from predlagator.db import templates
from predlagator.db.pool import Pool
from predlagator.models import Operator, Role

PAGE = 10
# Pages beyond this are forged: nobody pages through a million templates by hand.
_MAX_PAGE = 100_000


async def render(pool: Pool, lang: str, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of templates with their buttons; a page gone since (deletes) shows the last."""
    async with pool.connection() as conn:
        pages = max(1, -(-await templates.count_live(conn) // PAGE))
        page = min(page, pages - 1)
        found = await templates.list_all(conn, limit=PAGE, offset=page * PAGE)
    if not found:
        return t(lang, "No templates yet. Send me the post you want to publish."), None
    if pages == 1:
        title = t(lang, "<b>Templates</b>. Tap one to see it.")
    else:
        title = t(
            lang,
            "<b>Templates</b>, page {page} of {pages}. Tap one to see it.",
            page=page + 1,
            pages=pages,
        )
    rows = [
        t(
            lang,
            "#{id} {name} · {kind}",
            id=tpl.id,
            name=tpl.name,
            kind=Html(kind_label(lang, tpl)),
        )
        for tpl in found
    ]
    return "\n".join([title, *rows]), list_keyboard(lang, found, page, pages)


async def cmd_templates(message: Message, pool: Pool, lang: str) -> None:
    """/templates: the newest page."""
    text, keyboard = await render(pool, lang, 0)
    await message.answer(text, reply_markup=keyboard)


async def on_page(
    callback: CallbackQuery, callback_data: TemplatePage, pool: Pool, lang: str
) -> None:
    """Prev / Next: replace the list with that page."""
    if not 0 <= callback_data.page <= _MAX_PAGE:
        await callback.answer(t(lang, "This button is no longer valid"))
        return
    await callback.answer()
    if callback.message is None or isinstance(callback.message, InaccessibleMessage):
        return
    text, keyboard = await render(pool, lang, callback_data.page)
    await callback.message.edit_text(text, reply_markup=keyboard)


async def on_open(
    callback: CallbackQuery,
    callback_data: TemplateOpen,
    bot: Bot,
    pool: Pool,
    operator: Operator,
    lang: str,
) -> None:
    """Show the template as it will go out; Rename and Delete only for those who may."""
    async with pool.connection() as conn:
        template = await templates.get_live(conn, callback_data.id)
    if template is None or callback.message is None:
        await callback.answer(t(lang, "That template no longer exists."))
        return
    await callback.answer()
    can_change = operator.role is not Role.VIEWER
    await template_preview.show(
        bot, callback.message.chat.id, template, lang, can_change=can_change
    )


def make_router() -> Router:
    """Build this feature's router (a fresh one per dispatcher); viewers may look too."""
    router = Router(name=__name__)
    router.message.register(cmd_templates, Command("templates"), flags=READ_ONLY)
    router.callback_query.register(on_page, TemplatePage.filter(), flags=READ_ONLY)
    router.callback_query.register(on_open, TemplateOpen.filter(), flags=READ_ONLY)
    return router
