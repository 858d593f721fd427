"""The wizard's buttons: picks, pages, suggested values, Back, Cancel, Confirm."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import procrastinate
from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from predlagator.bot.campaigns import lifecycle as control
from predlagator.bot.campaigns.lifecycle import Tools
from predlagator.bot.campaigns.wizard import answers, confirm, repeat_answers
from predlagator.bot.campaigns.wizard.account_step import on_done, on_toggle
from predlagator.bot.campaigns.wizard.flow import advance, edit, load, utc_now
from predlagator.bot.campaigns.wizard.keyboards import WizardPress, as_id
from predlagator.bot.campaigns.wizard.prompts import NO_CAP, Env
from predlagator.bot.campaigns.wizard.start_time import check_start, show
from predlagator.bot.campaigns.wizard.states import REPEAT_STEPS, Draft, new_token, next_step
from predlagator.bot.campaigns.wizard.summary import load_picks
from predlagator.bot.texts import t
from predlagator.config import Settings
from predlagator.db import picks, templates
from predlagator.db.pool import Pool
from predlagator.models import Operator
from predlagator.queue import defer

# The steps answered by a pick from a list, and those with suggested values.
PICKED = frozenset({"batch", "template", "account"})
VALUED = frozenset({"name", "rate", "retry", "start", *REPEAT_STEPS})


@dataclass
class Turn:
    """One press, with everything its action needs."""

    callback: CallbackQuery
    press: WizardPress
    draft: Draft
    wizard: FSMContext
    env: Env
    bot: Bot
    queue: procrastinate.App
    operator: Operator

    @property
    def lang(self) -> str:
        """The operator's language."""
        return self.env.lang

    async def go(self, step: str, offset: int = 0) -> None:
        """Move to `step` and show it in place of the pressed message."""
        await edit(
            self.bot, self.callback, await advance(self.wizard, step, self.draft, self.env, offset)
        )
        await self.callback.answer()

    async def refuse(self, reason: str) -> None:
        """Say why the press changed nothing."""
        await self.callback.answer(reason, show_alert=True)

    async def stale(self) -> None:
        """A press that makes no sense here (forged or garbled)."""
        await self.callback.answer(t(self.lang, "This button is no longer valid"))


async def on_press(
    callback: CallbackQuery,
    callback_data: WizardPress,
    wizard: FSMContext | None,
    wizard_step: str | None,
    bot: Bot,
    pool: Pool,
    queue: procrastinate.App,
    settings: Settings,
    operator: Operator,
    lang: str,
    clock: Callable[[], datetime] = utc_now,
) -> None:
    """Check the press belongs to the wizard's current run and step, then act on it."""
    draft = await load(wizard) if wizard_step else None
    if wizard is None or draft is None or draft.token != callback_data.token:
        await callback.answer(t(lang, "This wizard is over. /new_campaign starts a new one."))
        return
    if callback_data.step != wizard_step:
        await callback.answer(t(lang, "That step is done: use the latest message."))
        return
    env = Env(pool, settings, lang, clock())
    turn = Turn(callback, callback_data, draft, wizard, env, bot, queue, operator)
    action = ACTIONS.get(callback_data.action)
    await (action(turn) if action is not None else turn.stale())


async def on_back(turn: Turn) -> None:
    """The step before (the first step has no Back)."""
    if turn.press.step == "name":
        await turn.stale()
        return
    await turn.go(turn.draft.previous(turn.press.step))


async def on_cancel(turn: Turn) -> None:
    """Forget the draft; nothing was created."""
    await turn.wizard.clear()
    await edit(turn.bot, turn.callback, t(turn.lang, "Cancelled: nothing was created."))
    await turn.callback.answer()


async def on_continue(turn: Turn) -> None:
    """Show the current step again, with fresh lists."""
    await turn.go(turn.press.step)


