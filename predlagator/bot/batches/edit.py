"""The change buttons of an open batch: Add, Remove, Rename ask for input; Delete confirms."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery

from predlagator.bot.batches import changes
from predlagator.bot.batches.answers import BatchInput
from predlagator.bot.batches.create import NAME_CHARS
from predlagator.bot.batches.keyboards import BatchEdit, BatchView, button, markup
from predlagator.bot.batches.view import render_list
from predlagator.bot.redraw import show
from predlagator.bot.texts import t, tn
from predlagator.db import batches
from predlagator.db.pool import Pool
from predlagator.models import Batch, Operator


def prompt(lang: str, action: str, batch: Batch) -> str:
    """What to send after pressing Add, Remove or Rename."""
    if action == "add":
        return t(
            lang,
            "Send the channels to add to «{name}»: a list (one per line or comma-separated) "
            "or a .txt/.csv file.",
            name=batch.name,
        )
    if action == "remove":
        return t(
            lang,
            "Send the channels to remove from «{name}»: a list or a .txt/.csv file. "
            "They stay in your other batches.",
            name=batch.name,
        )
    return t(
        lang,
        "Send the new name for «{name}» (up to {max} characters).",
        name=batch.name,
        max=NAME_CHARS,
    )


STATES: dict[str, State] = {
    "add": BatchInput.add,
    "remove": BatchInput.remove,
    "rename": BatchInput.rename,
}


async def _live(pool: Pool, batch_id: int) -> Batch | None:
    async with pool.connection() as conn:
        return await batches.get(conn, batch_id)


async def on_ask(
    callback: CallbackQuery, callback_data: BatchEdit, state: FSMContext, pool: Pool, lang: str
) -> None:
    """Add, Remove or Rename: wait for the operator's list or name."""
    batch = await _live(pool, callback_data.id)
    if batch is None:
        await callback.answer(t(lang, "This batch no longer exists."), show_alert=True)
        return
    await state.set_state(STATES[callback_data.action])
    await state.set_data({"batch_id": batch.id})
    await callback.answer()
    cancel = BatchEdit(id=batch.id, action="cancel")
    keyboard = markup([[button(t(lang, "Cancel"), cancel)]])
    if callback.message is not None:
        await callback.message.answer(
            prompt(lang, callback_data.action, batch), reply_markup=keyboard
        )


async def on_cancel(callback: CallbackQuery, state: FSMContext, lang: str) -> None:
    """Cancel under a prompt: stop waiting."""
    await state.clear()
    await callback.answer()
    await show(callback, t(lang, "Cancelled; nothing changed."), None)


async def on_delete(
    callback: CallbackQuery, callback_data: BatchEdit, pool: Pool, lang: str
) -> None:
    """Delete: refuse while a campaign needs the batch, else ask to confirm."""
    async with pool.connection() as conn:
        batch = await batches.get(conn, callback_data.id)
        unfinished = await batches.unfinished_campaigns(conn, callback_data.id)
    if batch is None:
        await callback.answer(t(lang, "This batch no longer exists."), show_alert=True)
        return
    if unfinished:
        await callback.answer(changes.busy(lang, unfinished), show_alert=True)
        return
    await callback.answer()
    question = tn(
        lang,
        "Delete batch #{id} «{name}» ({n} channel)? Campaigns that used it keep their history, "
        "and the channels stay in your other batches.",
        "Delete batch #{id} «{name}» ({n} channels)? Campaigns that used it keep their history, "
        "and the channels stay in your other batches.",
        batch.channel_count,
        id=batch.id,
        name=batch.name,
    )
    keyboard = markup(
        [
            [
                button(t(lang, "🗑 Yes, delete"), BatchEdit(id=batch.id, action="confirm")),
                button(t(lang, "Cancel"), BatchView(id=batch.id, offset=0)),
            ]
        ]
    )
    await show(callback, question, keyboard)


async def on_confirm(
    callback: CallbackQuery,
    callback_data: BatchEdit,
    pool: Pool,
    operator: Operator,
    lang: str,
) -> None:
    """Yes, delete: archive it (a second press finds it gone) and show the list again."""
    done, reply = await changes.delete(pool, operator, lang, callback_data.id)
    await callback.answer(reply, show_alert=not done)
    if done:
        await show(callback, *await render_list(pool, lang, 0))


def make_router() -> Router:
    """Build this feature's router; viewers are refused by the middleware."""
    router = Router(name=__name__)
    asks = F.action.in_(set(STATES))
    router.callback_query.register(on_ask, BatchEdit.filter(asks))
    router.callback_query.register(on_cancel, BatchEdit.filter(F.action == "cancel"))
    router.callback_query.register(on_delete, BatchEdit.filter(F.action == "delete"))
    router.callback_query.register(on_confirm, BatchEdit.filter(F.action == "confirm"))
    return router
