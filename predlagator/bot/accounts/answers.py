"""What an operator types after Change pace, Daily cap or Add simulated: checked, then done;
a bad answer is refused with why and asked again."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message

from predlagator.bot.accounts import changes, values
from predlagator.bot.accounts.keyboards import AccountAction, AccountView, button, markup
from predlagator.bot.accounts.states import AccountInput
from predlagator.bot.texts import N_, cut, t
from predlagator.bot.waiting import on_cancel_command, on_command
from predlagator.config import Settings
from predlagator.db import account_pool
from predlagator.db.pool import Pool
from predlagator.models import Operator, Role

NOT_OPEN = N_("This question is no longer open. Press Add simulated again.")
ONLY_OWNERS = N_("Only owners add, stop, resume a stopped or remove accounts.")


def open_button(lang: str, account_id: int, name: str) -> InlineKeyboardMarkup | None:
    """A button to the account's screen."""
    return markup([[button(t(lang, "Open «{name}»", name=cut(name)), AccountView(id=account_id))]])


async def _account_id(state: FSMContext) -> int | None:
    found = (await state.get_data()).get("account_id")
    return found if isinstance(found, int) else None


async def on_pace(
    message: Message, state: FSMContext, pool: Pool, operator: Operator, lang: str
) -> None:
    """The new pace: checked (asked again if wrong), then set."""
    answer = values.pace(message.text or "", lang)
    if answer.value is None:
        await message.answer(str(answer.refusal))
        return
    account_id = await _account_id(state)
    await state.clear()
    outcome = await changes.set_pace(pool, operator, lang, account_id or 0, answer.value)
    await _reply(message, lang, outcome, account_id)


async def on_cap(
    message: Message, state: FSMContext, pool: Pool, operator: Operator, lang: str
) -> None:
    """The new daily cap: checked (asked again if wrong), then set."""
    answer = values.cap(message.text or "", lang)
    if answer.value is None:
        await message.answer(str(answer.refusal))
        return
    account_id = await _account_id(state)
    await state.clear()
    outcome = await changes.set_cap(pool, operator, lang, account_id or 0, answer.value)
    await _reply(message, lang, outcome, account_id)


async def _reply(
    message: Message, lang: str, outcome: changes.Outcome, account_id: int | None
) -> None:
    keyboard = None
    if outcome.changed and account_id is not None:
        keyboard = markup([[button(t(lang, "Open the account"), AccountView(id=account_id))]])
    await message.answer(outcome.text, reply_markup=keyboard)


def _defaults(lang: str) -> str:
    return t(
        lang,
        "{ms} ms a send, {share}% of sends fail",
        ms=values.DEFAULT_LATENCY_MS,
        share=f"{values.DEFAULT_FAILURE_SHARE * 100:g}",
    )


async def on_sim_name(
    message: Message, state: FSMContext, pool: Pool, operator: Operator, lang: str
) -> None:
    """A simulated account's name: checked and free, then ask its latency and failures."""
    if operator.role is not Role.OWNER:  # demoted while the question waited
        await state.clear()
        await message.answer(t(lang, ONLY_OWNERS))
        return
    answer = values.name(message.text or "", lang)
    if answer.value is None:
        await message.answer(str(answer.refusal))
        return
    async with pool.connection() as conn:
        taken = await account_pool.by_name(conn, answer.value)
    if taken is not None:
        await message.answer(changes.taken_name(lang, taken.name))
        return
    await state.set_state(AccountInput.sim_options)
    await state.set_data({"name": answer.value})
    text = t(
        lang,
        "How slow and how unreliable should «{name}» be? Send the latency of a send in ms and "
        "the share of sends that fail, e.g. «300 0.05», or press Defaults ({defaults}).",
        name=answer.value,
        defaults=_defaults(lang),
    )
    defaults = button(t(lang, "Defaults"), AccountAction(action="sim_defaults"))
    cancel = button(t(lang, "Cancel"), AccountAction(action="cancel"))
    await message.answer(text, reply_markup=markup([[defaults, cancel]]))


async def on_sim_options(
    message: Message,
    state: FSMContext,
    pool: Pool,
    settings: Settings,
    operator: Operator,
    lang: str,
) -> None:
    """Latency and failure share: checked (asked again if wrong), then the account is made."""
    answer = values.simulation(message.text or "", lang)
    if answer.value is None:
        await message.answer(str(answer.refusal))
        return
    await create(message, state, pool, settings, operator, lang, answer.value)


async def create(
    message: Message,
    state: FSMContext,
    pool: Pool,
    settings: Settings,
    operator: Operator,
    lang: str,
    simulation: tuple[int, float],
) -> None:
    """Make the simulated account named in the state (owners only), and say so."""
    name = (await state.get_data()).get("name")
    await state.clear()
    if operator.role is not Role.OWNER:
        await message.answer(t(lang, ONLY_OWNERS))
        return
    if not isinstance(name, str):
        await message.answer(t(lang, NOT_OPEN))
        return
    rate = settings.default_rate_per_minute
    made, text = await changes.add_simulated(pool, operator, lang, name, simulation, rate)
    if made is None:
        # Taken meanwhile: the refusal asks for another name, so wait for it again.
        await state.set_state(AccountInput.sim_name)
        await message.answer(text)
        return
    await message.answer(text, reply_markup=open_button(lang, made.id, made.name))


async def on_other(message: Message, state: FSMContext, lang: str) -> None:
    """Anything but text while waiting: say what is expected (the state stays)."""
    expected = {
        AccountInput.pace.state: N_("Send the new pace as a number, or press Cancel."),
        AccountInput.cap.state: N_("Send the daily cap as a number, or press No cap or Cancel."),
        AccountInput.sim_name.state: N_("Send the new account's name as text, or press Cancel."),
        AccountInput.sim_options.state: N_(
            "Send the latency and failure share, or press Defaults."
        ),
    }
    anything = N_("Press Cancel.")
    await message.answer(t(lang, expected.get(await state.get_state() or "", anything)))


def make_router() -> Router:
    """Build this feature's router; it sees only operators who were asked something here."""
    router = Router(name=__name__)
    router.message.filter(StateFilter(AccountInput))
    router.message.register(on_cancel_command, Command("cancel"))
    command = F.text.startswith("/")
    router.message.register(on_command, command)
    text = F.text & ~command
    router.message.register(on_pace, StateFilter(AccountInput.pace), text)
    router.message.register(on_cap, StateFilter(AccountInput.cap), text)
    router.message.register(on_sim_name, StateFilter(AccountInput.sim_name), text)
    router.message.register(on_sim_options, StateFilter(AccountInput.sim_options), text)
    router.message.register(on_other, ~command)
    return router