async def on_restart(turn: Turn) -> None:
    """A new run from the first step; the old run's buttons stop working."""
    turn.draft = Draft(token=new_token())
    await turn.go("name")


async def on_page(turn: Turn) -> None:
    """Another page of batches or templates."""
    offset = as_id(turn.press.value)
    if offset is None or turn.press.step not in {"batch", "template"}:
        await turn.stale()
        return
    await turn.go(turn.press.step, offset)


async def on_pick(turn: Turn) -> None:
    """A batch, template or account picked: check it can be used, then go on."""
    item_id, step = as_id(turn.press.value), turn.press.step
    if item_id is None or step not in PICKED:
        await turn.stale()
        return
    refusal = await pick(turn, step, item_id)
    if refusal is not None:
        await turn.refuse(refusal)
        return
    await turn.go(next_step(step))


async def pick(turn: Turn, step: str, item_id: int) -> str | None:
    """Record the pick in the draft, or say why it can't be used."""
    lang = turn.lang
    async with turn.env.pool.connection() as conn:
        if step == "batch":
            refusal = confirm.batch_refusal(await picks.batch(conn, item_id), lang)
            turn.draft.batch_id = item_id if refusal is None else turn.draft.batch_id
            return refusal
        if step == "template":
            if await templates.get_live(conn, item_id) is None:
                return t(lang, "That template no longer exists. Pick another.")
            turn.draft.template_id = item_id
            return None
        if item_id not in {a.id for a in await picks.active_accounts(conn)}:
            return t(lang, "That account can't send any more. Choose again.")
    # A button of the single-account picker, from before accounts could be several.
    turn.draft.account_id, turn.draft.account_ids = item_id, [item_id]
    return None


async def on_value(turn: Turn) -> None:
    """A suggested value: the same checks as a typed one."""
    step, value, lang = turn.press.step, turn.press.value, turn.lang
    if step not in VALUED:
        await turn.stale()
        return
    if step in REPEAT_STEPS:
        await on_repeat_value(turn)
        return
    refusal: str | None = None
    if step == "name" and turn.draft.name is None:
        refusal = t(lang, "Send a name first.")
    elif step == "rate":
        refusal = rate_refusal(turn.draft, value, lang)
    elif step == "retry":
        limit = answers.retry_limit(value, lang)
        refusal = limit.refusal
        turn.draft.retry_limit = limit.value if limit.value is not None else turn.draft.retry_limit
    elif step == "start":
        refusal = start_refusal(turn)
    if refusal is not None:
        await turn.refuse(refusal)
        return
    await turn.go(next_step(step))


async def on_repeat_value(turn: Turn) -> None:
    """A press in the Repeat branch: a kind, a day ticked, a suggested value, delete or keep."""
    step, value, draft = turn.press.step, turn.press.value, turn.draft
    if step == "repeat":
        following = repeat_answers.choose_kind(draft, value)
        await (turn.go(following) if following is not None else turn.stale())
        return
    if step == "repeat_days":
        if value == "ok":
            if not draft.rule.get("weekdays"):
                await turn.refuse(t(turn.lang, repeat_answers.NO_DAY))
                return
            await turn.go("repeat_at")
            return
        await (turn.go(step) if repeat_answers.toggle_day(draft, value) else turn.stale())
        return
    if step == "repeat_delete":
        if value not in {"yes", "no"}:
            await turn.stale()
            return
        repeat_answers.finish(draft, value == "yes")
        await turn.go("confirm")
        return
    today = turn.env.now.astimezone(turn.env.settings.zone).date()
    refusal = repeat_answers.apply(draft, step, value, turn.lang, today)
    if refusal is not None:
        await turn.refuse(refusal)
        return
    await turn.go(next_step(step))


async def on_repeat(turn: Turn) -> None:
    """Repeat, at the start step: the questions of a recurring campaign."""
    if turn.press.step != "start":
        await turn.stale()
        return
    await turn.go("repeat")


