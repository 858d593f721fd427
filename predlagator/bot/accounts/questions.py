"""The questions under an account's screen and /accounts: a pace, a daily cap, or a new
simulated account's name; the typed answers come to answers.py."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from predlagator.bot.access.operators import is_owner
from predlagator.bot.accounts import answers, changes
from predlagator.bot.accounts.answers import NOT_OPEN
from predlagator.bot.accounts.keyboards import AccountAction, button, markup
from predlagator.bot.accounts.states import AccountInput
from predlagator.bot.accounts.values import (
    CAP_MAX,
    DEFAULT_FAILURE_SHARE,
    DEFAULT_LATENCY_MS,
    NAME_MAX,
    PACE_MAX,
)
from predlagator.bot.accounts.view import label, pace
from predlagator.bot.redraw import show
from predlagator.bot.texts import t
from predlagator.config import Settings
from predlagator.db.pool import Pool
from predlagator.models import Operator


def cancel_button(lang: str, account_id: int = 0) -> list[InlineKeyboardButton]:
    """The Cancel under a question."""
    return [button(t(lang, "Cancel"), AccountAction(action="cancel", id=account_id))]


async def _ask(
    callback: CallbackQuery,
    state: FSMContext,
    wait: State,
    data: dict[str, object],
    text: str,
    keyboard: InlineKeyboardMarkup | None,
) -> None:
    """Wait for a typed answer and ask for it below the screen."""
    await state.set_state(wait)
    await state.set_data(data)
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(text, reply_markup=keyboard)


async def on_pace(
    callback: CallbackQuery, callback_data: AccountAction, state: FSMContext, pool: Pool, lang: str
) -> None:
    """Change pace: ask for the number."""
    account = await changes.live_account(pool, callback_data.id)
    if account is None:
        await callback.answer(changes.gone(lang), show_alert=True)
        return
    text = t(
        lang,
        "{label} sends {pace} posts a minute. Send the new pace (above 0, at most {max}).",
        label=label(lang, account),
        pace=pace(account.rate_per_minute),
        max=f"{PACE_MAX:g}",
    )
    keyboard = markup([cancel_button(lang, account.id)])
    await _ask(callback, state, AccountInput.pace, {"account_id": account.id}, text, keyboard)


async def on_cap(
    callback: CallbackQuery, callback_data: AccountAction, state: FSMContext, pool: Pool, lang: str
) -> None:
    """Daily cap: ask for the number, or No cap."""
    account = await changes.live_account(pool, callback_data.id)
    if account is None:
        await callback.answer(changes.gone(lang), show_alert=True)
        return
    now = (
        t(lang, "no daily cap")
        if account.daily_cap is None
        else t(lang, "a daily cap of {n} posts", n=account.daily_cap)
    )
    text = t(
        lang,
        "{label} has {now}. Send the most posts it may make a day (1 to {max}), or press No cap.",
        label=label(lang, account),
        now=now,
        max=CAP_MAX,
    )
    no_cap = button(t(lang, "No cap"), AccountAction(action="nocap", id=account.id))
    keyboard = markup([[no_cap, *cancel_button(lang, account.id)]])
    await _ask(callback, state, AccountInput.cap, {"account_id": account.id}, text, keyboard)


async def on_no_cap(
    callback: CallbackQuery,
    callback_data: AccountAction,
    state: FSMContext,
    pool: Pool,
    operator: Operator,
    lang: str,
) -> None:
    """No cap: clear it; the question turns into the answer."""
    await state.clear()
    outcome = await changes.set_cap(pool, operator, lang, callback_data.id, None)
    await callback.answer()
    await show(callback, outcome.text, None)


async def on_add_simulated(callback: CallbackQuery, state: FSMContext, lang: str) -> None:
    """Add simulated: ask its name."""
    text = t(
        lang,
        "A simulated account goes through the whole engine (pace, ledger, card, report) but "
        "never reaches Telegram. Send its name: Latin letters, digits, _ or -, up to {max} "
        "characters.",
        max=NAME_MAX,
    )
    keyboard = markup([cancel_button(lang)])
    await _ask(callback, state, AccountInput.sim_name, {}, text, keyboard)


async def on_sim_defaults(
    callback: CallbackQuery,
    state: FSMContext,
    pool: Pool,
    settings: Settings,
    operator: Operator,
    lang: str,
) -> None:
    """Defaults under the simulation question: make the account with them (once)."""
    message = callback.message
    if await state.get_state() != AccountInput.sim_options.state or not isinstance(
        message, Message
    ):
        await callback.answer(t(lang, NOT_OPEN), show_alert=True)
        return
    await callback.answer()
    simulation = (DEFAULT_LATENCY_MS, DEFAULT_FAILURE_SHARE)
    await answers.create(message, state, pool, settings, operator, lang, simulation)


async def on_cancel(callback: CallbackQuery, state: FSMContext, lang: str) -> None:
    """Cancel under a question: stop waiting."""
    await state.clear()
    await callback.answer()
    await show(callback, t(lang, "Cancelled; nothing changed."), None)


def make_router() -> Router:
    """Build this feature's router; viewers are refused by the middleware."""
    router = Router(name=__name__)
    act = AccountAction.filter
    register = router.callback_query.register
    register(on_pace, act(F.action == "pace"))
    register(on_cap, act(F.action == "cap"))
    register(on_no_cap, act(F.action == "nocap"))
    register(on_cancel, act(F.action == "cancel"))
    register(on_add_simulated, act(F.action == "add_simulated"), is_owner)
    register(on_sim_defaults, act(F.action == "sim_defaults"), is_owner)
    return router
