"""Moving between steps: remember the draft, then show the step's question."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InaccessibleMessage, TelegramObject
from pydantic import ValidationError

from predlagator.bot.campaigns.wizard.prompts import Env, Prompt, prompt
from predlagator.bot.campaigns.wizard.states import DESTINY, Draft, state_of, step_of
from predlagator.bot.redraw import not_modified
from predlagator.db import picks

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def utc_now() -> datetime:
    """The wizard's clock (tests put their own in the dispatcher's data as `clock`)."""
    return datetime.now(UTC)


class WizardContext(BaseMiddleware):
    """Give handlers the wizard's own FSM context (`wizard`) and its step (`wizard_step`)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        state: FSMContext | None = data.get("state")
        wizard = None
        if state is not None:
            wizard = FSMContext(storage=state.storage, key=replace(state.key, destiny=DESTINY))
        data["wizard"] = wizard
        data["wizard_step"] = step_of(await wizard.get_state()) if wizard else None
        return await handler(event, data)


async def load(wizard: FSMContext | None) -> Draft | None:
    """The draft in progress, or None (no wizard, or data this version can't read)."""
    if wizard is None:
        return None
    try:
        return Draft.model_validate(await wizard.get_data())
    except ValidationError:
        await wizard.clear()
        return None


async def enter(step: str, draft: Draft, env: Env) -> str:
    """The step really shown: the account step is skipped unless there is a choice."""
    if step != "account":
        return step
    async with env.pool.connection() as conn:
        found = [a.id for a in await picks.active_accounts(conn)]
    draft.choose_account = len(found) > 1
    if draft.choose_account:
        # All ticked the first time; later, what was ticked and can still send.
        answered = draft.account_ids is not None or draft.account_id is not None
        ticked = set(draft.chosen()) if answered else set(found)
        draft.account_ids = [a for a in found if a in ticked]
        return step
    # With no account yet, the one TG_SESSION signs in is made when the campaign is.
    draft.account_id = found[0] if found else None
    draft.account_ids = found or None
    draft.no_cap = False  # one account: its pace, or the cap typed
    return "rate"


async def save(wizard: FSMContext, step: str, draft: Draft) -> None:
    """Remember the step and the answers."""
    await wizard.set_state(state_of(step))
    await wizard.set_data(draft.dump())


async def advance(wizard: FSMContext, step: str, draft: Draft, env: Env, offset: int = 0) -> Prompt:
    """Go to `step` (or the one after it, if it is skipped) and build its question."""
    shown = await enter(step, draft, env)
    await save(wizard, shown, draft)
    return await prompt(shown, draft, env, offset)


async def edit(bot: Bot, callback: CallbackQuery, shown: Prompt | str) -> None:
    """Turn the pressed message into `shown` (a new message if the old one is out of reach)."""
    text, markup = (shown.text, shown.markup) if isinstance(shown, Prompt) else (shown, None)
    message = callback.message
    if message is None or isinstance(message, InaccessibleMessage):
        chat_id = message.chat.id if message is not None else callback.from_user.id
        await bot.send_message(chat_id, text, reply_markup=markup)
        return
    try:
        await bot.edit_message_text(
            text, chat_id=message.chat.id, message_id=message.message_id, reply_markup=markup
        )
    except TelegramBadRequest as exc:
        if not not_modified(exc):  # a second press on the same page shows the same thing
            raise
