"""/new_campaign: typed answers and button presses, each checked, each step undoable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message

from predlagator.bot.campaigns.wizard import answers, presses, repeat_answers
from predlagator.bot.campaigns.wizard.flow import WizardContext, advance, load, utc_now
from predlagator.bot.campaigns.wizard.keyboards import Buttons, WizardPress
from predlagator.bot.campaigns.wizard.prompts import Env, prompt
from predlagator.bot.campaigns.wizard.start_time import parse_start
from predlagator.bot.campaigns.wizard.states import REPEAT_STEPS, TYPED, Draft, new_token, next_step
from predlagator.bot.texts import t
from predlagator.config import Settings
from predlagator.db import batches, templates
from predlagator.db.pool import Pool

Clock = Callable[[], datetime]


async def cmd_new_campaign(
    message: Message,
    wizard: FSMContext | None,
    wizard_step: str | None,
    pool: Pool,
    settings: Settings,
    lang: str,
    clock: Clock = utc_now,
) -> None:
    """Start the wizard, or ask whether to go on with the one in progress or start over."""
    if wizard is None:
        return
    draft = await load(wizard) if wizard_step else None
    if draft is not None and wizard_step is not None:
        await message.answer(
            reentry_text(draft, lang), reply_markup=reentry(draft, wizard_step, lang)
        )
        return
    refusal = await missing_material(pool, lang)
    if refusal is not None:
        await message.answer(refusal)
        return
    env = Env(pool, settings, lang, clock())
    shown = await advance(wizard, "name", Draft(token=new_token()), env)
    await message.answer(shown.text, reply_markup=shown.markup)


def reentry_text(draft: Draft, lang: str) -> str:
    """The question when /new_campaign comes while a wizard is in progress."""
    if draft.name:
        return t(
            lang,
            "Campaign «{name}» is being prepared. Continue it, or start over?",
            name=draft.name,
        )
    return t(lang, "A campaign is already being prepared. Continue it, or start over?")


def reentry(draft: Draft, step: str, lang: str) -> InlineKeyboardMarkup:
    """Continue where it was, or start over."""
    buttons = Buttons(draft.token, step, lang)
    go_on = buttons.button(t(lang, "▶️ Continue"), "continue")
    return buttons.markup([[go_on, buttons.button(t(lang, "🔄 Start over"), "restart")]])


async def missing_material(pool: Pool, lang: str) -> str | None:
    """Why no campaign can be made yet (no batch, or no template), or None."""
    async with pool.connection() as conn:
        has_batches = bool(await batches.list_all(conn, limit=1))
        has_templates = bool(await templates.list_all(conn, limit=1))
    if not has_batches:
        return t(lang, "First send a list of channels: a campaign needs a batch.")
    if not has_templates:
        return t(lang, "First send the post: a campaign needs a template.")
    return None


def typed_answer(message: Message, wizard_step: str | None, raw_state: str | None) -> bool:
    """Filter: text (not a command) while the wizard waits for a typed answer.

    Another dialog started in the middle (raw_state: a rename, say) gets its answers first.
    """
    text = message.text or ""
    return wizard_step in TYPED and raw_state is None and bool(text) and not text.startswith("/")


async def on_answer(
    message: Message,
    wizard: FSMContext,
    wizard_step: str,
    pool: Pool,
    settings: Settings,
    lang: str,
    clock: Clock = utc_now,
) -> None:
    """Take a typed answer, or ask again with the reason."""
    draft = await load(wizard)
    if draft is None:
        return
    env = Env(pool, settings, lang, clock())
    text = message.text or ""
    refusal = apply_typed(draft, wizard_step, text, env)
    if refusal is not None:
        again = await prompt(wizard_step, draft, env)
        await message.answer(f"{refusal}\n\n{again.text}", reply_markup=again.markup)
        return
    shown = await advance(wizard, next_step(wizard_step), draft, env)
    await message.answer(shown.text, reply_markup=shown.markup)


def apply_typed(draft: Draft, step: str, text: str, env: Env) -> str | None:
    """Put a typed answer into the draft; return the refusal instead if it is not valid."""
    if step == "name":
        name = answers.name(text, env.lang)
        draft.name = name.value if name.value is not None else draft.name
        return name.refusal
    if step == "rate":
        # Over several accounts a typed number is a cap on their paces together.
        rate = answers.rate(text, env.lang, answers.rate_max(len(draft.chosen())))
        if rate.value is not None:
            draft.rate, draft.no_cap = rate.value, False
        return rate.refusal
    if step == "retry":
        limit = answers.retry_limit(text, env.lang)
        draft.retry_limit = limit.value if limit.value is not None else draft.retry_limit
        return limit.refusal
    if step in REPEAT_STEPS:
        today = env.now.astimezone(env.settings.zone).date()
        return repeat_answers.apply(draft, step, text, env.lang, today)
    zone = env.settings.zone
    start = answers.start(parse_start(text, env.now, zone), text.strip(), zone, env.lang)
    draft.start_at = start.value if start.value is not None else draft.start_at
    return start.refusal


def make_router() -> Router:
    """Build the wizard's router; it comes before the batches."""
    router = Router(name=__name__)
    router.message.outer_middleware(WizardContext())
    router.callback_query.outer_middleware(WizardContext())
    router.message.register(cmd_new_campaign, Command("new_campaign"))
    router.message.register(on_answer, F.text, typed_answer)
    router.callback_query.register(presses.on_press, WizardPress.filter())
    return router
