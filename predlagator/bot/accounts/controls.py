"""The status buttons of an account's screen: pause, resume, stop and remove (both asked
first); each answered under the button and the screen redrawn as the account is now."""

from __future__ import annotations

import html
from datetime import datetime

import procrastinate
from aiogram import F, Router
from aiogram.types import CallbackQuery

from predlagator.bot.access.operators import is_not_owner, is_owner
from predlagator.bot.accounts import changes
from predlagator.bot.accounts.answers import ONLY_OWNERS
from predlagator.bot.accounts.changes import Outcome
from predlagator.bot.accounts.keyboards import AccountAction, AccountView, button, markup
from predlagator.bot.accounts.view import label, open_account, render_list
from predlagator.bot.redraw import show
from predlagator.bot.texts import t
from predlagator.config import Settings
from predlagator.db import account_pool
from predlagator.db.pool import Pool
from predlagator.models import Operator

ANSWER_MAX = 200  # Telegram's limit for the answer under a pressed button
# Operators steer an account's sending (pace, cap, pause, resume); owners decide which
# accounts exist and serve at all.
OWNER_ACTIONS = {
    *("stop", "stop_yes", "remove", "remove_yes", "restart", "add_simulated", "sim_defaults"),
}


def short(text: str) -> str:
    """A reply as plain text that fits under a pressed button (such answers are not HTML)."""
    text = html.unescape(text)
    return text if len(text) <= ANSWER_MAX else text[: ANSWER_MAX - 1] + "…"


async def _redraw(
    callback: CallbackQuery,
    pool: Pool,
    settings: Settings,
    operator: Operator,
    lang: str,
    account_id: int,
) -> None:
    """The pressed screen shows the account as it is now (the list, if it was removed)."""
    shown = await open_account(pool, lang, operator, settings.zone, account_id)
    if shown is None:
        shown = await render_list(pool, lang, operator, settings.zone, 0)
    await show(callback, *shown)


async def _answer(
    callback: CallbackQuery,
    outcome: Outcome,
    pool: Pool,
    settings: Settings,
    operator: Operator,
    lang: str,
    account_id: int,
) -> None:
    """Say what happened under the button (a refusal as an alert) and redraw the screen."""
    await callback.answer(short(outcome.text), show_alert=not outcome.changed)
    await _redraw(callback, pool, settings, operator, lang, account_id)


async def on_pause(
    callback: CallbackQuery,
    callback_data: AccountAction,
    pool: Pool,
    settings: Settings,
    operator: Operator,
    lang: str,
) -> None:
    """Pause: the account sends nothing until resumed."""
    outcome = await changes.pause(pool, operator, lang, callback_data.id)
    await _answer(callback, outcome, pool, settings, operator, lang, callback_data.id)


async def on_resume(
    callback: CallbackQuery,
    callback_data: AccountAction,
    pool: Pool,
    queue: procrastinate.App,
    settings: Settings,
    operator: Operator,
    lang: str,
) -> None:
    """Resume (a paused account) or, owners, Resume a stopped one: active again, drained now."""
    stopped = callback_data.action == "restart"
    outcome = await changes.resume(pool, queue, operator, lang, callback_data.id, stopped=stopped)
    await _answer(callback, outcome, pool, settings, operator, lang, callback_data.id)


async def on_ask_stop(
    callback: CallbackQuery, callback_data: AccountAction, pool: Pool, lang: str
) -> None:
    """Stop: ask first."""
    account = await changes.live_account(pool, callback_data.id)
    if account is None or account.status == "stopped":
        why = changes.gone(lang) if account is None else changes.why_not(lang, account, "stop")
        await callback.answer(short(why), show_alert=True)
        return
    await callback.answer()
    question = t(
        lang,
        "Stop {label}? New campaigns leave it out until an owner resumes it.",
        label=label(lang, account),
    )
    yes = button(t(lang, "⛔ Yes, stop"), AccountAction(action="stop_yes", id=account.id))
    no = button(t(lang, "No"), AccountView(id=account.id))
    await show(callback, question, markup([[yes, no]]))


async def on_stop(
    callback: CallbackQuery,
    callback_data: AccountAction,
    pool: Pool,
    settings: Settings,
    operator: Operator,
    lang: str,
) -> None:
    """Yes, stop (once; a second press says it is stopped already)."""
    outcome = await changes.stop(pool, operator, lang, callback_data.id)
    await _answer(callback, outcome, pool, settings, operator, lang, callback_data.id)


async def on_ask_remove(
    callback: CallbackQuery, callback_data: AccountAction, pool: Pool, settings: Settings, lang: str
) -> None:
    """Remove: refused, naming them, while live campaigns use it; else ask first."""
    async with pool.connection() as conn:
        today = datetime.now(settings.zone).date()
        account = await account_pool.get(conn, callback_data.id, today)
    if account is None or account.removed_at is not None:
        await callback.answer(changes.gone(lang), show_alert=True)
        return
    await callback.answer()
    if account.live_ids:
        text = changes.in_use(lang, account, account.live_ids, account.live_names)
        if callback.message is not None:
            await callback.message.answer(text)
        return
    question = t(
        lang,
        "Remove {label}? Its session is wiped and it can't send again; its history stays.",
        label=label(lang, account),
    )
    yes = button(t(lang, "🗑 Yes, remove"), AccountAction(action="remove_yes", id=account.id))
    no = button(t(lang, "No"), AccountView(id=account.id))
    await show(callback, question, markup([[yes, no]]))


async def on_remove(
    callback: CallbackQuery,
    callback_data: AccountAction,
    pool: Pool,
    settings: Settings,
    operator: Operator,
    lang: str,
) -> None:
    """Yes, remove (once; refused if a campaign took it up meanwhile): back to the list."""
    outcome = await changes.remove(pool, operator, lang, callback_data.id)
    await callback.answer(short(outcome.text), show_alert=not outcome.changed)
    if not outcome.changed and callback.message is not None and len(outcome.text) > ANSWER_MAX:
        await callback.message.answer(outcome.text)  # the campaigns named in full
    await _redraw(callback, pool, settings, operator, lang, callback_data.id)


async def refuse(callback: CallbackQuery, lang: str) -> None:
    """An operator's press of an owners' button: answered, nothing changes."""
    await callback.answer(t(lang, ONLY_OWNERS), show_alert=True)


def make_router() -> Router:
    """Build this feature's router; viewers are refused by the middleware, operators here."""
    router = Router(name=__name__)
    act = AccountAction.filter
    register = router.callback_query.register
    register(on_pause, act(F.action == "pause"))
    register(on_resume, act(F.action == "resume"))
    register(on_resume, act(F.action == "restart"), is_owner)
    register(on_ask_stop, act(F.action == "stop"), is_owner)
    register(on_stop, act(F.action == "stop_yes"), is_owner)
    register(on_ask_remove, act(F.action == "remove"), is_owner)
    register(on_remove, act(F.action == "remove_yes"), is_owner)
    # Not READ_ONLY: a viewer gets the viewers' refusal, an operator this one.
    register(refuse, act(F.action.in_(OWNER_ACTIONS)), is_not_owner)
    return router