def rate_refusal(draft: Draft, value: str, lang: str) -> str | None:
    """Take a pressed pace or cap (or "no cap", over several accounts), or say why not."""
    several = len(draft.chosen()) > 1
    if value == NO_CAP and several:
        draft.no_cap, draft.rate = True, None
        return None
    rate = answers.rate(value, lang, answers.rate_max(len(draft.chosen())))
    if rate.value is not None:
        draft.rate, draft.no_cap = rate.value, False
    return rate.refusal


def moment(minutes: int | None, zone: ZoneInfo) -> datetime | None:
    """Whole minutes since the epoch as a moment in `zone`; None for a number beyond calendars."""
    if minutes is None:
        return None
    try:
        return datetime.fromtimestamp(minutes * 60, UTC).astimezone(zone)
    except (OverflowError, ValueError):
        return None


def start_refusal(turn: Turn) -> str | None:
    """Take a suggested start time (whole minutes since the epoch) unless it has passed."""
    zone = turn.env.settings.zone
    at = moment(as_id(turn.press.value), zone)
    if at is None:
        return t(turn.lang, "This button is no longer valid")
    start = answers.start(check_start(at, turn.env.now), f"{at:%Y-%m-%d %H:%M}", zone, turn.lang)
    turn.draft.start_at = start.value or turn.draft.start_at
    return start.refusal


async def on_now(turn: Turn) -> None:
    """Start as soon as it is confirmed."""
    if turn.press.step != "start":
        await turn.stale()
        return
    turn.draft.start_at = None
    await turn.go("confirm")


async def on_confirm(turn: Turn) -> None:
    """Create the campaign once, then start it now or leave it to its launch time."""
    if turn.press.step != "confirm":
        await turn.stale()
        return
    env, draft, lang = turn.env, turn.draft, turn.lang
    async with env.pool.connection() as conn:
        chosen = await load_picks(conn, draft)
    changed = confirm.problem(draft, chosen, env.now, env.settings.zone, lang)
    if changed is not None:
        step, reason = changed
        await turn.refuse(reason)
        await edit(turn.bot, turn.callback, await advance(turn.wizard, step, draft, env))
        return
    chat_id = turn.callback.message.chat.id if turn.callback.message else turn.operator.user_id
    # On weekdays at a time: round 1 is the first of them from the start chosen.
    draft.start_at = confirm.first_round(draft, env.now, env.settings.zone)
    campaign = await confirm.create(
        env.pool, turn.wizard.key, draft, env.settings, turn.operator, chat_id, lang
    )
    if campaign is None:  # a second Confirm, after the first made it
        await turn.callback.answer(t(lang, "This wizard is over. /new_campaign starts a new one."))
        return
    if draft.start_at is not None:
        await defer.launch_campaign(turn.queue, campaign.id, at=draft.start_at)
        at = show(draft.start_at, env.settings.zone)
        done = t(
            lang,
            "Campaign #{id} «{name}» is scheduled for {at}. Its card appears here when it starts.",
            id=campaign.id,
            name=campaign.name,
            at=at,
        )
    else:
        tools = Tools(turn.bot, env.pool, turn.queue, turn.operator, lang, env.settings.zone)
        started = await control.carry_out(control.START, campaign.id, chat_id, tools)
        done = started.text  # why it did not start
        if started.changed:
            done = t(
                lang,
                "Campaign #{id} «{name}» created and starting.",
                id=campaign.id,
                name=campaign.name,
            )
    await edit(turn.bot, turn.callback, done)
    await turn.callback.answer()


ACTIONS: dict[str, Callable[[Turn], Awaitable[None]]] = {
    "back": on_back,
    "cancel": on_cancel,
    "continue": on_continue,
    "restart": on_restart,
    "page": on_page,
    "pick": on_pick,
    "toggle": on_toggle,
    "done": on_done,
    "value": on_value,
    "now": on_now,
    "repeat": on_repeat,
    "confirm": on_confirm,
}
