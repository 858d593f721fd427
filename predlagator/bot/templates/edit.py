"""Rename a template (the bot asks for the name) and delete it (with a confirmation)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from predlagator.bot.redraw import show
from predlagator.bot.templates import preview as template_preview
from predlagator.bot.templates.keyboards import TemplateAction, actions_keyboard, confirm_keyboard
from predlagator.bot.texts import t, tn
from predlagator.db import audit, templates
from predlagator.db.pool import Pool
from predlagator.models import Operator, Template

MAX_NAME = 64
# Campaign ids named in the "still used" alert, which Telegram cuts at 200 characters.
_SHOWN_USERS = 5


class RenameTemplate(StatesGroup):
    """Waiting for the new name of the template kept in the state's data."""

    name = State()


async def _live(pool: Pool, template_id: int) -> Template | None:
    async with pool.connection() as conn:
        return await templates.get_live(conn, template_id)


async def _gone(callback: CallbackQuery, lang: str) -> None:
    await callback.answer(t(lang, "That template no longer exists."))


async def on_rename(
    callback: CallbackQuery,
    callback_data: TemplateAction,
    bot: Bot,
    state: FSMContext,
    pool: Pool,
    lang: str,
) -> None:
    """Ask for the new name; the next message from this chat is taken as it."""
    template = await _live(pool, callback_data.id)
    if template is None:
        await _gone(callback, lang)
        return
    await state.set_state(RenameTemplate.name)
    await state.update_data(template_id=template.id)
    await callback.answer()
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    await bot.send_message(
        chat_id,
        t(
            lang,
            "Send the new name for template #{id} «{name}» (up to {max} characters), "
            "or /cancel to keep it.",
            id=template.id,
            name=template.name,
            max=MAX_NAME,
        ),
    )


async def on_new_name(
    message: Message, state: FSMContext, pool: Pool, operator: Operator, lang: str
) -> None:
    """Check the name and rename; a wrong one is asked for again with the reason."""
    name = " ".join((message.text or "").split())
    if not name:
        await message.answer(t(lang, "Send the new name as text, or /cancel to keep the old one."))
        return
    if len(name) > MAX_NAME:
        await message.answer(
            t(
                lang,
                "That name has {n} characters; {max} at most. Send a shorter one, or /cancel.",
                n=len(name),
                max=MAX_NAME,
            )
        )
        return
    template_id = (await state.get_data()).get("template_id")
    await state.clear()
    renamed = await _rename(pool, operator, template_id, name)
    if renamed is None:
        await message.answer(t(lang, "That template no longer exists."))
        return
    await message.answer(
        t(lang, "Template #{id} is now «{name}».", id=renamed.id, name=renamed.name)
    )


async def _rename(
    pool: Pool, operator: Operator, template_id: object, name: str
) -> Template | None:
    if not isinstance(template_id, int):
        return None
    async with pool.connection() as conn, conn.transaction():
        before = await templates.get(conn, template_id)
        renamed = await templates.rename(conn, template_id, name)
        if renamed is not None and before is not None:
            await audit.record(
                conn,
                operator.user_id,
                "template.rename",
                "template",
                renamed.id,
                old=before.name,
                new=renamed.name,
            )
    return renamed


async def on_cancel_rename(message: Message, state: FSMContext, lang: str) -> None:
    """/cancel while a name is awaited: keep the old one."""
    await state.clear()
    await message.answer(t(lang, "Rename cancelled; the name stays as it was."))


async def on_command_during_rename(message: Message, state: FSMContext, lang: str) -> None:
    """Another command ends the rename, then runs as usual."""
    await state.clear()
    await message.answer(t(lang, "Rename cancelled; the name stays as it was."))
    raise SkipHandler


async def on_delete(
    callback: CallbackQuery,
    callback_data: TemplateAction,
    pool: Pool,
    lang: str,
) -> None:
    """Ask before deleting; refuse at once while a campaign in progress uses the template."""
    template = await _live(pool, callback_data.id)
    if template is None:
        await _gone(callback, lang)
        return
    if await _in_use(callback, pool, template.id, lang):
        return
    await callback.answer()
    question = t(
        lang,
        "Delete template #{id} «{name}»? Campaigns already sent with it keep their reports.",
        id=template.id,
        name=template.name,
    )
    await show(callback, question, confirm_keyboard(lang, template.id))


async def _in_use(callback: CallbackQuery, pool: Pool, template_id: int, lang: str) -> bool:
    """Answer with the campaigns that still use the template, if any."""
    async with pool.connection() as conn:
        users = await templates.in_use(conn, template_id)
    if not users:
        return False
    ids = ", ".join(f"#{c.id}" for c in users[:_SHOWN_USERS])
    if len(users) > _SHOWN_USERS:
        ids += ", …"
    await callback.answer(
        tn(
            lang,
            "Campaign {ids} still uses this template; delete it once that campaign finishes "
            "or is cancelled.",
            "Campaigns {ids} still use this template; delete it once they finish or are cancelled.",
            len(users),
            ids=ids,
        ),
        show_alert=True,
    )
    return True


async def on_confirm(
    callback: CallbackQuery,
    callback_data: TemplateAction,
    pool: Pool,
    operator: Operator,
    lang: str,
) -> None:
    """Delete for real (archived: campaigns keep pointing at it); a second press finds it gone."""
    async with pool.connection() as conn, conn.transaction():
        deleted = await templates.archive(conn, callback_data.id)
        if deleted is not None:
            await audit.record(
                conn, operator.user_id, "template.delete", "template", deleted.id, name=deleted.name
            )
    if deleted is None:
        if await _live(pool, callback_data.id) is None:
            await _gone(callback, lang)
        else:
            await _in_use(callback, pool, callback_data.id, lang)
        return
    await callback.answer(t(lang, "Template #{id} deleted", id=deleted.id))
    await show(
        callback,
        t(lang, "Template #{id} «{name}» deleted.", id=deleted.id, name=deleted.name),
        None,
    )


async def on_keep(
    callback: CallbackQuery,
    callback_data: TemplateAction,
    pool: Pool,
    lang: str,
) -> None:
    """Cancel under the question: the preview's header and buttons come back."""
    template = await _live(pool, callback_data.id)
    if template is None:
        await _gone(callback, lang)
        return
    await callback.answer()
    await show(
        callback, template_preview.header(lang, template), actions_keyboard(lang, template.id)
    )


def make_router() -> Router:
    """Build this feature's router. It goes first: while a name is awaited, the next message
    is the name, and a command ends the wait before any other router sees it."""
    router = Router(name=__name__)
    waiting = RenameTemplate.name
    router.message.register(on_cancel_rename, waiting, Command("cancel"))
    router.message.register(on_command_during_rename, waiting, F.text.startswith("/"))
    # Not for commands: the state filter still sees the wait that a command just ended.
    router.message.register(on_new_name, waiting, ~F.text.startswith("/"))
    router.callback_query.register(on_rename, TemplateAction.filter(F.action == "rename"))
    router.callback_query.register(on_delete, TemplateAction.filter(F.action == "delete"))
    router.callback_query.register(on_confirm, TemplateAction.filter(F.action == "confirm"))
    router.callback_query.register(on_keep, TemplateAction.filter(F.action == "cancel"))
    return router
